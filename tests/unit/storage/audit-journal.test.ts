import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../main/ports/audit';
import { AuditLog } from '../../../main/services/audit/audit-log';
import { auditJournalKey, readAuditJournal } from '../../../main/services/audit/journal';
import { generateDatabaseKey, type DatabaseKey } from '../../../main/services/keys/database-key';
import { StorageDatabase } from '../../../main/services/storage/database';
import { migrations } from '../../../main/services/storage/migrations';
import { Storage } from '../../../main/services/storage/storage';
import { fixedKeyStore } from '../../../main/services/keys/key-store';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';

let dir: { path: string; remove: () => Promise<void> };
let key: DatabaseKey;
let database: StorageDatabase | undefined;
let audit: AuditLog | undefined;

const databaseFile = () => path.join(dir.path, 'localbrain.db');
const journalFile = () => path.join(dir.path, 'localbrain.db-audit-journal');
const count = (db: StorageDatabase) => db.db.prepare('SELECT count(*) FROM audit_log').pluck().get();

function open(journal = journalFile()): { database: StorageDatabase; audit: AuditLog; lines: () => string[] } {
  const { logger, lines } = capturingLogger();
  database = StorageDatabase.open({ file: databaseFile(), keys: [key], migrations });
  audit = new AuditLog({ storage: database, logger, databaseKeys: { current: key }, journalFile: journal });
  return { database, audit, lines: () => lines().map((line) => JSON.stringify(line)) };
}

async function close(): Promise<void> {
  await audit?.dispose();
  await database?.close();
  audit = undefined;
  database = undefined;
}

function record(n: number): AuditRecord {
  return { time: 1_700_000_000_000 + n, actor: 'test:1', type: 'WorkspaceList', summary: { n }, outcome: 'ok', durationMs: 0.01 };
}

/** A real crash: a child appends `entries` in one turn, prints each acknowledgement, and SIGKILLs itself in that turn. */
async function crashAfterAppends(entries: number): Promise<{ acknowledged: number; inDatabaseAtKill: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, '../../support/audit-journal-crash-child.ts'),
      databaseFile(),
      journalFile(),
      key.toString('hex'),
      String(entries),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
  expect(signal).toBe('SIGKILL');
  return {
    acknowledged: out.split('\n').filter((line) => line.startsWith('ack ')).length,
    inDatabaseAtKill: Number(/in the database at the kill: (\d+)/.exec(out)?.[1]),
  };
}

beforeEach(async () => {
  dir = await tempDir();
  key = generateDatabaseKey();
});
afterEach(async () => {
  await close();
  await dir.remove();
});

