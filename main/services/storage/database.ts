import { chmodSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomically } from '../keys/atomic-write';
import { keyCheck, keyMatchesCheck, keyPragmaValue, type DatabaseKey } from '../keys/database-key';
import { assertKnownVersion, migrate, type Migration, type MigrationResult } from './migrate';
import { StorageOpenError } from './open-errors';
import { SqliteDatabaseConstructor, sqliteCode, type SqliteDatabase } from './sqlite';

/** How long an open waits for another process's lock before calling the file locked; long enough to ride out a checkpoint. */
const defaultBusyTimeoutMs = 1_000;
/** Idle time after the last write before the WAL is checkpointed; short enough that the WAL stays small between bursts. */
const idleCheckpointMs = 500;
/** A WAL this large forces a checkpoint even when writes never pause: ~4,000 pages, a few ms of copying. */
const forcedCheckpointWalBytes = 16 * 1024 * 1024;
/** Commits between checks of the WAL's size: a stat is cheap, but not free on every commit. */
const walSizeCheckEvery = 32;
/** The WAL is truncated to this size after a checkpoint (SQLite leaves it at its high-water mark otherwise). */
const walSizeLimitBytes = 4 * 1024 * 1024;
/** SQLite's smallest page; an encrypted file is always a whole number of pages. */
const minPageBytes = 512;
const sqliteHeader = Buffer.from('SQLite format 3\0', 'latin1');
/** The audit journal (main/services/audit/journal.ts) lives beside the database, named after it, so its presence alone shows a database existed. */
export const auditJournalSuffix = '-audit-journal';

export interface OpenDatabaseOptions {
  /** The database file, or ':memory:' for a core without a data dir. */
  readonly file: string;
  /** Keys to try in order; the first that opens the file is used (a second covers an interrupted rekey). */
  readonly keys: readonly DatabaseKey[];
  readonly migrations: readonly Migration[];
  /** better-sqlite3's native addon built for this runtime's ABI (Electron); Node's own build otherwise. */
  readonly nativeBinding?: string;
  readonly logger?: Logger;
  readonly busyTimeoutMs?: number;
}

function keyCheckFile(file: string): string {
  return `${file}.keycheck`;
}

function keyCheckHolds(file: string, key: DatabaseKey): boolean {
  const checkFile = keyCheckFile(file);
  return existsSync(checkFile) && keyMatchesCheck(key, readFileSync(checkFile, 'utf8'));
}

/**
 * Files that exist only beside a database that existed: its key fingerprint, its WAL or
 * rollback journal, the copies taken before upgrades. Any of them without the database
 * means it was moved or deleted, not that this is a first start.
 */
function traceOfDatabase(file: string): string | undefined {
  for (const suffix of ['.keycheck', '-wal', '-journal', auditJournalSuffix]) {
    if (existsSync(`${file}${suffix}`)) return `${file}${suffix}`;
  }
  const name = path.basename(file);
  let siblings: string[];
  try {
    siblings = readdirSync(path.dirname(file));
  } catch {
    return undefined;
  }
  const backup = siblings.find((sibling) => sibling.startsWith(`${name}.v`) && sibling.endsWith('.bak'));
  return backup === undefined ? undefined : path.join(path.dirname(file), backup);
}

