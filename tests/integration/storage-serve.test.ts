import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveUrlPrefix } from '../../shared/wire';
import { readEncryptedLog, logFiles } from '../../main/services/storage/encrypted-log';
import { runServeToExit, startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';
import { filesUnder, snapshotDir } from '../unit/storage/helpers';
import { generateDatabaseKey, parseHexKey } from '../../main/services/keys/database-key';
import { SqliteDatabaseConstructor } from '../../main/services/storage/sqlite';
import { fixedKeyStore } from '../../main/services/keys/key-store';
import { Storage } from '../../main/services/storage/storage';
import { capturingLogger } from '../support/logger';
import { latestVersion } from '../../main/services/storage/migrate';
import { migrations } from '../../main/services/storage/migrations';

let workspace: Awaited<ReturnType<typeof tempDir>>;
let dataDir: Awaited<ReturnType<typeof tempDir>>;

beforeEach(async () => {
  workspace = await tempDir();
  dataDir = await tempDir();
  await writeFile(path.join(workspace.path, 'notes.txt'), 'workspace file\n');
});
afterEach(async () => {
  await workspace.remove();
  await dataDir.remove();
});

const dbFile = () => path.join(dataDir.path, 'localbrain.db');
const keyFile = () => path.join(dataDir.path, 'db.key');

/**
 * Runs `body` against a serve process on the test's folders with one connected client. The
 * server is stopped in `finally`, so a failing assertion never leaves it running; after a
 * body that passed, the server must also have exited cleanly.
 */
async function withServe<T>(body: (client: WsClient, serve: ServeProcess) => Promise<T>, env?: NodeJS.ProcessEnv): Promise<T> {
  const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path], ...(env === undefined ? {} : { env }) });
  let client: WsClient | undefined;
  let result: T;
  let exit: Awaited<ReturnType<ServeProcess['stop']>>;
  try {
    client = await WsClient.connect(serve.wsUrl);
    result = await body(client, serve);
  } finally {
    await client?.close();
    exit = await serve.stop();
  }
  expect(exit.code).toBe(0);
  return result;
}

/** Runs serve once so the data dir holds a database, a key file and some settings. */
async function seed(): Promise<void> {
  await withServe(async (client) => {
    const reply = await client.request({ type: 'SettingsSet', data: { values: { 'terminal.fontSize': 17 } } });
    expect(reply.ok).toBe(true);
  });
}

function hits(files: readonly string[], canaries: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const canary of canaries) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        if (bytes.includes(Buffer.from(canary, encoding))) found.push(`${path.basename(file)}: ${canary} (${encoding})`);
      }
    }
  }
  return found;
}

