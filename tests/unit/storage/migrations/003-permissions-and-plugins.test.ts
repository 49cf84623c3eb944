import { describe, expect, it } from 'vitest';
import { migration001Initial } from '../../../../main/services/storage/migrations/001-initial';
import { migration003PermissionsAndPlugins } from '../../../../main/services/storage/migrations/003-permissions-and-plugins';
import { SqliteDatabaseConstructor } from '../../../../main/services/storage/sqlite';

function migrated() {
  const db = new SqliteDatabaseConstructor(':memory:');
  db.transaction(() => {
    migration001Initial.up(db);
    migration003PermissionsAndPlugins.up(db);
  })();
  return db;
}

const insertGrant = 'INSERT INTO permission_grants (subject, effect, permission, origin, created_at) VALUES (?, ?, ?, ?, 1)';
const insertApproval = `INSERT INTO plugin_approvals (id, version, manifest_sha256, entry_sha256, permissions, enabled, approved_at)
  VALUES (?, '1.0.0', ?, ?, '[]', 1, 1)`;

describe('migration 003 (permissions and plugins)', () => {
  it('adds the grant and plugin approval tables next to the initial ones', () => {
    const db = migrated();
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(['audit_log', 'audit_prune_permit', 'meta', 'permission_grants', 'plugin_approvals', 'settings']);
    db.close();
  });

  it('keeps a grant with its subject, effect and permission as JSON', () => {
    const db = migrated();
    db.prepare(insertGrant).run('window', 'allow', JSON.stringify({ message: 'PtySpawn' }), 'confirm');
    expect(
      db.prepare("SELECT subject, effect, json_extract(permission, '$.message') AS message FROM permission_grants").get(),
    ).toEqual({
      subject: 'window',
      effect: 'allow',
      message: 'PtySpawn',
    });
    db.close();
  });

  it('refuses a grant with an unknown effect or origin, a non-JSON permission or an empty subject', () => {
    const db = migrated();
    const permission = JSON.stringify({ message: 'PtySpawn' });
    expect(() => db.prepare(insertGrant).run('window', 'maybe', permission, 'confirm')).toThrow(/CHECK/);
    expect(() => db.prepare(insertGrant).run('window', 'allow', permission, 'guess')).toThrow(/CHECK/);
    expect(() => db.prepare(insertGrant).run('window', 'allow', '{not json', 'confirm')).toThrow(/CHECK/);
    expect(() => db.prepare(insertGrant).run('', 'allow', permission, 'confirm')).toThrow(/CHECK/);
    db.close();
  });

  it('keeps one approval per plugin id with 64-digit hashes', () => {
    const db = migrated();
    const hash = 'a'.repeat(64);
    db.prepare(insertApproval).run('word-count', hash, hash);
    expect(() => db.prepare(insertApproval).run('word-count', hash, hash)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare(insertApproval).run('other', 'short', hash)).toThrow(/CHECK/);
    expect(() => db.prepare(insertApproval).run('x', hash, hash)).toThrow(/CHECK/);
    db.close();
  });
});
