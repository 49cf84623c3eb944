import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialogKeyPrompt, safeStorageKeyWrapper, type SafeStorageLike } from '../../../main/electron/key-wrap';
import { generateDatabaseKey, keyCheck, parseHexKey } from '../../../main/services/keys/database-key';
import { desktopKeyStore, wrappedKeyFileName, type KeyPrompt } from '../../../main/services/keys/desktop-key-store';
import { serveKeyStore } from '../../../main/services/keys/key-file';
import { fixedKeyStore } from '../../../main/services/keys/key-store';
import { formatRecoveryKey, parseRecoveryKey } from '../../../main/services/keys/sealed-box';
import { StorageOpenError } from '../../../main/services/storage/open-errors';
import { Storage } from '../../../main/services/storage/storage';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';
import { snapshotDir } from './helpers';

let dir: { path: string; remove: () => Promise<void> };
const dbFile = () => path.join(dir.path, 'localbrain.db');
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

/** Stands in for the database these key-only tests never create: a key file without one is refused as a lost database. */
function standInDatabase(): void {
  writeFileSync(dbFile(), Buffer.alloc(4096, 1));
}

/** A stand-in for Electron's safeStorage: real AES under a key that lives as long as the fake (the "keychain"). */
function fakeSafeStorage(backend: string, options: { available?: boolean } = {}) {
  const keychainKey = randomBytes(32);
  const fake: SafeStorageLike & { backend: string } = {
    backend,
    isAsyncEncryptionAvailable: () => Promise.resolve(options.available ?? true),
    getSelectedStorageBackend: () => fake.backend as ReturnType<SafeStorageLike['getSelectedStorageBackend']>,
    encryptStringAsync: (text) => {
      const iv = randomBytes(16);
      const cipher = createCipheriv('aes-256-cbc', keychainKey, iv);
      return Promise.resolve(Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final()]));
    },
    decryptStringAsync: (wrapped) => {
      const decipher = createDecipheriv('aes-256-cbc', keychainKey, wrapped.subarray(0, 16));
      const result = Buffer.concat([decipher.update(wrapped.subarray(16)), decipher.final()]).toString('utf8');
      return Promise.resolve({ result, shouldReEncrypt: false });
    },
  };
  return fake;
}

/** A person answering prompts from a script, recording what they were told. */
function scriptedPrompt(answers: { passphrases?: (string | undefined)[]; recovery?: (string | undefined)[] } = {}) {
  const told: string[] = [];
  const shown: string[] = [];
  const passphrases = [...(answers.passphrases ?? [])];
  const recovery = [...(answers.recovery ?? [])];
  const prompt: KeyPrompt = {
    notice: (message) => {
      told.push(message);
      return Promise.resolve();
    },
    passphrase: () => Promise.resolve(passphrases.shift()),
    recoveryKey: (reason) => {
      told.push(reason);
      return Promise.resolve(recovery.shift());
    },
    showRecoveryKey: (key) => {
      shown.push(key);
      return Promise.resolve();
    },
  };
  return { prompt, told, shown };
}

