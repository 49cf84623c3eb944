import { describe, expect, it } from 'vitest';
import { migration001Initial } from '../../../../main/services/storage/migrations/001-initial';
import { migration002AuditMac } from '../../../../main/services/storage/migrations/002-audit-mac';
import { SqliteDatabaseConstructor } from '../../../../main/services/storage/sqlite';

function atVersion1() {
  const db = new SqliteDatabaseConstructor(':memory:');
  db.transaction(() => migration001Initial.up(db))();
  db.prepare(
    `INSERT INTO audit_log (seq, kind, time, actor, type, summary, outcome, duration_ms, prev_hash, hash)
     VALUES (1, 'request', 1, 'a', 't', '{}', 'ok', 0, 'p', 'h')`,
  ).run();
  return db;
}

describe('migration 002 (audit MAC)', () => {
  it('adds a MAC column that old entries leave NULL, and keeps them', () => {
    const db = atVersion1();
    db.transaction(() => migration002AuditMac.up(db))();
    expect(db.prepare('SELECT seq, mac FROM audit_log').all()).toEqual([{ seq: 1, mac: null }]);
    db.prepare(
      `INSERT INTO audit_log (seq, kind, time, actor, type, summary, outcome, duration_ms, prev_hash, hash, mac)
       VALUES (2, 'request', 1, 'a', 't', '{}', 'ok', 0, 'h', 'h2', 'm')`,
    ).run();
    expect(db.prepare('SELECT mac FROM audit_log WHERE seq = 2').pluck().get()).toBe('m');
    db.close();
  });

  it('keeps the audit log append-only, the MAC column included', () => {
    const db = atVersion1();
    db.transaction(() => migration002AuditMac.up(db))();
    expect(() => db.prepare(`UPDATE audit_log SET mac = 'forged' WHERE seq = 1`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    db.close();
  });

  it('creates the open PtyActivity windows table, one row per actor and session, with typed columns', () => {
    const db = atVersion1();
    db.transaction(() => migration002AuditMac.up(db))();
    const insert = db.prepare(
      `INSERT INTO audit_open_aggregate (actor, session_id, first_time, last_time, writes, write_chars, acks, ack_chars, duration_ms)
       VALUES (?, ?, 1, 2, 3, 4, 5, 6, 0.5)`,
    );
    insert.run('serve:1', 's1');
    insert.run('serve:1', 's2');
    expect(() => insert.run('serve:1', 's1')).toThrow(/UNIQUE|PRIMARY/);
    expect(() =>
      db
        .prepare(
          `INSERT INTO audit_open_aggregate (actor, session_id, first_time, last_time, writes, write_chars, acks, ack_chars, duration_ms)
           VALUES ('a', 'b', 'soon', 2, 3, 4, 5, 6, 0.5)`,
        )
        .run(),
    ).toThrow();
    db.close();
  });

  it('rolls back as a whole when it fails halfway (already migrated)', () => {
    const db = atVersion1();
    db.transaction(() => migration002AuditMac.up(db))();
    expect(() => db.transaction(() => migration002AuditMac.up(db))()).toThrow(/duplicate column/);
    expect(db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'audit_open_aggregate'`).pluck().get()).toBe(1);
    db.close();
  });
});
