import type { Migration } from '../migrate';

/**
 * The audit log (append-only: triggers refuse UPDATE and refuse DELETE unless a prune has
 * put up a permit covering the row), the settings table, and `meta` for LocalBrain's own
 * values (the log key).
 */
export const migration001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('request', 'prune')),
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        type TEXT NOT NULL,
        summary TEXT NOT NULL,
        outcome TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_by_type ON audit_log (type, seq);
      CREATE INDEX audit_log_by_time ON audit_log (time);

      CREATE TABLE audit_prune_permit (up_to INTEGER NOT NULL) STRICT;

      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
      END;

      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permit WHERE OLD.seq <= up_to)
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: entries are removed only by retention pruning');
      END;

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
