import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../main/ports/audit';
import { AuditLog } from '../../../main/services/audit/audit-log';
import { genesisHash } from '../../../main/services/audit/chain';
import { generateDatabaseKey, type DatabaseKey } from '../../../main/services/keys/database-key';
import { StorageDatabase } from '../../../main/services/storage/database';
import { migrations } from '../../../main/services/storage/migrations';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';

let dir: { path: string; remove: () => Promise<void> };
let key: DatabaseKey;
let database: StorageDatabase;
let audit: AuditLog;
const { logger } = capturingLogger();

function open(): void {
  database = StorageDatabase.open({ file: path.join(dir.path, 'localbrain.db'), keys: [key], migrations });
  audit = new AuditLog({ storage: database, logger, databaseKeys: { current: key }, anchorFile: anchorFile() });
}

function anchorFile(): string {
  return path.join(dir.path, 'audit-head.json');
}

async function reopen(): Promise<void> {
  await audit.dispose();
  await database.close();
  open();
}

function record(n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: 1_700_000_000_000 + n,
    actor: 'test:1',
    type: 'FileOperation',
    summary: { path: `/w/${n}`, op: 'stat' },
    outcome: 'ok',
    durationMs: 0.1234567,
    ...overrides,
  };
}

beforeEach(async () => {
  dir = await tempDir();
  key = generateDatabaseKey();
  open();
});
afterEach(async () => {
  await audit.dispose();
  await database.close();
  await dir.remove();
});

