import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { StorageStatus } from '../../../shared/contract/settings';
import { LocalBrainError } from '../../../shared/errors';
import { anchorFileName } from '../audit/anchor';
import { AuditLog } from '../audit/audit-log';
import { RetentionScheduler } from '../audit/retention';
import { generateDatabaseKey } from '../keys/database-key';
import type { KeyStore } from '../keys/key-store';
import { SettingsService } from '../settings/settings-service';
import { auditJournalSuffix, StorageDatabase } from './database';
import { schemaVersion } from './migrate';
import { migrations } from './migrations';

export const databaseFileName = 'localbrain.db';

export interface StorageOptions {
  /** The folder holding the database; undefined for an in-memory database (a core without a data dir). */
  readonly dataDir: string | undefined;
  readonly keyStore: KeyStore;
  readonly logger: Logger;
  /** better-sqlite3's addon for Electron's ABI (LOCALBRAIN_SQLITE_BINDING); Node's own build when unset. */
  readonly nativeBinding?: string;
}

/** The encrypted database and the services kept in it. */
export class Storage {
  readonly database: StorageDatabase;
  readonly audit: AuditLog;
  readonly settings: SettingsService;
  readonly #keyStore: KeyStore;
  readonly #retention: RetentionScheduler;
  readonly #logger: Logger;
  /** Set while a rekey runs, from staging the new key to committing it: rekeys never overlap. */
  #rekeying = false;

  private constructor(database: StorageDatabase, keyStore: KeyStore, logger: Logger, dataDir: string | undefined) {
    this.database = database;
    this.#keyStore = keyStore;
    this.#logger = logger;
    const current = keyStore.keys[database.keyIndex] ?? keyStore.keys[0];
    if (current === undefined) throw new Error('the key store holds no key');
    this.audit = new AuditLog({
      storage: database,
      logger,
      databaseKeys: { current, others: keyStore.keys.filter((key) => key !== current) },
      // Beside the database and its key (db.key in serve, the keychain-wrapped db-key.json on the desktop).
      ...(dataDir === undefined
        ? {}
        : { anchorFile: path.join(dataDir, anchorFileName), journalFile: `${database.file}${auditJournalSuffix}` }),
    });
    this.settings = new SettingsService(database, logger);
    this.#retention = new RetentionScheduler(this.audit, this.settings, logger);
  }

  static async open(options: StorageOptions): Promise<Storage> {
    const file = options.dataDir === undefined ? ':memory:' : path.join(options.dataDir, databaseFileName);
    // Said out loud: a new database is right on a first start only, and the log shows which start that was.
    if (options.dataDir !== undefined && !existsSync(file)) options.logger.info({ file }, 'no database yet: creating a new one');
    const database = StorageDatabase.open({
      file,
      keys: options.keyStore.keys,
      migrations,
      logger: options.logger,
      ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
    });
    try {
      await options.keyStore.opened(database.keyIndex);
      if (database.migration.from !== database.migration.to) {
        options.logger.info(
          { file, from: database.migration.from, to: database.migration.to, backup: database.migration.backupFile },
          'database migrated',
        );
      }
      return new Storage(database, options.keyStore, options.logger, options.dataDir);
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  /** The key that seals the diagnostic log: random, kept in the database so a rekey does not orphan old logs. */
  logKey(): Buffer {
    const db = this.database.db;
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'log.key'`).get() as { value: Buffer } | undefined;
    if (row) return row.value;
    const key = randomBytes(32);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('log.key', ?)`).run(key);
    this.database.noteWrite();
    return key;
  }

  status(): StorageStatus {
    return {
      keySource: this.#keyStore.source,
      ...(this.#keyStore.backend === undefined ? {} : { keyBackend: this.#keyStore.backend }),
      file: this.database.file,
      schemaVersion: schemaVersion(this.database.db),
      cipher: this.database.cipher,
      canRekey: this.#keyStore.canRekey,
    };
  }

  /**
   * A new random key; the database is re-encrypted in place and the old key no longer opens it.
   * One at a time: a rekey asked for while another runs gets `Conflict` at once, so there is
   * only ever one staged key, and the key committed is the one the database was re-encrypted
   * with (two overlapping rekeys once staged each other's key and lost the database).
   */
  async rekey(): Promise<{ rekeyedAt: number; recoveryKey?: string }> {
    if (!this.#keyStore.canRekey) {
      throw new LocalBrainError(
        'Unavailable',
        this.#keyStore.source === 'env'
          ? 'The database key comes from LOCALBRAIN_DB_KEY; change the key there instead.'
          : 'This database key cannot be replaced.',
      );
    }
    if (this.#rekeying) {
      throw new LocalBrainError('Conflict', 'The database key is already being replaced; try again when that has finished.');
    }
    this.#rekeying = true;
    try {
      this.audit.flush();
      const next = generateDatabaseKey();
      const { recoveryKey } = await this.#keyStore.stage(next);
      await this.database.settle();
      // No await between here and the rotation entry: nothing else writes while the journal
      // mode is switched, and the first entry under the new key is the one that vouches (by
      // the hash chain) for every entry MAC'd under the old key before it.
      this.database.rekey(next);
      this.audit.rotateKey(next);
      // The anchor moves to the new key before the new key replaces the old on disk: a kill
      // at any point leaves an anchor that a key on disk vouches for.
      await this.audit.anchorNow();
      await this.#keyStore.commit(next);
      this.#logger.info({ file: this.database.file }, 'database rekeyed');
      return recoveryKey === undefined ? { rekeyedAt: Date.now() } : { rekeyedAt: Date.now(), recoveryKey };
    } finally {
      this.#rekeying = false;
    }
  }

  /** Writes buffered audit entries, stops timers, takes a final checkpoint and closes the file. */
  async dispose(): Promise<void> {
    this.#retention.dispose();
    try {
      await this.audit.dispose();
    } catch (error) {
      this.#logger.error({ err: error }, 'final audit write failed');
    }
    await this.database.close();
  }
}