/** Refuses files that cannot be an encrypted database, before SQLite sees them (it would treat an empty file as new). */
function preflight(file: string): void {
  let size: number;
  let header: Buffer;
  try {
    size = statSync(file).size;
    const fd = openSync(file, 'r');
    try {
      header = Buffer.alloc(Math.min(size, sqliteHeader.length));
      readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new StorageOpenError('unreadable', file, 'The database file could not be read', {}, { cause: error });
  }
  if (size === 0) throw new StorageOpenError('damaged', file, 'The database file is empty (truncated)');
  if (header.equals(sqliteHeader)) throw new StorageOpenError('unencrypted', file, 'The database file is not encrypted');
  if (size < minPageBytes || size % minPageBytes !== 0) {
    throw new StorageOpenError(
      'damaged',
      file,
      `The database file is truncated or damaged (${size} bytes is not a whole number of pages)`,
    );
  }
}

function classifyProbeFailure(error: unknown, file: string, key: DatabaseKey): StorageOpenError {
  const code = sqliteCode(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StorageOpenError('locked', file, 'The database is locked', {}, { cause: error });
  }
  if (code === 'SQLITE_NOTADB') {
    const checkFile = keyCheckFile(file);
    if (keyCheckHolds(file, key)) {
      return new StorageOpenError('damaged', file, 'The key is right but the database file is damaged', {}, { cause: error });
    }
    return new StorageOpenError(
      'wrong-key',
      file,
      existsSync(checkFile) ? 'The key does not open the database' : 'The key does not open the database, or the file is damaged',
      {},
      { cause: error },
    );
  }
  if (code === 'SQLITE_CORRUPT') {
    return new StorageOpenError('damaged', file, 'The database file is damaged', {}, { cause: error });
  }
  return new StorageOpenError('unreadable', file, 'The database could not be opened', {}, { cause: error });
}

/** Opens the file with one key and proves the key with a read: `PRAGMA key` itself never fails. */
function openWithKey(options: OpenDatabaseOptions, key: DatabaseKey, exists: boolean): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    db = new SqliteDatabaseConstructor(options.file, {
      fileMustExist: exists,
      timeout: options.busyTimeoutMs ?? defaultBusyTimeoutMs,
      ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
    });
  } catch (error) {
    throw new StorageOpenError('unreadable', options.file, 'The database could not be opened', {}, { cause: error });
  }
  try {
    db.pragma(`cipher = 'chacha20'`);
    db.pragma(`key = ${keyPragmaValue(key)}`);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (error) {
    db.close();
    throw classifyProbeFailure(error, options.file, key);
  }
}

export interface OpenedDatabase {
  readonly db: SqliteDatabase;
  readonly key: DatabaseKey;
  /** Which of `keys` opened it. */
  readonly keyIndex: number;
  readonly migration: MigrationResult;
}

/**
 * Opens (or, only when no file exists, creates) the encrypted database: key, probe read,
 * version check, then the pragmas that write. Nothing is written to a file that failed any
 * check, and a file that exists is never recreated.
 */
