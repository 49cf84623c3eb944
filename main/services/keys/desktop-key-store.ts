import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { LocalBrainError } from '../../../shared/errors';
import { StorageOpenError } from '../storage/open-errors';
import { writeFileAtomically } from './atomic-write';
import { asDatabaseKey, generateDatabaseKey, type DatabaseKey } from './database-key';
import type { KeyStore } from './key-store';
import {
  formatRecoveryKey,
  open,
  parseRecoveryKey,
  passphraseKey,
  recoveryWrappingKey,
  seal,
  type SealedBox,
} from './sealed-box';

export const wrappedKeyFileName = 'db-key.json';
/** Passphrase attempts before the recovery key is asked for instead. */
const passphraseAttempts = 3;

/** The OS keychain, as Electron's safeStorage offers it (main/electron/key-wrap.ts adapts it). */
export interface KeyWrapper {
  /** The backend that would wrap a key now (`keychain`, `dpapi`, `gnome_libsecret`…), or undefined when there is no real one. */
  backend(): Promise<string | undefined>;
  wrap(secret: string): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<{ secret: string; shouldRewrap: boolean }>;
}

/** What the desktop asks of the person; main/index.ts implements it with dialogs, tests with a script. */
export interface KeyPrompt {
  /** Something they should know, such as "no keyring: using a passphrase". */
  notice(message: string): Promise<void>;
  /** A passphrase, or undefined if they cancel. `create` asks twice in the UI. */
  passphrase(purpose: 'create' | 'unlock', attempt: number): Promise<string | undefined>;
  /** The recovery key as typed, or undefined if they cancel. */
  recoveryKey(reason: string): Promise<string | undefined>;
  /** Shows a new recovery key to write down. */
  showRecoveryKey(recoveryKey: string): Promise<void>;
}

const sealedBoxSchema = z.object({ iv: z.string(), ciphertext: z.string(), tag: z.string() });
const wrappedKeyFileSchema = z.object({
  version: z.literal(1),
  wrappedBy: z.enum(['safeStorage', 'passphrase']),
  /** The safeStorage backend that wrapped the key, so a change can be named instead of failing obscurely. */
  backend: z.string().optional(),
  safeStorage: z.string().optional(),
  passphrase: z.object({ salt: z.string(), box: sealedBoxSchema }).optional(),
  recovery: z.object({ salt: z.string(), box: sealedBoxSchema }),
});
type WrappedKeyFile = z.infer<typeof wrappedKeyFileSchema>;

export interface DesktopKeyOptions {
  readonly dir: string;
  readonly databaseFile: string;
  readonly wrapper: KeyWrapper;
  readonly prompt: KeyPrompt;
}

async function wrapKey(
  key: DatabaseKey,
  options: DesktopKeyOptions,
  backend: string | undefined,
): Promise<{ file: WrappedKeyFile; recoveryKey: string }> {
  const recovery = randomBytes(32);
  const recoverySalt = randomBytes(16);
  const base = {
    version: 1 as const,
    recovery: { salt: recoverySalt.toString('base64'), box: seal(recoveryWrappingKey(recovery, recoverySalt), key) },
  };
  if (backend !== undefined) {
    const wrapped = await options.wrapper.wrap(key.toString('hex'));
    return {
      file: { ...base, wrappedBy: 'safeStorage', backend, safeStorage: wrapped.toString('base64') },
      recoveryKey: formatRecoveryKey(recovery),
    };
  }
  const passphrase = await options.prompt.passphrase('create', 1);
  if (passphrase === undefined || passphrase.length === 0) {
    throw new LocalBrainError(
      'Unavailable',
      'No keyring is available and no passphrase was given, so the database key cannot be stored safely.',
    );
  }
  const salt = randomBytes(16);
  const box = seal(await passphraseKey(passphrase, salt), key);
  return {
    file: { ...base, wrappedBy: 'passphrase', passphrase: { salt: salt.toString('base64'), box } },
    recoveryKey: formatRecoveryKey(recovery),
  };
}

function tryOpen(key: Buffer, box: SealedBox): DatabaseKey | undefined {
  try {
    return asDatabaseKey(open(key, box));
  } catch {
    return undefined;
  }
}

async function unlockWithRecovery(stored: WrappedKeyFile, options: DesktopKeyOptions, reason: string): Promise<DatabaseKey> {
  for (;;) {
    const typed = await options.prompt.recoveryKey(reason);
    if (typed === undefined) {
      throw new StorageOpenError('wrong-key', options.databaseFile, `${reason} No recovery key was entered`);
    }
    const recovery = parseRecoveryKey(typed);
    const key =
      recovery && tryOpen(recoveryWrappingKey(recovery, Buffer.from(stored.recovery.salt, 'base64')), stored.recovery.box);
    if (key) return key;
    reason = 'That recovery key does not match. Check it and try again.';
  }
}