describe('serveKeyStore', () => {
  it('uses LOCALBRAIN_DB_KEY when set and cannot rekey it', () => {
    const hex = randomBytes(32).toString('hex');
    const store = serveKeyStore(dir.path, dbFile(), { LOCALBRAIN_DB_KEY: hex });
    expect(store.source).toBe('env');
    expect(store.canRekey).toBe(false);
    expect(store.keys[0]?.toString('hex')).toBe(hex);
    expect(existsSync(path.join(dir.path, 'db.key'))).toBe(false);
  });

  it('refuses a LOCALBRAIN_DB_KEY that is not 64 hex characters', () => {
    expect(() => serveKeyStore(dir.path, dbFile(), { LOCALBRAIN_DB_KEY: 'abc' })).toThrow(/LOCALBRAIN_DB_KEY must be exactly 64/);
    expect(() => serveKeyStore(dir.path, dbFile(), { LOCALBRAIN_DB_KEY: 'g'.repeat(64) })).toThrow(/64 hexadecimal/);
  });

  it('creates a random key in a 0600 file when there is no database yet, and reads it back', () => {
    const first = serveKeyStore(dir.path, dbFile(), {});
    standInDatabase();
    const file = path.join(dir.path, 'db.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(serveKeyStore(dir.path, dbFile(), {}).keys[0]?.equals(first.keys[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it('refuses to create a fresh database where its key file says one existed, changing nothing', async () => {
    const { logger } = capturingLogger();
    const storage = await Storage.open({ dataDir: dir.path, keyStore: serveKeyStore(dir.path, dbFile(), {}), logger });
    await storage.dispose();
    rmSync(dbFile());
    const before = snapshotDir(dir.path);
    expect(() => serveKeyStore(dir.path, dbFile(), {})).toThrow(
      expect.objectContaining({ code: 'Database', details: expect.objectContaining({ failure: 'missing' }) as unknown }) as Error,
    );
    // With the key from the environment, the fingerprint left beside it says the same.
    await expect(
      Storage.open({ dataDir: dir.path, keyStore: fixedKeyStore(generateDatabaseKey(), 'env'), logger }),
    ).rejects.toThrow(/localbrain\.db\.keycheck shows it existed/);
    expect(snapshotDir(dir.path)).toEqual(before);
    expect(existsSync(dbFile())).toBe(false);
  });

  it('refuses to invent a key for a database whose key file is gone', () => {
    writeFileSync(dbFile(), Buffer.alloc(4096, 1));
    expect(() => serveKeyStore(dir.path, dbFile(), {})).toThrow(StorageOpenError);
    expect(existsSync(path.join(dir.path, 'db.key'))).toBe(false);
  });

  it('finishes an interrupted rekey: a staged key that opens the database becomes the key', async () => {
    const { logger } = capturingLogger();
    const store = serveKeyStore(dir.path, dbFile(), {});
    const storage = await Storage.open({ dataDir: dir.path, keyStore: store, logger });
    storage.settings.set('terminal.fontSize', 20);
    // Simulate a crash after the database was rekeyed but before the key file was replaced.
    const next = randomBytes(32);
    writeFileSync(path.join(dir.path, 'db.key.next'), next.toString('hex'));
    storage.database.rekey(next as never);
    // …and before the fingerprint was rewritten.
    writeFileSync(`${dbFile()}.keycheck`, keyCheck(store.keys[0] as never));
    await storage.dispose();
    const reopenedStore = serveKeyStore(dir.path, dbFile(), {});
    const reopened = await Storage.open({ dataDir: dir.path, keyStore: reopenedStore, logger });
    expect(reopened.settings.get('terminal.fontSize')).toBe(20);
    await reopened.dispose();
    expect(parseHexKey(readFileSync(path.join(dir.path, 'db.key'), 'utf8'), 'db.key').equals(next)).toBe(true);
    // The fingerprint beside the database follows the key that opened it.
    expect(readFileSync(`${dbFile()}.keycheck`, 'utf8')).toBe(keyCheck(next as never));
    expect(existsSync(path.join(dir.path, 'db.key.next'))).toBe(false);
  });

  it('commits only the key this rekey staged, and writes that key, whatever the staged file holds', async () => {
    const store = serveKeyStore(dir.path, dbFile(), {});
    const staged = generateDatabaseKey();
    await store.stage(staged);
    await expect(store.commit(generateDatabaseKey())).rejects.toThrow(/did not stage/);
    // Someone else's key in the staged file changes nothing: the committed key is the one staged here.
    writeFileSync(path.join(dir.path, 'db.key.next'), generateDatabaseKey().toString('hex'));
    await store.commit(staged);
    expect(parseHexKey(readFileSync(path.join(dir.path, 'db.key'), 'utf8'), 'db.key').equals(staged)).toBe(true);
    expect(existsSync(path.join(dir.path, 'db.key.next'))).toBe(false);
  });

  it('removes a staged key that did not open the database (a rekey that never reached it)', async () => {
    const { logger } = capturingLogger();
    const first = await Storage.open({ dataDir: dir.path, keyStore: serveKeyStore(dir.path, dbFile(), {}), logger });
    await first.dispose();
    writeFileSync(path.join(dir.path, 'db.key.next'), generateDatabaseKey().toString('hex'));
    const before = readFileSync(path.join(dir.path, 'db.key'), 'utf8');
    const reopened = await Storage.open({ dataDir: dir.path, keyStore: serveKeyStore(dir.path, dbFile(), {}), logger });
    await reopened.dispose();
    expect(readFileSync(path.join(dir.path, 'db.key'), 'utf8')).toBe(before);
    expect(existsSync(path.join(dir.path, 'db.key.next'))).toBe(false);
  });

  it('refuses a second rekey while one runs (Conflict), and the key on disk opens the database after both', async () => {
    const { logger } = capturingLogger();
    const storage = await Storage.open({ dataDir: dir.path, keyStore: serveKeyStore(dir.path, dbFile(), {}), logger });
    storage.settings.set('terminal.fontSize', 21);
    const results = await Promise.allSettled([storage.rekey(), storage.rekey(), storage.rekey()]);
    await storage.dispose();
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((candidate) => candidate.status === 'rejected')) {
      expect(result.reason).toMatchObject({ code: 'Conflict' });
    }
    const reopened = await Storage.open({ dataDir: dir.path, keyStore: serveKeyStore(dir.path, dbFile(), {}), logger });
    expect(reopened.settings.get('terminal.fontSize')).toBe(21);
    await reopened.dispose();
  });
});

