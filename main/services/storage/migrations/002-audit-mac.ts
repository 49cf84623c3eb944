import type { Migration } from '../migrate';

/**
 * Keys the audit chain and makes room for aggregated terminal traffic:
 * - `audit_log.mac`: HMAC-SHA256 of the entry's hash under a key derived from the database
 *   key (never stored). NULL on the entries written before this version; those still verify
 *   by their hash links, and the first MAC'd entry after them vouches for all of them.
 * - `audit_open_aggregate`: the PtyWrite/PtyAck counts of the current second per session,
 *   updated in the same transaction as the turn's entries (so an acknowledged keystroke is in
 *   the WAL before its reply) and sealed into one chained entry when the second is over.
 */
export const migration002AuditMac: Migration = {
  version: 2,
  name: 'audit-mac',
  up(db) {
    db.exec(`
      ALTER TABLE audit_log ADD COLUMN mac TEXT;

      CREATE TABLE audit_open_aggregate (
        actor TEXT NOT NULL,
        session_id TEXT NOT NULL,
        first_time INTEGER NOT NULL,
        last_time INTEGER NOT NULL,
        writes INTEGER NOT NULL,
        write_chars INTEGER NOT NULL,
        acks INTEGER NOT NULL,
        ack_chars INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        PRIMARY KEY (actor, session_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
