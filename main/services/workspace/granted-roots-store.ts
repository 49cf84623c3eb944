import type { Logger } from 'pino';
import { z } from 'zod';
import type { StorageDatabase } from '../storage/database';
import type { WorkspaceStore } from './roots';

/** The `meta` row holding the roots granted in the OS folder dialog. */
const grantedRootsKey = 'workspace.grantedRoots';
/**
 * Where releases before this one kept roots: the `workspace.roots` *setting*, which any client
 * could write with SettingsSet (issue 13). Its rows are dropped, not carried over: nothing
 * says whether a person or a client put a folder there.
 */
const legacySettingKey = 'workspace.roots';

const storedRootsSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(4096)
      .refine((value) => value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value), { error: 'a root is an absolute path' })
      .refine((value) => !value.includes('\0'), { error: 'a root must not contain NUL' }),
  )
  .max(256);

/**
 * Granted workspace roots in the encrypted database's `meta` table, which no message can
 * write: only WorkspaceGrant (after the person picked the folder in the OS dialog) and
 * WorkspaceRevoke reach `save`. Not a setting, so SettingsGet/SettingsSet never see it.
 */
export class GrantedRootsStore implements WorkspaceStore {
  readonly #storage: StorageDatabase;
  readonly #logger: Logger;

  constructor(storage: StorageDatabase, logger: Logger) {
    this.#storage = storage;
    this.#logger = logger;
    this.#dropLegacySetting();
  }

  #dropLegacySetting(): void {
    const db = this.#storage.db;
    const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(legacySettingKey) as { value: string } | undefined;
    if (row === undefined) return;
    db.prepare('DELETE FROM settings WHERE key = ?').run(legacySettingKey);
    this.#storage.noteWrite();
    this.#logger.warn(
      { dropped: row.value },
      'workspace roots saved as a setting by an earlier LocalBrain were dropped (any client could write them); grant the folders again',
    );
  }

  load(): Promise<string[]> {
    const row = this.#storage.db.prepare('SELECT value FROM meta WHERE key = ?').get(grantedRootsKey) as
      { value: Buffer } | undefined;
    if (row === undefined) return Promise.resolve([]);
    let stored: unknown;
    try {
      stored = JSON.parse(row.value.toString('utf8'));
    } catch {
      stored = undefined;
    }
    const parsed = storedRootsSchema.safeParse(stored);
    if (parsed.success) return Promise.resolve(parsed.data);
    this.#logger.warn('the saved workspace roots are not readable; none are granted from the database');
    return Promise.resolve([]);
  }

  save(roots: readonly string[]): Promise<void> {
    const value = Buffer.from(JSON.stringify(storedRootsSchema.parse([...roots])), 'utf8');
    this.#storage.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(grantedRootsKey, value);
    this.#storage.noteWrite();
    return Promise.resolve();
  }
}