describe('the audit journal', () => {
  it('acknowledges an ordinary entry once it is in the journal, before its turn is committed to the database', async () => {
    const { database, audit } = open();
    const seenAtResolve: unknown[] = [];
    await Promise.all(
      [1, 2, 3].map((n) => audit.append(record(n), { privileged: false }).then(() => seenAtResolve.push(count(database)))),
    );
    expect(seenAtResolve).toEqual([0, 0, 0]);
    expect(readAuditJournal(journalFile(), [auditJournalKey(key)]).map((row) => row.seq)).toEqual([1, 2, 3]);
    // A privileged entry still waits for the commit (and the fdatasync after it).
    await audit.append(record(4), { privileged: true });
    expect(count(database)).toBe(4);
  });

  it('keeps every acknowledged entry when the process is killed before the commit, and the chain verifies', async () => {
    open();
    await audit?.append(record(0), { privileged: true });
    await close();
    const crash = await crashAfterAppends(25);
    expect(crash).toEqual({ acknowledged: 25, inDatabaseAtKill: 1 });
    const reopened = open();
    expect(count(reopened.database)).toBe(26);
    expect(reopened.audit.query({ limit: 30 }).entries.map((entry) => entry.summary.n)).toEqual([
      ...Array.from({ length: 25 }, (_, n) => 24 - n),
      0,
    ]);
    expect(await reopened.audit.verify()).toMatchObject({ ok: true, checked: 26 });
    expect(reopened.lines().some((line) => line.includes('recovered from the journal') && line.includes('"recovered":25'))).toBe(
      true,
    );
    // Nothing is replayed twice.
    await close();
    expect(count(open().database)).toBe(26);
  });

  it('replays nothing it cannot vouch for: a record changed on disk ends the replay there, and the chain still verifies', async () => {
    const crash = await crashAfterAppends(4);
    expect(crash.acknowledged).toBe(4);
    const bytes = readFileSync(journalFile());
    const first = bytes.readUInt32LE(0) + 4;
    const second = first + bytes.readUInt32LE(first) + 4;
    // Flip one byte inside the third record's ciphertext.
    bytes[second + 4 + 20] = (bytes[second + 4 + 20] ?? 0) ^ 0xff;
    writeFileSync(journalFile(), bytes);
    const reopened = open();
    expect(count(reopened.database)).toBe(2);
    expect(await reopened.audit.verify()).toMatchObject({ ok: true, checked: 2 });
  });

  it('replays up to the last whole record when bytes follow it (a torn write, the middle of an older lap)', async () => {
    await crashAfterAppends(3);
    writeFileSync(journalFile(), Buffer.concat([readFileSync(journalFile()), Buffer.from([0x40, 0, 0, 0]), Buffer.alloc(40, 7)]));
    const reopened = open();
    expect(count(reopened.database)).toBe(3);
    expect(await reopened.audit.verify()).toMatchObject({ ok: true, checked: 3 });
  });

  it('stops at a record claiming more than a record can hold, without reading it', async () => {
    await crashAfterAppends(2);
    const oversized = Buffer.alloc(4);
    oversized.writeUInt32LE(2 * 1024 * 1024);
    writeFileSync(journalFile(), Buffer.concat([readFileSync(journalFile()), oversized, Buffer.alloc(2 * 1024 * 1024, 1)]));
    const reopened = open();
    expect(count(reopened.database)).toBe(2);
    expect(await reopened.audit.verify()).toMatchObject({ ok: true, checked: 2 });
  });

  it('replays nothing from a journal sealed under another database key', async () => {
    await crashAfterAppends(3);
    const journal = readFileSync(journalFile());
    await dir.remove();
    dir = await tempDir();
    key = generateDatabaseKey();
    open();
    await close();
    writeFileSync(journalFile(), journal);
    const reopened = open();
    expect(count(reopened.database)).toBe(0);
    expect(await reopened.audit.verify()).toMatchObject({ ok: true, checked: 0 });
  });

  it('starts over from its beginning once everything in it is in the database, and is emptied on close', async () => {
    const { audit } = open();
    for (let turn = 0; turn < 60; turn++) {
      await Promise.all(Array.from({ length: 100 }, (_, n) => audit.append(record(turn * 100 + n), { privileged: false })));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // 6,000 records of ~300 bytes each would be ~1.8 MB end to end; the journal restarts past 1 MiB.
    expect(statSync(journalFile()).size).toBeLessThan(1.2 * 1024 * 1024);
    const rows = readAuditJournal(journalFile(), [auditJournalKey(key)]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.at(-1)?.seq).toBe(6_000);
    await close();
    expect(statSync(journalFile()).size).toBe(0);
  });

  it('acknowledges journaled entries while the database refuses writes, refuses new ones past 10,000 waiting, and drops none', async () => {
    const { database, audit } = open();
    database.db.exec(`CREATE TEMP TRIGGER refuse_inserts BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    await audit.append(record(0), { privileged: false });
    // The turn's commit fails: the entry is acknowledged and waits in the journal and in memory.
    await new Promise((resolve) => setImmediate(resolve));
    expect(count(database)).toBe(0);
    let accepted = 1;
    let refused: unknown;
    try {
      for (; accepted < 20_000; accepted++) void audit.append(record(accepted), { privileged: false });
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: 'Database' });
    expect(accepted).toBe(10_000);
    database.db.exec('DROP TRIGGER temp.refuse_inserts');
    audit.flush();
    expect(count(database)).toBe(10_000);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 10_000 });
  });

  it('counts as a trace of the database: with the database and its fingerprint gone, no fresh one is made', async () => {
    const { logger } = capturingLogger();
    const storage = await Storage.open({ dataDir: dir.path, keyStore: fixedKeyStore(key, 'env'), logger });
    await storage.dispose();
    expect(existsSync(journalFile())).toBe(true);
    for (const gone of [databaseFile(), `${databaseFile()}.keycheck`]) rmSync(gone, { force: true });
    await expect(Storage.open({ dataDir: dir.path, keyStore: fixedKeyStore(key, 'env'), logger })).rejects.toThrow(
      /localbrain\.db-audit-journal shows it existed/,
    );
    expect(existsSync(databaseFile())).toBe(false);
  });

  it('without a journal it can open, replies wait for the database commit, as before', async () => {
    open();
    await close();
    rmSync(journalFile());
    mkdirSync(journalFile());
    const { database, audit, lines } = open();
    const seenAtResolve: unknown[] = [];
    await Promise.all(
      [1, 2].map((n) => audit.append(record(n), { privileged: false }).then(() => seenAtResolve.push(count(database)))),
    );
    expect(seenAtResolve).toEqual([2, 2]);
    expect(lines().some((line) => line.includes('the audit journal could not be opened'))).toBe(true);
  });
});