describe('recovery key text', () => {
  it('round-trips 32 bytes and forgives case, dashes and look-alike letters', () => {
    const bytes = randomBytes(32);
    const text = formatRecoveryKey(bytes);
    expect(text).toMatch(/^([A-Z0-9]{4}-){12}[A-Z0-9]{4}$/);
    expect(parseRecoveryKey(text)?.equals(bytes)).toBe(true);
    expect(parseRecoveryKey(text.toLowerCase().replaceAll('-', ' '))?.equals(bytes)).toBe(true);
    expect(parseRecoveryKey('not a key')).toBeUndefined();
    expect(parseRecoveryKey(text.slice(0, -5))).toBeUndefined();
  });
});

describe('safeStorageKeyWrapper', () => {
  it('treats Linux basic_text (and an unready backend) as no keyring', async () => {
    await expect(safeStorageKeyWrapper(fakeSafeStorage('basic_text'), 'linux').backend()).resolves.toBeUndefined();
    await expect(safeStorageKeyWrapper(fakeSafeStorage('unknown'), 'linux').backend()).resolves.toBeUndefined();
    await expect(safeStorageKeyWrapper(fakeSafeStorage('gnome_libsecret'), 'linux').backend()).resolves.toBe('gnome_libsecret');
    await expect(safeStorageKeyWrapper(fakeSafeStorage('basic_text'), 'darwin').backend()).resolves.toBe('keychain');
    await expect(
      safeStorageKeyWrapper(fakeSafeStorage('kwallet5', { available: false }), 'linux').backend(),
    ).resolves.toBeUndefined();
  });
});

