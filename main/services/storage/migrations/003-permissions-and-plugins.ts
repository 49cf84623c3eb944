import type { Migration } from '../migrate';

/**
 * Permission grants (the person's "always allow" decisions and revocations of built-in
 * permissions, per sender kind) and plugin approvals (the manifest and entry hashes and the
 * permissions the person approved). Both live in the encrypted database like everything else.
 */
export const migration003PermissionsAndPlugins: Migration = {
  version: 3,
  name: 'permissions-and-plugins',
  up(db) {
    db.exec(`
      CREATE TABLE permission_grants (
        id INTEGER PRIMARY KEY,
        subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 80),
        effect TEXT NOT NULL CHECK (effect IN ('allow', 'ask', 'deny')),
        permission TEXT NOT NULL CHECK (json_valid(permission)),
        origin TEXT NOT NULL CHECK (origin IN ('confirm', 'revoke', 'setting')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX permission_grants_by_subject ON permission_grants (subject, id);

      CREATE TABLE plugin_approvals (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 3 AND 64),
        version TEXT NOT NULL,
        manifest_sha256 TEXT NOT NULL CHECK (length(manifest_sha256) = 64),
        entry_sha256 TEXT NOT NULL CHECK (length(entry_sha256) = 64),
        permissions TEXT NOT NULL CHECK (json_valid(permissions)),
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        approved_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