describe('storage through the real serve process', () => {
  it('writes no plaintext to the data dir: database, WAL and logs hold none of the canaries', async () => {
    const canaries = Array.from({ length: 3 }, (_, index) => `CANARY${index}${randomBytes(6).toString('hex')}`);
    const [shellCanary, pathCanary, typeCanary] = canaries as [string, string, string];
    await withServe(
      async (client) => {
        // Refused (no such login shell), but audited with the value it asked for.
        const set = await client.request({
          type: 'SettingsSet',
          data: { values: { 'terminal.defaultShell': `/bin/${shellCanary}` } },
        });
        expect(set).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
        await client.request({
          type: 'FileOperation',
          data: { op: { kind: 'stat' }, path: path.join(workspace.path, pathCanary) },
        });
        await client.request({ type: typeCanary, data: {} });
        // The canaries did reach the database, so finding none on disk means they are encrypted there.
        const audited = await client.request({ type: 'AuditQuery', data: { limit: 50 } });
        expect(JSON.stringify(audited)).toContain(pathCanary);
        expect(JSON.stringify(audited)).toContain(typeCanary);
        expect(JSON.stringify(audited)).toContain(shellCanary);

        // While running: the WAL holds the recent writes.
        const running = filesUnder(dataDir.path);
        expect(running.some((file) => file.endsWith('-wal'))).toBe(true);
        expect(running.some((file) => file.includes(`${path.sep}logs${path.sep}`))).toBe(true);
        expect(hits(running, canaries)).toEqual([]);
      },
      { LOCALBRAIN_LOG_LEVEL: 'debug' },
    );
    const stopped = filesUnder(dataDir.path);
    expect(hits(stopped, canaries)).toEqual([]);
    // The scan itself can find a canary: a file holding one in the clear is reported.
    const control = path.join(workspace.path, 'control.txt');
    await writeFile(control, `plain ${pathCanary} text`);
    expect(hits([control], canaries)).toEqual([`control.txt: ${pathCanary} (utf8)`]);
    expect(readFileSync(dbFile()).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');

    // The log is real and readable with its key, which lives only inside the encrypted database.
    const key = Buffer.from(readFileSync(keyFile(), 'utf8').trim(), 'hex');
    const { logger } = capturingLogger();
    const storage = await Storage.open({ dataDir: dataDir.path, keyStore: fixedKeyStore(key as never, 'env'), logger });
    let logKey: Buffer;
    try {
      logKey = storage.logKey();
    } finally {
      await storage.dispose();
    }
    const [logFile] = logFiles(path.join(dataDir.path, 'logs'));
    const lines = readEncryptedLog(logFile ?? '', logKey);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('"msg"'))).toBe(true);
  });

  it('exits non-zero before printing the URL when the key does not open the database, changing nothing', async () => {
    await seed();
    const before = snapshotDir(dataDir.path);
    const run = await runServeToExit({
      dataDir: dataDir.path,
      workspaces: [workspace.path],
      env: { LOCALBRAIN_DB_KEY: randomBytes(32).toString('hex') },
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain(serveUrlPrefix);
    expect(run.stderr).toContain(dbFile());
    expect(run.stderr).toMatch(/key does not open/);
    expect(snapshotDir(dataDir.path)).toEqual(before);
  });

  it('exits non-zero naming the file when the database is damaged, changing nothing', async () => {
    await seed();
    const fd = openSync(dbFile(), 'r+');
    writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 300);
    closeSync(fd);
    const before = snapshotDir(dataDir.path);
    const run = await runServeToExit({ dataDir: dataDir.path, workspaces: [workspace.path] });
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain(serveUrlPrefix);
    expect(run.stderr).toContain(dbFile());
    expect(run.stderr).toMatch(/damaged/);
    expect(snapshotDir(dataDir.path)).toEqual(before);
  });

  it('refuses to start when the key file of an existing database is missing, and creates no new key', async () => {
    await seed();
    const { rmSync } = await import('node:fs');
    rmSync(keyFile());
    const before = snapshotDir(dataDir.path);
    const run = await runServeToExit({ dataDir: dataDir.path, workspaces: [workspace.path] });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('db.key');
    expect(existsSync(keyFile())).toBe(false);
    expect(snapshotDir(dataDir.path)).toEqual(before);
  });

  it('refuses to open a database another LocalBrain has open, before printing the URL', async () => {
    const first = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    try {
      const second = await runServeToExit({ dataDir: dataDir.path, workspaces: [workspace.path] });
      expect(second.code).not.toBe(0);
      expect(second.stdout).not.toContain(serveUrlPrefix);
      expect(second.stderr).toContain(dbFile());
      expect(second.stderr).toMatch(/locked/);
      // The first one is unharmed.
      const client = await WsClient.connect(first.wsUrl);
      expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
      await client.close();
    } finally {
      await first.stop();
    }
  });

  it('refuses a database from a newer LocalBrain, changing nothing', async () => {
    await seed();
    const key = parseHexKey(readFileSync(keyFile(), 'utf8'), 'db.key');
    const raw = new SqliteDatabaseConstructor(dbFile());
    raw.pragma(`key = "x'${key.toString('hex')}'"`);
    raw.pragma('user_version = 99');
    raw.close();
    const before = snapshotDir(dataDir.path);
    const run = await runServeToExit({ dataDir: dataDir.path, workspaces: [workspace.path] });
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain(serveUrlPrefix);
    expect(run.stderr).toMatch(new RegExp(`newer LocalBrain \\(schema 99; this one knows up to ${latestVersion(migrations)}\\)`));
    expect(snapshotDir(dataDir.path)).toEqual(before);
  });

  it('caps terminals at the saved terminal.maxSessions', async () => {
    await withServe(async (client) => {
      expect(await client.request({ type: 'SettingsSet', data: { values: { 'terminal.maxSessions': 1 } } })).toMatchObject({
        ok: true,
      });
      const first = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24 } });
      expect(first).toMatchObject({ ok: true });
      const second = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24 } });
      expect(second).toMatchObject({ ok: false, error: { code: 'Conflict', details: { maxSessions: 1 } } });
    });
  });

  it('reports an audit entry edited on disk between runs, and the triggers refuse a stray edit', async () => {
    await seed();
    const key = parseHexKey(readFileSync(keyFile(), 'utf8'), 'db.key');
    const raw = new SqliteDatabaseConstructor(dbFile());
    raw.pragma(`key = "x'${key.toString('hex')}'"`);
    expect(() => raw.prepare(`UPDATE audit_log SET actor = 'someone else' WHERE seq = 1`).run()).toThrow(/append-only/);
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.prepare(`UPDATE audit_log SET actor = 'someone else' WHERE seq = 1`).run();
    raw.close();
    await withServe(async (client) => {
      expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({
        ok: true,
        value: { ok: false, brokenAt: 1, checked: 0 },
      });
    });
    // The app put the triggers back when it opened the database.
    const after = new SqliteDatabaseConstructor(dbFile());
    after.pragma(`key = "x'${key.toString('hex')}'"`);
    expect(() => after.prepare(`UPDATE audit_log SET actor = 'again' WHERE seq = 2`).run()).toThrow(/append-only/);
    after.close();
  });

  it('refuses a malformed LOCALBRAIN_DB_KEY', async () => {
    const run = await runServeToExit({
      dataDir: dataDir.path,
      workspaces: [workspace.path],
      env: { LOCALBRAIN_DB_KEY: 'not-hex' },
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('LOCALBRAIN_DB_KEY');
    expect(run.stdout).not.toContain(serveUrlPrefix);
  });

  it('keeps settings across restarts with the key from LOCALBRAIN_DB_KEY, which /proc/<pid>/environ no longer shows', async () => {
    const key = generateDatabaseKey().toString('hex');
    const env = { LOCALBRAIN_DB_KEY: key };
    await withServe(async (client, serve) => {
      // Any program of the same user can read this file, a shell in one of LocalBrain's own terminals included.
      const environ = readFileSync(`/proc/${serve.child.pid}/environ`);
      expect(environ.includes(Buffer.from(key))).toBe(false);
      expect(environ.toString('latin1').toLowerCase()).not.toContain(key.slice(0, 16).toLowerCase());
      // …and the variable was really there to begin with: the block keeps its (now empty) name.
      expect(environ.toString('latin1')).toContain('LOCALBRAIN_DB_KEY=');
      expect(await client.request({ type: 'SettingsSet', data: { values: { 'appearance.theme': 'light' } } })).toMatchObject({
        ok: true,
      });
      const invalid = await client.request({ type: 'SettingsSet', data: { values: { 'terminal.fontSize': 500 } } });
      expect(invalid).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
      const unknown = await client.request({ type: 'SettingsSet', data: { values: { 'no.such.key': 1 } } });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
      const rekey = await client.request({ type: 'StorageRekey', data: {} });
      expect(rekey).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
    }, env);
    expect(existsSync(keyFile())).toBe(false);
    await withServe(async (client) => {
      const got = await client.request({ type: 'SettingsGet', data: {} });
      expect(got).toMatchObject({ ok: true, value: { values: { 'appearance.theme': 'light', 'terminal.maxSessions': 32 } } });
      const verify = await client.request({ type: 'AuditVerify', data: {} });
      expect(verify).toMatchObject({ ok: true, value: { ok: true } });
    }, env);
  });

  it('probes each key at open: a wrong current key is refused by the probe and the staged key of an interrupted rekey opens it', async () => {
    await seed();
    const oldKey = parseHexKey(readFileSync(keyFile(), 'utf8'), 'db.key');
    const newKey = generateDatabaseKey();
    // An interrupted rekey: the database is under the new key, db.key still holds the old one,
    // the staged key is beside it, and the fingerprint is the old key's.
    const raw = new SqliteDatabaseConstructor(dbFile());
    try {
      raw.pragma(`key = "x'${oldKey.toString('hex')}'"`);
      raw.pragma('journal_mode = DELETE');
      raw.pragma(`rekey = "x'${newKey.toString('hex')}'"`);
      raw.pragma('journal_mode = WAL');
    } finally {
      raw.close();
    }
    writeFileSync(`${keyFile()}.next`, `${newKey.toString('hex')}\n`, { mode: 0o600 });
    await withServe(async (client) => {
      expect(await client.request({ type: 'SettingsGet', data: {} })).toMatchObject({
        ok: true,
        value: { values: { 'terminal.fontSize': 17 } },
      });
      expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
    });
    expect(parseHexKey(readFileSync(keyFile(), 'utf8'), 'db.key').equals(newKey)).toBe(true);
    expect(existsSync(`${keyFile()}.next`)).toBe(false);
    // The old key alone is refused at open, naming the file, and nothing changes.
    const before = snapshotDir(dataDir.path);
    const withOld = await runServeToExit({
      dataDir: dataDir.path,
      workspaces: [workspace.path],
      env: { LOCALBRAIN_DB_KEY: oldKey.toString('hex') },
    });
    expect(withOld.code).not.toBe(0);
    expect(withOld.stdout).not.toContain(serveUrlPrefix);
    expect(withOld.stderr).toMatch(/key does not open the database/);
    expect(snapshotDir(dataDir.path)).toEqual(before);
  });

  it('rekeys from settings: the new key file opens the database and the old key no longer does', async () => {
    await seed();
    const oldKey = readFileSync(keyFile(), 'utf8').trim();
    await withServe(async (client) => {
      expect(await client.request({ type: 'StorageStatus', data: {} })).toMatchObject({
        ok: true,
        value: { keySource: 'file', canRekey: true, cipher: 'chacha20', schemaVersion: latestVersion(migrations) },
      });
      expect(await client.request({ type: 'StorageRekey', data: {} })).toMatchObject({ ok: true });
    });
    const newKey = readFileSync(keyFile(), 'utf8').trim();
    expect(newKey).not.toBe(oldKey);

    const withOld = await runServeToExit({
      dataDir: dataDir.path,
      workspaces: [workspace.path],
      env: { LOCALBRAIN_DB_KEY: oldKey },
    });
    expect(withOld.code).not.toBe(0);
    expect(withOld.stderr).toMatch(/key does not open/);

    await withServe(async (client) => {
      expect(await client.request({ type: 'SettingsGet', data: {} })).toMatchObject({
        ok: true,
        value: { values: { 'terminal.fontSize': 17 } },
      });
      expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
    });
  });
});
