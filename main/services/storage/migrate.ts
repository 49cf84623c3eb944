import { existsSync } from 'node:fs';
import type { SqliteDatabase } from './sqlite';
import { StorageOpenError } from './open-errors';

/** One schema step. Each lives in its own numbered file under migrations/ and has its own test. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: SqliteDatabase): void;
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
  /** The encrypted copy taken before an upgrade of an existing database. */
  readonly backupFile?: string;
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Refuses a database written by a newer build before anything is written to it. */
export function assertKnownVersion(db: SqliteDatabase, file: string, migrations: readonly Migration[]): number {
  const current = schemaVersion(db);
  const known = latestVersion(migrations);
  if (current > known) {
    throw new StorageOpenError(
      'newer-schema',
      file,
      `The database was created by a newer LocalBrain (schema ${current}; this one knows up to ${known})`,
      {
        schemaVersion: current,
        knownVersion: known,
      },
    );
  }
  return current;
}

function backupPath(file: string, from: number): string {
  const stamp = new Date().toISOString().replaceAll(':', '-');
  let candidate = `${file}.v${from}.${stamp}.bak`;
  for (let n = 1; existsSync(candidate); n++) candidate = `${file}.v${from}.${stamp}-${n}.bak`;
  return candidate;
}

/**
 * Brings the schema up to date, one migration per transaction. An existing database is
 * copied first. `db.backup()` refuses here (SQLite3MultipleCiphers will not back an encrypted
 * database up into an unkeyed file), so the copy is made with `VACUUM INTO`, which writes it
 * encrypted with the same cipher and key: no plaintext copy ever lands on disk.
 */
export function migrate(db: SqliteDatabase, file: string, migrations: readonly Migration[]): MigrationResult {
  const from = assertKnownVersion(db, file, migrations);
  const to = latestVersion(migrations);
  if (from === to) return { from, to };
  let backupFile: string | undefined;
  if (from > 0 && file !== ':memory:') {
    backupFile = backupPath(file, from);
    db.prepare('VACUUM INTO ?').run(backupFile);
  }
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    try {
      db.transaction(() => {
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
      }).immediate();
    } catch (error) {
      throw new StorageOpenError(
        'upgrade-failed',
        file,
        `Upgrading the database to schema ${migration.version} (${migration.name}) failed`,
        { schemaVersion: schemaVersion(db), knownVersion: to },
        { cause: error },
      );
    }
  }
  return backupFile === undefined ? { from, to } : { from, to, backupFile };
}