export function openEncryptedDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const memory = options.file === ':memory:';
  const exists = !memory && existsSync(options.file);
  if (exists) preflight(options.file);
  const trace = exists || memory ? undefined : traceOfDatabase(options.file);
  if (trace !== undefined) {
    // Never a fresh database where one was expected: that would hide the loss and orphan the data.
    throw new StorageOpenError('missing', options.file, `The database is gone but ${trace} shows it existed`);
  }
  if (options.keys.length === 0) throw new Error('openEncryptedDatabase needs at least one key');

  let db: SqliteDatabase | undefined;
  let keyIndex = 0;
  let firstFailure: StorageOpenError | undefined;
  for (const [index, key] of options.keys.entries()) {
    try {
      db = openWithKey(options, key, exists);
      keyIndex = index;
      break;
    } catch (error) {
      // A stale fingerprint (a rekey interrupted before rewriting it) makes the old key look
      // right and the file damaged: still try the next key before believing it.
      const anotherKeyMayOpen =
        error instanceof StorageOpenError && (error.failure === 'wrong-key' || error.failure === 'damaged');
      if (!anotherKeyMayOpen) throw error;
      firstFailure ??= error;
    }
  }
  const key = options.keys[keyIndex];
  if (db === undefined || key === undefined) throw firstFailure ?? new Error('unreachable');
  try {
    // Checked before any pragma that writes, so a newer file stays byte-identical.
    assertKnownVersion(db, options.file, options.migrations);
    // One process owns the file: the audit chain's tail is cached in memory, so a second
    // writer would fork it. EXCLUSIVE also means no -shm file: the WAL index lives in memory.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (!memory && mode !== 'wal') throw new Error(`journal_mode is ${mode}, not wal`);
    // NORMAL in WAL: a commit is safe from a process crash once written; power-loss
    // durability comes from StorageDatabase.sync() (an fdatasync of the WAL off the main thread).
    db.pragma('synchronous = NORMAL');
    // Checkpoints are taken by StorageDatabase on idle, never inside a commit on the hot path.
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${walSizeLimitBytes}`);
    db.pragma('foreign_keys = ON');
    db.pragma('trusted_schema = OFF');
    // Takes the exclusive lock now, so a second process fails at open, not mid-session.
    db.exec('BEGIN IMMEDIATE; COMMIT');
    const migration = migrate(db, options.file, options.migrations);
    // Owner-only, like the key file: encrypted, but nobody else needs to read it. SQLite gives a
    // later -wal the database's mode; the one open now is tightened too.
    if (!memory) for (const suffix of ['', '-wal']) chmodIfPresent(`${options.file}${suffix}`, 0o600);
    // Written when missing, and rewritten when a rekey was interrupted before it could update it.
    if (!memory && !keyCheckHolds(options.file, key)) writeFileAtomically(keyCheckFile(options.file), keyCheck(key));
    return { db, key, keyIndex, migration };
  } catch (error) {
    db.close();
    if (error instanceof StorageOpenError) throw error;
    throw classifyProbeFailure(error, options.file, key);
  }
}

function chmodIfPresent(file: string, mode: number): void {
  try {
    chmodSync(file, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function syncDirectory(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; nothing more can be done there.
  }
}

/**
 * The open database and its durability: writers commit on the calling thread (a WAL append,
 * no fsync), `sync()` makes everything committed so far survive power loss with an
 * fdatasync of the WAL on libuv's thread pool, and checkpoints run when writes go idle.
 */
export class StorageDatabase {
  readonly db: SqliteDatabase;
  readonly file: string;
  readonly migration: MigrationResult;
  /** Which of the offered keys opened the file. */
  readonly keyIndex: number;
  #walHandle: FileHandle | undefined;
  #walHandleOpening: Promise<FileHandle | undefined> | undefined;
  #syncRunning: Promise<void> | undefined;
  #syncQueued: Promise<void> | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #writesSinceCheckpoint = 0;
  #closed = false;
  readonly #logger: Logger | undefined;
  /** Checkpoint durations in ms, most recent last, for the bench and the health report. */
  readonly checkpointDurationsMs: number[] = [];

  constructor(opened: OpenedDatabase, file: string, logger?: Logger) {
    this.db = opened.db;
    this.file = file;
    this.migration = opened.migration;
    this.keyIndex = opened.keyIndex;
    this.#logger = logger;
  }

  static open(options: OpenDatabaseOptions): StorageDatabase {
    return new StorageDatabase(openEncryptedDatabase(options), options.file, options.logger);
  }

  get memory(): boolean {
    return this.file === ':memory:';
  }

  get closed(): boolean {
    return this.#closed;
  }

  get cipher(): string {
    return String(this.db.pragma('cipher', { simple: true }));
  }

  /** Call after each commit: schedules the idle checkpoint, or forces one when writes never pause. */
  noteWrite(): void {
    this.lastWriteAt = Date.now();
    if (this.#closed || this.memory) return;
    this.#writesSinceCheckpoint++;
    if (this.#writesSinceCheckpoint % walSizeCheckEvery === 0 && this.#walBytes() >= forcedCheckpointWalBytes) {
      this.checkpoint('PASSIVE');
      return;
    }
    // Refreshed rather than replaced: this runs on every commit, and a new timer each time is garbage each time.
    if (this.#idleTimer) this.#idleTimer.refresh();
    else {
      this.#idleTimer = setTimeout(() => this.checkpoint('PASSIVE'), idleCheckpointMs);
      this.#idleTimer.unref();
    }
  }

  /** When a commit last went in and when the WAL was last checkpointed (epoch ms), for the health report. */
  lastWriteAt: number | null = null;
  lastCheckpointAt: number | null = null;

  #walBytes(): number {
    try {
      return statSync(`${this.file}-wal`).size;
    } catch {
      return 0;
    }
  }

  /** Waits for fdatasyncs in flight (before a rekey swaps the WAL file underneath them). */
  async settle(): Promise<void> {
    await this.#syncRunning?.catch(() => undefined);
    await this.#syncQueued?.catch(() => undefined);
  }

  /** Copies the WAL into the database file. Runs on idle; its duration is recorded. */
  checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#closed || this.memory) return;
    const started = performance.now();
    try {
      this.db.pragma(`wal_checkpoint(${mode})`);
      this.#writesSinceCheckpoint = 0;
      this.lastCheckpointAt = Date.now();
    } catch (error) {
      this.#logger?.warn({ err: error, file: this.file }, 'checkpoint failed');
    }
    this.checkpointDurationsMs.push(performance.now() - started);
    if (this.checkpointDurationsMs.length > 1_000) this.checkpointDurationsMs.splice(0, 500);
  }

  /**
   * Resolves once every commit made before the call is on stable storage. Concurrent callers
   * share one fdatasync (group commit); it runs on the thread pool, not the main thread.
   */
  sync(): Promise<void> {
    if (this.memory || this.#closed) return Promise.resolve();
    if (this.#syncQueued) return this.#syncQueued;
    if (!this.#syncRunning) {
      this.#syncRunning = this.#datasync().finally(() => (this.#syncRunning = undefined));
      return this.#syncRunning;
    }
    // A sync is already running but may have started before this commit: queue one more.
    this.#syncQueued = this.#syncRunning.then(() => {
      this.#syncQueued = undefined;
      return this.sync();
    });
    return this.#syncQueued;
  }

  async #datasync(): Promise<void> {
    const handle = await this.#wal();
    if (handle) await handle.datasync();
    // Without a handle on the WAL, a checkpoint (which fsyncs the WAL and the database) keeps the promise, on this thread.
    else this.checkpoint('PASSIVE');
  }

  #wal(): Promise<FileHandle | undefined> {
    if (this.#walHandle) return Promise.resolve(this.#walHandle);
    // fsync is per file, not per descriptor: a handle of our own flushes what SQLite wrote.
    this.#walHandleOpening ??= open(`${this.file}-wal`, 'r+').then(
      async (handle) => {
        this.#walHandle = handle;
        // The WAL file is created per session: make its directory entry durable once, too.
        await syncDirectory(path.dirname(this.file));
        return handle;
      },
      (error: unknown) => {
        // Not cached: the next sync tries again rather than silently never syncing.
        this.#walHandleOpening = undefined;
        this.#logger?.warn({ err: error, file: this.file }, 'the WAL could not be opened for fdatasync');
        return undefined;
      },
    );
    return this.#walHandleOpening;
  }

  /**
   * Re-encrypts the database in place under a new key. SQLite3MultipleCiphers refuses to
   * rekey in WAL mode, so the journal mode is switched around it.
   */
  rekey(newKey: DatabaseKey): void {
    if (this.memory) return;
    this.checkpoint('TRUNCATE');
    this.db.pragma('journal_mode = DELETE');
    try {
      this.db.pragma(`rekey = ${keyPragmaValue(newKey)}`);
    } finally {
      this.db.pragma('journal_mode = WAL');
    }
    writeFileAtomically(keyCheckFile(this.file), keyCheck(newKey));
    // The WAL file was deleted and recreated by the journal switch: reopen the handle on next sync.
    const handle = this.#walHandle;
    this.#walHandle = undefined;
    this.#walHandleOpening = undefined;
    void handle?.close().catch(() => undefined);
  }

  /** Final checkpoint, then close. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#idleTimer);
    await this.settle();
    this.checkpoint('TRUNCATE');
    this.#closed = true;
    this.db.close();
    const handle = this.#walHandle ?? (await this.#walHandleOpening);
    this.#walHandle = undefined;
    await handle?.close().catch(() => undefined);
  }
}