describe('AuditLog', () => {
  it('batches ordinary entries and writes them on flush', () => {
    for (let n = 1; n <= 3; n++) void audit.append(record(n), { privileged: false });
    expect(audit.pendingCount).toBe(3);
    expect(database.db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(0);
    audit.flush();
    expect(database.db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(3);
  });

  it('commits every entry of one event-loop turn in one transaction, before any of their appends resolves', async () => {
    const count = () => database.db.prepare('SELECT count(*) FROM audit_log').pluck().get();
    const seenAtResolve: unknown[] = [];
    const appends = [1, 2, 3, 4].map((n) =>
      audit.append(record(n), { privileged: false }).then(() => seenAtResolve.push(count())),
    );
    // Still the same turn: nothing written, nothing resolved.
    await Promise.resolve();
    expect(count()).toBe(0);
    expect(seenAtResolve).toEqual([]);
    await Promise.all(appends);
    expect(seenAtResolve).toEqual([4, 4, 4, 4]);
    // One transaction per turn: an entry that cannot be written takes its whole turn with it.
    database.db.exec(
      `CREATE TEMP TRIGGER refuse_seq_7 BEFORE INSERT ON audit_log WHEN NEW.seq = 7 BEGIN SELECT RAISE(ABORT, 'no'); END`,
    );
    const turn = [5, 6, 7].map((n) => audit.append(record(n), { privileged: false }));
    for (const append of turn) await expect(append).rejects.toMatchObject({ code: 'Database' });
    expect(count()).toBe(4);
    database.db.exec('DROP TRIGGER temp.refuse_seq_7');
    await audit.append(record(8), { privileged: false });
    expect(count()).toBe(8);
  });

  it('rejects the appends of a turn whose write fails, keeps the entries and writes them once the database accepts writes again', async () => {
    database.db.exec(`CREATE TEMP TRIGGER refuse_inserts BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    const failed = audit.append(record(1), { privileged: false });
    await expect(failed).rejects.toMatchObject({ code: 'Database' });
    const privileged = audit.append(record(2), { privileged: true });
    await expect(privileged).rejects.toMatchObject({ code: 'Database' });
    expect(audit.pendingCount).toBe(2);
    database.db.exec('DROP TRIGGER temp.refuse_inserts');
    await audit.append(record(3), { privileged: false });
    expect(audit.query().entries.map((entry) => entry.summary.path)).toEqual(['/w/3', '/w/2', '/w/1']);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 3 });
  });

  it('writes a privileged entry before its append resolves', async () => {
    void audit.append(record(1), { privileged: false });
    await audit.append(record(2), { privileged: true });
    expect(database.db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(2);
  });

  it('pages newest first and filters by type and outcome', () => {
    for (let n = 1; n <= 5; n++) void audit.append(record(n), { privileged: false });
    void audit.append(record(6, { type: 'TerminalCommand', outcome: 'PermissionDenied', summary: { cmd: 'rm' } }), {
      privileged: false,
    });
    const first = audit.query({ limit: 4 });
    expect(first.entries.map((entry) => entry.seq)).toEqual([6, 5, 4, 3]);
    expect(first.nextBefore).toBe(3);
    const second = audit.query({ limit: 4, before: first.nextBefore });
    expect(second.entries.map((entry) => entry.seq)).toEqual([2, 1]);
    expect(second.nextBefore).toBeUndefined();
    expect(audit.query({ type: 'TerminalCommand' }).entries).toHaveLength(1);
    expect(audit.query({ outcome: 'error' }).entries.map((entry) => entry.outcome)).toEqual(['PermissionDenied']);
    expect(audit.query({ outcome: 'ok' }).entries).toHaveLength(5);
    const [entry] = audit.query({ limit: 1 }).entries;
    expect(entry).toMatchObject({ actor: 'test:1', summary: { cmd: 'rm' }, durationMs: 0.123 });
  });

  it('chains each entry to the one before, across restarts, and verifies', async () => {
    for (let n = 1; n <= 10; n++) void audit.append(record(n), { privileged: n % 3 === 0 });
    await reopen();
    for (let n = 11; n <= 20; n++) void audit.append(record(n), { privileged: false });
    const entries = audit.query({ limit: 500 }).entries.reverse();
    expect(entries[0]?.prevHash).toBe(genesisHash);
    for (let index = 1; index < entries.length; index++) expect(entries[index]?.prevHash).toBe(entries[index - 1]?.hash);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 20 });
  });

  it('refuses UPDATE and DELETE of an audit row through SQL', async () => {
    void audit.append(record(1), { privileged: false });
    audit.flush();
    expect(() => database.db.prepare(`UPDATE audit_log SET summary = '{}' WHERE seq = 1`).run()).toThrow(/append-only/);
    expect(() => database.db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 1 });
  });

  it('reports exactly the entry whose summary was edited with the triggers dropped', async () => {
    for (let n = 1; n <= 10; n++) void audit.append(record(n), { privileged: false });
    audit.flush();
    database.db.exec('DROP TRIGGER audit_log_no_update');
    database.db.prepare(`UPDATE audit_log SET summary = '{"op":"stat","path":"/w/elsewhere"}' WHERE seq = 7`).run();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      checked: 6,
      brokenAt: 7,
      reason: expect.stringMatching(/changed/) as unknown,
    });
  });

  it('restores dropped triggers at the next open', async () => {
    void audit.append(record(1), { privileged: false });
    audit.flush();
    database.db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
    await reopen();
    expect(() => database.db.prepare(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`).run()).toThrow(/append-only/);
    expect(() => database.db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('reports a deleted entry at the one after the gap', async () => {
    for (let n = 1; n <= 5; n++) void audit.append(record(n), { privileged: false });
    audit.flush();
    database.db.exec('DROP TRIGGER audit_log_no_delete');
    database.db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: 4, reason: expect.stringMatching(/missing/) as unknown });
  });

  it('reports a chain whose oldest entries vanished without a prune checkpoint', async () => {
    for (let n = 1; n <= 5; n++) void audit.append(record(n), { privileged: false });
    audit.flush();
    database.db.exec('DROP TRIGGER audit_log_no_delete');
    database.db.prepare('DELETE FROM audit_log WHERE seq <= 2').run();
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('prunes by time through its own path and the shortened chain still verifies', async () => {
    for (let n = 1; n <= 10; n++) void audit.append(record(n, { time: n * 1000 }), { privileged: false });
    const { removed } = audit.prune(6_500, 50_000);
    expect(removed).toBe(6);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 5 });
    const [checkpoint] = audit.query({ limit: 1 }).entries;
    expect(checkpoint).toMatchObject({
      seq: 11,
      actor: 'localbrain',
      type: 'AuditPruned',
      summary: { fromSeq: 1, toSeq: 6, count: 6 },
    });
    // The permit is gone once the prune commits: a stray DELETE is refused again.
    expect(() => database.db.prepare('DELETE FROM audit_log WHERE seq = 7').run()).toThrow(/append-only/);
    await reopen();
    void audit.append(record(12, { time: 60_000 }), { privileged: false });
    expect(audit.prune(9_500, 70_000).removed).toBe(3);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 4 });
  });

  it('verifies across chunks, yielding between them, and finds a change deep in a long log', async () => {
    for (let n = 1; n <= 5_000; n++) void audit.append(record(n), { privileged: false });
    audit.flush();
    const running = audit.verify();
    // While a walk is in progress, retention waits rather than cut the chain under it.
    expect(audit.prune(Number.MAX_SAFE_INTEGER).removed).toBe(0);
    expect(await running).toMatchObject({ ok: true, checked: 5_000 });
    database.db.exec('DROP TRIGGER audit_log_no_update');
    database.db.prepare(`UPDATE audit_log SET outcome = 'Internal' WHERE seq = 4321`).run();
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 4_320, brokenAt: 4_321 });
  });

  it('stops verifying when its request is aborted', async () => {
    for (let n = 1; n <= 5_000; n++) void audit.append(record(n), { privileged: false });
    const controller = new AbortController();
    const running = audit.verify(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(running).rejects.toThrow('deadline');
  });

  it('exports JSON Lines oldest first, in pages', () => {
    for (let n = 1; n <= 5; n++) void audit.append(record(n), { privileged: false });
    const first = audit.exportPage(0, 3);
    expect(first).toMatchObject({ count: 3, lastSeq: 3, done: false });
    const lines = first.jsonl
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; hash: string });
    expect(lines.map((line) => line.seq)).toEqual([1, 2, 3]);
    expect(audit.exportPage(first.lastSeq, 3)).toMatchObject({ count: 2, lastSeq: 5, done: true });
  });

  it('writes what is buffered on dispose and refuses appends after', async () => {
    void audit.append(record(1), { privileged: false });
    await audit.dispose();
    expect(() => void audit.append(record(2), { privileged: false })).toThrow(/closed/);
    await database.close();
    open();
    expect(audit.query().entries).toHaveLength(1);
  });
});
