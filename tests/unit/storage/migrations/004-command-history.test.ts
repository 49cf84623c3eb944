import { describe, expect, it } from 'vitest';
import { migration001Initial } from '../../../../main/services/storage/migrations/001-initial';
import { migration004CommandHistory } from '../../../../main/services/storage/migrations/004-command-history';
import { SqliteDatabaseConstructor } from '../../../../main/services/storage/sqlite';

function migrated() {
  const db = new SqliteDatabaseConstructor(':memory:');
  db.transaction(() => {
    migration001Initial.up(db);
    migration004CommandHistory.up(db);
  })();
  return db;
}

const insert = `INSERT INTO command_history (text, intent, outcome, count, first_used_at, last_used_at) VALUES (?, 'help', 'ok', ?, 1, 2)`;

describe('migration 004 (command history)', () => {
  it('adds the command history table beside the earlier ones', () => {
    const db = migrated();
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toContain('command_history');
    expect(tables).toContain('audit_log');
    db.close();
  });

  it('keeps one row per sentence and refuses a count below one or a wrong type (STRICT)', () => {
    const db = migrated();
    db.prepare(insert).run('help', 1);
    expect(() => db.prepare(insert).run('help', 2)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare(insert).run('list files', 0)).toThrow(/CHECK/);
    expect(() => db.prepare(insert).run('list files', 'many')).toThrow();
    db.close();
  });
});