describe('desktopKeyStore', () => {
  it('wraps a new key with the keychain, records the backend, shows a recovery key and unwraps it next start', async () => {
    const safeStorage = fakeSafeStorage('gnome_libsecret');
    const wrapper = safeStorageKeyWrapper(safeStorage, 'linux');
    const first = scriptedPrompt();
    const created = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: first.prompt });
    standInDatabase();
    expect(created).toMatchObject({ source: 'safeStorage', backend: 'gnome_libsecret', canRekey: true });
    expect(first.shown).toHaveLength(1);
    const stored = readFileSync(path.join(dir.path, wrappedKeyFileName), 'utf8');
    expect(stored).not.toContain(created.keys[0]?.toString('hex'));
    expect(JSON.parse(stored)).toMatchObject({ wrappedBy: 'safeStorage', backend: 'gnome_libsecret' });
    const again = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: scriptedPrompt().prompt });
    expect(again.keys[0]?.equals(created.keys[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it('asks for a passphrase instead of storing the key in the clear when Linux reports basic_text', async () => {
    const wrapper = safeStorageKeyWrapper(fakeSafeStorage('basic_text'), 'linux');
    const first = scriptedPrompt({ passphrases: ['correct horse battery staple'] });
    const created = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: first.prompt });
    standInDatabase();
    expect(created.source).toBe('passphrase');
    expect(first.told.join(' ')).toMatch(/No system keyring/);
    const wrong = scriptedPrompt({ passphrases: ['nope', 'correct horse battery staple'] });
    const unlocked = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: wrong.prompt });
    expect(unlocked.keys[0]?.equals(created.keys[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it('refuses to go on without a keyring or a passphrase', async () => {
    const wrapper = safeStorageKeyWrapper(fakeSafeStorage('basic_text'), 'linux');
    await expect(
      desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: scriptedPrompt().prompt }),
    ).rejects.toThrow(/no passphrase/);
    expect(existsSync(path.join(dir.path, wrappedKeyFileName))).toBe(false);
  });

  it('says which backend wrapped the key when the keyring is gone, and recovers with the recovery key', async () => {
    const safeStorage = fakeSafeStorage('kwallet5');
    const first = scriptedPrompt();
    const created = await desktopKeyStore({
      dir: dir.path,
      databaseFile: dbFile(),
      wrapper: safeStorageKeyWrapper(safeStorage, 'linux'),
      prompt: first.prompt,
    });
    standInDatabase();
    const recoveryKey = first.shown[0] ?? '';
    // The keyring is gone: the session falls back to basic_text, which does not count.
    safeStorage.backend = 'basic_text';
    const later = scriptedPrompt({ recovery: ['WRONG-KEY', recoveryKey], passphrases: ['new passphrase'] });
    const recovered = await desktopKeyStore({
      dir: dir.path,
      databaseFile: dbFile(),
      wrapper: safeStorageKeyWrapper(safeStorage, 'linux'),
      prompt: later.prompt,
    });
    expect(later.told[0]).toMatch(/wrapped by the kwallet5 keyring, which is not available/);
    expect(later.told[1]).toMatch(/does not match/);
    expect(recovered.keys[0]?.equals(created.keys[0] ?? Buffer.alloc(0))).toBe(true);
    // Rewrapped with a passphrase; the recovery key still works.
    expect(recovered.source).toBe('passphrase');
  });

  it('names a backend change instead of failing obscurely', async () => {
    const safeStorage = fakeSafeStorage('kwallet5');
    await desktopKeyStore({
      dir: dir.path,
      databaseFile: dbFile(),
      wrapper: safeStorageKeyWrapper(safeStorage, 'linux'),
      prompt: scriptedPrompt().prompt,
    });
    standInDatabase();
    safeStorage.backend = 'kwallet6';
    const later = scriptedPrompt();
    const store = await desktopKeyStore({
      dir: dir.path,
      databaseFile: dbFile(),
      wrapper: safeStorageKeyWrapper(safeStorage, 'linux'),
      prompt: later.prompt,
    });
    expect(later.told[0]).toMatch(/wrapped by the kwallet5 keyring; this session uses kwallet6/);
    expect(store.backend).toBe('kwallet6');
  });

  it('finishes a rekey interrupted after the database changed but before db-key.json did', async () => {
    const { logger } = capturingLogger();
    const wrapper = safeStorageKeyWrapper(fakeSafeStorage('gnome_libsecret'), 'linux');
    const store = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: scriptedPrompt().prompt });
    const storage = await Storage.open({ dataDir: dir.path, keyStore: store, logger });
    storage.settings.set('terminal.fontSize', 21);
    const next = randomBytes(32) as never;
    await store.stage(next);
    storage.database.rekey(next);
    // Crash here: no commit of the staged key file.
    await storage.dispose();
    const again = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: scriptedPrompt().prompt });
    const reopened = await Storage.open({ dataDir: dir.path, keyStore: again, logger });
    expect(reopened.settings.get('terminal.fontSize')).toBe(21);
    await reopened.dispose();
    expect(existsSync(path.join(dir.path, `${wrappedKeyFileName}.next`))).toBe(false);
    const third = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: scriptedPrompt().prompt });
    expect(third.keys).toHaveLength(1);
    expect(third.keys[0]?.equals(next)).toBe(true);
  });

  it('finishes an interrupted rekey of a passphrase-wrapped key with one more prompt', async () => {
    const { logger } = capturingLogger();
    const wrapper = safeStorageKeyWrapper(fakeSafeStorage('basic_text'), 'linux');
    const first = scriptedPrompt({ passphrases: ['pw one', 'pw two'] });
    const store = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: first.prompt });
    const storage = await Storage.open({ dataDir: dir.path, keyStore: store, logger });
    const next = randomBytes(32) as never;
    await store.stage(next);
    storage.database.rekey(next);
    await storage.dispose();
    const again = await desktopKeyStore({
      dir: dir.path,
      databaseFile: dbFile(),
      wrapper,
      prompt: scriptedPrompt({ passphrases: ['pw one', 'pw two'] }).prompt,
    });
    expect(again.keys).toHaveLength(2);
    const reopened = await Storage.open({ dataDir: dir.path, keyStore: again, logger });
    await reopened.dispose();
    expect(existsSync(path.join(dir.path, `${wrappedKeyFileName}.next`))).toBe(false);
  });

  it('rekeys: a new wrapped key and a new recovery key; the old key no longer opens the database', async () => {
    const { logger } = capturingLogger();
    const wrapper = safeStorageKeyWrapper(fakeSafeStorage('gnome_libsecret'), 'linux');
    const store = await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: scriptedPrompt().prompt });
    const oldKey = store.keys[0];
    const storage = await Storage.open({ dataDir: dir.path, keyStore: store, logger });
    storage.settings.set('appearance.theme', 'light');
    const { recoveryKey } = await storage.rekey();
    expect(recoveryKey).toMatch(/^[A-Z0-9-]{64}$/);
    await storage.dispose();
    const reopened = await Storage.open({
      dataDir: dir.path,
      keyStore: await desktopKeyStore({ dir: dir.path, databaseFile: dbFile(), wrapper, prompt: scriptedPrompt().prompt }),
      logger,
    });
    expect(reopened.settings.get('appearance.theme')).toBe('light');
    await reopened.dispose();
    await expect(
      Storage.open({ dataDir: dir.path, keyStore: { ...store, keys: oldKey ? [oldKey] : [] }, logger }),
    ).rejects.toMatchObject({ failure: 'wrong-key' });
  });
});

