import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../main/ports/audit';
import { anchorFileName } from '../../../main/services/audit/anchor';
import { AuditLog } from '../../../main/services/audit/audit-log';
import { activityType } from '../../../main/services/audit/pty-activity';
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
/** An hour ahead: windows then close by their records' times only, and the wall-clock seal timer leaves them open however slow the machine is. */
const start = Date.now() + 3_600_000;

function open(): void {
  database = StorageDatabase.open({ file: path.join(dir.path, 'localbrain.db'), keys: [key], migrations });
  audit = new AuditLog({
    storage: database,
    logger,
    databaseKeys: { current: key },
    anchorFile: path.join(dir.path, anchorFileName),
  });
}

function traffic(type: 'PtyWrite' | 'PtyAck', at: number, chars: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: start + at,
    actor: 'serve:1',
    type,
    summary: { sessionId: 's1', chars },
    outcome: 'ok',
    durationMs: 0.01,
    ...overrides,
  };
}

function count(table: string): unknown {
  return database.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
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

describe('PtyWrite and PtyAck audit aggregation', () => {
  it('records a second of keystrokes and acks of one session as one entry of counts and sizes, never the data', async () => {
    for (let n = 0; n < 50; n++) await audit.append(traffic('PtyWrite', n * 10, 1), { privileged: true });
    for (let n = 0; n < 30; n++) await audit.append(traffic('PtyAck', n * 10 + 5, 4096), { privileged: false });
    // Acknowledged but not yet chained: every one is in the open window, in the WAL.
    expect(count('audit_log')).toBe(0);
    expect(database.db.prepare('SELECT writes, write_chars, acks, ack_chars FROM audit_open_aggregate').get()).toEqual({
      writes: 50,
      write_chars: 50,
      acks: 30,
      ack_chars: 30 * 4096,
    });
    audit.closeActivityWindows();
    const entries = audit.query().entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      type: activityType,
      actor: 'serve:1',
      summary: { sessionId: 's1', writes: 50, writeChars: 50, acks: 30, ackChars: 30 * 4096, from: start, to: start + 490 },
    });
    expect(Object.keys(entries[0]?.summary ?? {}).sort()).toEqual([
      'ackChars',
      'acks',
      'from',
      'sessionId',
      'to',
      'writeChars',
      'writes',
    ]);
    expect(count('audit_open_aggregate')).toBe(0);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 1 });
  });

  it('opens a new window each second and keeps sessions and actors apart', async () => {
    await audit.append(traffic('PtyWrite', 0, 1), { privileged: false });
    await audit.append(traffic('PtyWrite', 999, 1), { privileged: false });
    await audit.append(traffic('PtyWrite', 1_000, 1), { privileged: false });
    await audit.append(traffic('PtyWrite', 10, 2, { summary: { sessionId: 's2', chars: 2 } }), { privileged: false });
    await audit.append(traffic('PtyWrite', 20, 3, { actor: 'serve:2' }), { privileged: false });
    audit.closeActivityWindows();
    const windows = audit
      .query({ type: activityType })
      .entries.map((entry) => [entry.actor, entry.summary.sessionId, entry.summary.writes, entry.summary.from])
      .sort((a, b) => String(a).localeCompare(String(b)));
    expect(windows).toEqual([
      ['serve:1', 's1', 1, start + 1_000],
      ['serve:1', 's1', 2, start],
      ['serve:1', 's2', 1, start + 10],
      ['serve:2', 's1', 1, start + 20],
    ]);
  });

  it('keeps a refused or failed PtyWrite as an entry of its own, and other types untouched', async () => {
    await audit.append(traffic('PtyWrite', 0, 5, { outcome: 'NotFound' }), { privileged: true });
    await audit.append(traffic('PtyWrite', 1, 5, { outcome: 'PermissionDenied' }), { privileged: true });
    await audit.append(traffic('PtyWrite', 2, 5), { privileged: true });
    await audit.append(
      { ...traffic('PtyWrite', 3, 1), type: 'PtyResize', summary: { sessionId: 's1', cols: 80, rows: 24 } },
      { privileged: false },
    );
    expect(audit.query().entries.map((entry) => [entry.type, entry.outcome])).toEqual([
      ['PtyResize', 'ok'],
      ['PtyWrite', 'PermissionDenied'],
      ['PtyWrite', 'NotFound'],
    ]);
  });

  it('seals a window once its second is over, without waiting for more traffic', async () => {
    const now = Date.now();
    await audit.append(traffic('PtyWrite', now - start, 1), { privileged: false });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(audit.query({ type: activityType }).entries).toHaveLength(1);
    expect(count('audit_open_aggregate')).toBe(0);
  });

  it('seals the windows a crash left open at the next start, marked as recovered', async () => {
    for (let n = 0; n < 7; n++) await audit.append(traffic('PtyWrite', n, 2), { privileged: true });
    // A crash: the process dies without dispose, so nothing seals the window; only the WAL holds it.
    const crashed = database;
    await crashed.close();
    open();
    const [entry] = audit.query({ type: activityType }).entries;
    expect(entry?.summary).toMatchObject({ writes: 7, writeChars: 14, recovered: true });
    expect(count('audit_open_aggregate')).toBe(0);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });
});
