import type { Migration } from '../migrate';

/**
 * What the person said or typed in the command bar, one row per distinct sentence, for
 * suggestions ranked by frecency and for ↑/↓. Inside the encrypted database like the rest.
 */
export const migration004CommandHistory: Migration = {
  version: 4,
  name: 'command-history',
  up(db) {
    db.exec(`
      CREATE TABLE command_history (
        text TEXT PRIMARY KEY,
        intent TEXT NOT NULL,
        outcome TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 1),
        first_used_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX command_history_by_last_use ON command_history (last_used_at);
    `);
  },
};