describe('dialogKeyPrompt', () => {
  function surfaces(env: NodeJS.ProcessEnv, response = 0) {
    const boxes: string[] = [];
    const copied: string[] = [];
    return {
      boxes,
      copied,
      surfaces: {
        env,
        showMessageBox: (options: { message: string; detail?: string }) => {
          boxes.push(`${options.message} ${options.detail ?? ''}`);
          return Promise.resolve({ response });
        },
        writeClipboard: (text: string) => {
          copied.push(text);
        },
      },
    };
  }

  it('takes the passphrase from the environment once, and explains when it is missing', async () => {
    const given = surfaces({ LOCALBRAIN_DB_PASSPHRASE: 'secret words' });
    const prompt = dialogKeyPrompt(given.surfaces);
    await expect(prompt.passphrase('unlock', 1)).resolves.toBe('secret words');
    await expect(prompt.passphrase('unlock', 2)).resolves.toBeUndefined();
    const missing = surfaces({});
    await expect(dialogKeyPrompt(missing.surfaces).passphrase('create', 1)).resolves.toBeUndefined();
    expect(missing.boxes.join()).toMatch(/LOCALBRAIN_DB_PASSPHRASE/);
  });

  it('shows the recovery key and copies it when asked', async () => {
    const shown = surfaces({}, 0);
    await dialogKeyPrompt(shown.surfaces).showRecoveryKey('AAAA-BBBB');
    expect(shown.boxes[0]).toContain('AAAA-BBBB');
    expect(shown.copied).toEqual(['AAAA-BBBB']);
  });
});
