import { closeSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDatabaseKey, type DatabaseKey } from '../../../main/services/keys/database-key';
import { StorageDatabase } from '../../../main/services/storage/database';
import { latestVersion, type Migration } from '../../../main/services/storage/migrate';
import { migrations } from '../../../main/services/storage/migrations';
import { StorageOpenError, type OpenFailure } from '../../../main/services/storage/open-errors';
import { SqliteDatabaseConstructor } from '../../../main/services/storage/sqlite';
import { tempDir } from '../../support/temp';
import { snapshotDir } from './helpers';

/** The schema this build writes, and the one a newer build would. */
const current = latestVersion(migrations);
const after = current + 1;

let dir: { path: string; remove: () => Promise<void> };
let file: string;

beforeEach(async () => {
  dir = await tempDir();
  file = path.join(dir.path, 'localbrain.db');
});
afterEach(() => dir.remove());

async function create(key: DatabaseKey, list: readonly Migration[] = migrations): Promise<void> {
  const database = StorageDatabase.open({ file, keys: [key], migrations: list });
  database.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('appearance.theme', '"dark"', 1)`).run();
  await database.close();
}

function expectOpenFailure(run: () => unknown, failure: OpenFailure): StorageOpenError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StorageOpenError);
  const error = caught as StorageOpenError;
  expect(error.failure).toBe(failure);
  expect(error.code).toBe('Database');
  expect(error.message).toContain(file);
  return error;
}

describe('StorageDatabase.open', () => {
  it('creates an encrypted WAL database whose header is not SQLite format 3', async () => {
    const key = generateDatabaseKey();
    const database = StorageDatabase.open({ file, keys: [key], migrations });
    expect(database.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.cipher).toBe('chacha20');
    await database.close();
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
  });

  it('keeps the database and its WAL readable by the owner only', async () => {
    const database = StorageDatabase.open({ file, keys: [generateDatabaseKey()], migrations });
    database.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('appearance.theme', '"dark"', 1)`).run();
    const modes = ['', '-wal'].map((suffix) => (statSync(`${file}${suffix}`).mode & 0o777).toString(8));
    await database.close();
    expect(modes).toEqual(['600', '600']);
  });

  it('reopens with the same key and keeps what was written', async () => {
    const key = generateDatabaseKey();
    await create(key);
    const database = StorageDatabase.open({ file, keys: [key], migrations });
    expect(database.db.prepare('SELECT value FROM settings').pluck().get()).toBe('"dark"');
    expect(database.migration).toEqual({ from: current, to: current });
    await database.close();
  });

  it('reports a wrong key and leaves every file byte-identical', async () => {
    await create(generateDatabaseKey());
    const before = snapshotDir(dir.path);
    const error = expectOpenFailure(() => StorageDatabase.open({ file, keys: [generateDatabaseKey()], migrations }), 'wrong-key');
    expect(error.message).toMatch(/key does not open/);
    expect(snapshotDir(dir.path)).toEqual(before);
  });

  it('tries a second key (an interrupted rekey) when the first is wrong', async () => {
    const key = generateDatabaseKey();
    await create(key);
    const database = StorageDatabase.open({ file, keys: [generateDatabaseKey(), key], migrations });
    expect(database.keyIndex).toBe(1);
    await database.close();
  });

  it('reports a truncated file as damaged, byte-identical afterwards', async () => {
    const key = generateDatabaseKey();
    await create(key);
    truncateSync(file, 1000);
    const before = snapshotDir(dir.path);
    expectOpenFailure(() => StorageDatabase.open({ file, keys: [key], migrations }), 'damaged');
    expect(snapshotDir(dir.path)).toEqual(before);
  });

  it('reports an empty file as damaged instead of treating it as new', () => {
    writeFileSync(file, '');
    expectOpenFailure(() => StorageDatabase.open({ file, keys: [generateDatabaseKey()], migrations }), 'damaged');
    expect(readFileSync(file).length).toBe(0);
  });

  it('tells a corrupted page from a wrong key when the key is right, byte-identical afterwards', async () => {
    const key = generateDatabaseKey();
    await create(key);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, 200);
    closeSync(fd);
    const before = snapshotDir(dir.path);
    const error = expectOpenFailure(() => StorageDatabase.open({ file, keys: [key], migrations }), 'damaged');
    expect(error.message).toMatch(/key is right/);
    expect(snapshotDir(dir.path)).toEqual(before);
  });

  it('refuses a database from a newer schema, byte-identical afterwards', async () => {
    const key = generateDatabaseKey();
    const newer: Migration = { version: after, name: 'future', up: (db) => db.exec('CREATE TABLE future (x)') };
    await create(key, [...migrations, newer]);
    const before = snapshotDir(dir.path);
    const error = expectOpenFailure(() => StorageDatabase.open({ file, keys: [key], migrations }), 'newer-schema');
    expect(error.failureDetails).toMatchObject({ schemaVersion: after, knownVersion: current });
    expect(snapshotDir(dir.path)).toEqual(before);
  });

  it('refuses a file another connection holds', async () => {
    const key = generateDatabaseKey();
    const first = StorageDatabase.open({ file, keys: [key], migrations });
    try {
      expectOpenFailure(() => StorageDatabase.open({ file, keys: [key], migrations, busyTimeoutMs: 50 }), 'locked');
    } finally {
      await first.close();
    }
  });

  it('refuses an unencrypted SQLite file and does not touch it', () => {
    const plain = new SqliteDatabaseConstructor(file);
    plain.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    plain.close();
    const before = snapshotDir(dir.path);
    expectOpenFailure(() => StorageDatabase.open({ file, keys: [generateDatabaseKey()], migrations }), 'unencrypted');
    expect(snapshotDir(dir.path)).toEqual(before);
  });

  it('rekeys in place: the new key opens it, the old one no longer does', async () => {
    const oldKey = generateDatabaseKey();
    await create(oldKey);
    const database = StorageDatabase.open({ file, keys: [oldKey], migrations });
    const newKey = generateDatabaseKey();
    database.rekey(newKey);
    expect(database.db.pragma('journal_mode', { simple: true })).toBe('wal');
    database.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('files.showHidden', 'true', 2)`).run();
    await database.close();
    expectOpenFailure(() => StorageDatabase.open({ file, keys: [oldKey], migrations }), 'wrong-key');
    const reopened = StorageDatabase.open({ file, keys: [newKey], migrations });
    expect(reopened.db.prepare('SELECT count(*) FROM settings').pluck().get()).toBe(2);
    await reopened.close();
  });

  it('checkpoints on its own once the WAL grows large, even when writes never pause', async () => {
    const database = StorageDatabase.open({ file, keys: [generateDatabaseKey()], migrations });
    const insert = database.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (let n = 0; n < 64; n++) {
      insert.run(`blob-${n}`, Buffer.alloc(512 * 1024, n));
      database.noteWrite();
    }
    expect(database.checkpointDurationsMs.length).toBeGreaterThan(0);
    await database.close();
  });

  it('checkpoints when writes go idle', async () => {
    const database = StorageDatabase.open({ file, keys: [generateDatabaseKey()], migrations });
    database.db.prepare(`INSERT INTO meta (key, value) VALUES ('k', x'00')`).run();
    database.noteWrite();
    expect(database.checkpointDurationsMs).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(database.checkpointDurationsMs).toHaveLength(1);
    await database.close();
  });

  it('backs an existing database up, encrypted, before a schema upgrade', async () => {
    const key = generateDatabaseKey();
    await create(key);
    const next: Migration = { version: after, name: 'next', up: (db) => db.exec('CREATE TABLE added (x)') };
    const database = StorageDatabase.open({ file, keys: [key], migrations: [...migrations, next] });
    const backup = database.migration.backupFile;
    await database.close();
    expect(database.migration).toMatchObject({ from: current, to: after });
    expect(backup).toBeDefined();
    const bytes = readFileSync(backup ?? '');
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    const copy = new SqliteDatabaseConstructor(backup ?? '');
    copy.pragma(`key = "x'${key.toString('hex')}'"`);
    expect(copy.pragma('user_version', { simple: true })).toBe(current);
    expect(copy.prepare('SELECT value FROM settings').pluck().get()).toBe('"dark"');
    copy.close();
  });

  it('rolls a failing migration back and leaves the version where it was', async () => {
    const key = generateDatabaseKey();
    await create(key);
    const broken: Migration = {
      version: after,
      name: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half (x)');
        throw new Error('migration failed halfway');
      },
    };
    expect(() => StorageDatabase.open({ file, keys: [key], migrations: [...migrations, broken] })).toThrow(
      new RegExp(`schema ${after} \\(broken\\) failed`),
    );
    const database = StorageDatabase.open({ file, keys: [key], migrations });
    expect(database.db.pragma('user_version', { simple: true })).toBe(current);
    expect(database.db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).pluck().get()).toBe(0);
    await database.close();
  });
});
