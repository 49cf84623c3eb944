import { describe, expect, it } from 'vitest';
import { migration001Initial } from '../../../../main/services/storage/migrations/001-initial';
import { SqliteDatabaseConstructor } from '../../../../main/services/storage/sqlite';

function migrated() {
  const db = new SqliteDatabaseConstructor(':memory:');
  db.transaction(() => migration001Initial.up(db))();
  return db;
}

const insert = `INSERT INTO audit_log (seq, kind, time, actor, type, summary, outcome, duration_ms, prev_hash, hash)
  VALUES (?, 'request', 1, 'a', 't', '{}', 'ok', 0, 'p', 'h')`;

describe('migration 001 (initial)', () => {
  it('creates the audit log, the prune permit, settings and meta', () => {
    const db = migrated();
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(['audit_log', 'audit_prune_permit', 'meta', 'settings']);
    db.close();
  });

  it('makes audit rows append-only: UPDATE refused, DELETE refused without a covering permit', () => {
    const db = migrated();
    db.prepare(insert).run(1);
    db.prepare(insert).run(2);
    expect(() => db.prepare(`UPDATE audit_log SET outcome = 'x' WHERE seq = 1`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    db.prepare('INSERT INTO audit_prune_permit (up_to) VALUES (1)').run();
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
    expect(db.prepare('DELETE FROM audit_log WHERE seq = 1').run().changes).toBe(1);
    db.close();
  });

  it('checks column types and the entry kind (STRICT tables)', () => {
    const db = migrated();
    expect(() =>
      db
        .prepare(
          `INSERT INTO audit_log (seq, kind, time, actor, type, summary, outcome, duration_ms, prev_hash, hash) VALUES (1, 'other', 1, 'a', 't', '{}', 'ok', 0, 'p', 'h')`,
        )
        .run(),
    ).toThrow(/CHECK/);
    expect(() => db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'not a number')`).run()).toThrow();
    db.close();
  });
});