async function unlock(
  stored: WrappedKeyFile,
  options: DesktopKeyOptions,
  backendNow: string | undefined,
): Promise<{ key: DatabaseKey; rewrap: boolean }> {
  if (stored.wrappedBy === 'passphrase' && stored.passphrase) {
    const salt = Buffer.from(stored.passphrase.salt, 'base64');
    for (let attempt = 1; attempt <= passphraseAttempts; attempt++) {
      const passphrase = await options.prompt.passphrase('unlock', attempt);
      if (passphrase === undefined) break;
      const key = tryOpen(await passphraseKey(passphrase, salt), stored.passphrase.box);
      if (key) return { key, rewrap: backendNow !== undefined };
    }
    return { key: await unlockWithRecovery(stored, options, 'The passphrase did not unlock the database key.'), rewrap: true };
  }
  const recorded = stored.backend ?? 'unknown';
  if (backendNow === undefined) {
    const key = await unlockWithRecovery(
      stored,
      options,
      `The database key was wrapped by the ${recorded} keyring, which is not available now.`,
    );
    return { key, rewrap: true };
  }
  if (backendNow !== recorded) {
    await options.prompt.notice(
      `The database key was wrapped by the ${recorded} keyring; this session uses ${backendNow}. Trying it anyway.`,
    );
  }
  try {
    const { secret, shouldRewrap } = await options.wrapper.unwrap(Buffer.from(stored.safeStorage ?? '', 'base64'));
    return { key: asDatabaseKey(Buffer.from(secret, 'hex')), rewrap: shouldRewrap || backendNow !== recorded };
  } catch {
    const key = await unlockWithRecovery(
      stored,
      options,
      `The ${backendNow} keyring could not unwrap the database key (it was wrapped by ${recorded}).`,
    );
    return { key, rewrap: true };
  }
}

/**
 * The desktop's database key: random, created once, stored in the user-data folder wrapped
 * by the OS keychain through safeStorage, or by a passphrase where there is no real keychain
 * (Linux reporting `basic_text`), and always also by a recovery key the person writes down.
 */
export async function desktopKeyStore(options: DesktopKeyOptions): Promise<KeyStore> {
  const file = path.join(options.dir, wrappedKeyFileName);
  const stagedFile = `${file}.next`;
  const backendNow = await options.wrapper.backend();
  let key: DatabaseKey;
  let stored: WrappedKeyFile;
  if (!existsSync(file)) {
    if (existsSync(options.databaseFile)) {
      throw new StorageOpenError('wrong-key', options.databaseFile, `The database exists but its wrapped key ${file} is missing`);
    }
    if (backendNow === undefined) {
      await options.prompt.notice(
        'No system keyring is available, so LocalBrain will protect its database key with a passphrase you choose.',
      );
    }
    key = generateDatabaseKey();
    const created = await wrapKey(key, options, backendNow);
    stored = created.file;
    writeFileAtomically(file, JSON.stringify(stored, null, 2));
    await options.prompt.showRecoveryKey(created.recoveryKey);
  } else {
    if (!existsSync(options.databaseFile)) {
      // The wrapped key is written only with its database: without it the database was moved or deleted.
      throw new StorageOpenError(
        'missing',
        options.databaseFile,
        `The database is gone but its wrapped key ${file} shows it existed`,
      );
    }
    const parsed = wrappedKeyFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new StorageOpenError('unreadable', file, 'The wrapped database key file is not readable');
    stored = parsed.data;
    const unlocked = await unlock(stored, options, backendNow);
    key = unlocked.key;
    if (unlocked.rewrap) {
      // Recorded anew with today's backend; the recovery key stays the same.
      const rewrapped = await wrapKey(key, options, backendNow);
      stored = { ...rewrapped.file, recovery: stored.recovery };
      writeFileAtomically(file, JSON.stringify(stored, null, 2));
    }
  }
  const keys: DatabaseKey[] = [key];
  const interrupted = await stagedKeyFromInterruptedRekey(stagedFile, options);
  if (interrupted) keys.push(interrupted);
  let staged: { key: DatabaseKey; file: string } | undefined;
  return {
    source: stored.wrappedBy === 'safeStorage' ? 'safeStorage' : 'passphrase',
    ...(stored.backend === undefined ? {} : { backend: stored.backend }),
    canRekey: true,
    keys,
    stage: async (next) => {
      const wrapped = await wrapKey(next, options, backendNow);
      const content = JSON.stringify(wrapped.file, null, 2);
      writeFileAtomically(stagedFile, content);
      staged = { key: next, file: content };
      return { recoveryKey: wrapped.recoveryKey };
    },
    commit: (next) => {
      if (!staged?.key.equals(next)) {
        return Promise.reject(new Error('refusing to commit a database key that this rekey did not stage'));
      }
      // The wrapping of the key the database was just re-encrypted with; the staged copy goes after.
      writeFileAtomically(file, staged.file);
      rmSync(stagedFile, { force: true });
      keys[0] = next;
      staged = undefined;
      return Promise.resolve();
    },
    opened: (keyIndex) => {
      // The staged key opened it: the rekey finished in the database but not in db-key.json.
      if (keyIndex === 1) renameSync(stagedFile, file);
      // The current key opened it: a staged key is left from a rekey that never reached the database.
      else if (interrupted) rmSync(stagedFile, { force: true });
      return Promise.resolve();
    },
  };
}

/**
 * The new key of a rekey that was interrupted after staging: unwrapped by the keychain, or
 * with one more passphrase prompt when a passphrase wrapped it.
 */
async function stagedKeyFromInterruptedRekey(stagedFile: string, options: DesktopKeyOptions): Promise<DatabaseKey | undefined> {
  if (!existsSync(stagedFile)) return undefined;
  try {
    const staged = wrappedKeyFileSchema.parse(JSON.parse(readFileSync(stagedFile, 'utf8')));
    if (staged.wrappedBy === 'safeStorage' && staged.safeStorage !== undefined) {
      const { secret } = await options.wrapper.unwrap(Buffer.from(staged.safeStorage, 'base64'));
      return asDatabaseKey(Buffer.from(secret, 'hex'));
    }
    if (staged.passphrase) {
      const passphrase = await options.prompt.passphrase('unlock', 1);
      if (passphrase === undefined) return undefined;
      return tryOpen(await passphraseKey(passphrase, Buffer.from(staged.passphrase.salt, 'base64')), staged.passphrase.box);
    }
    return undefined;
  } catch {
    return undefined;
  }
}
