import type { Logger } from 'pino';
import { permissionSchema, type Permission, type StoredGrant } from '../../../shared/contract/permissions';
import type { StorageDatabase } from '../storage/database';
import { wholeOf } from './defaults';

export type GrantOrigin = StoredGrant['origin'];

/** Where grants are kept: the encrypted database in the app, memory in tests of other parts. */
export interface GrantStore {
  /** Every grant, oldest first. */
  list(): readonly StoredGrant[];
  add(subject: string, permission: Permission, origin: GrantOrigin): StoredGrant;
  remove(id: number): boolean;
}

export class MemoryGrantStore implements GrantStore {
  readonly #grants: StoredGrant[] = [];
  #nextId = 1;

  list(): readonly StoredGrant[] {
    return this.#grants;
  }

  add(subject: string, permission: Permission, origin: GrantOrigin): StoredGrant {
    const grant: StoredGrant = { id: this.#nextId++, subject, permission, origin, createdAt: Date.now() };
    this.#grants.push(grant);
    return grant;
  }

  remove(id: number): boolean {
    const index = this.#grants.findIndex((grant) => grant.id === id);
    if (index !== -1) this.#grants.splice(index, 1);
    return index !== -1;
  }
}

interface GrantRow {
  id: number;
  subject: string;
  effect: string;
  permission: string;
  origin: GrantOrigin;
  created_at: number;
}

/**
 * Grants in the `permission_grants` table, with a copy in memory so the router's authorize
 * step reads no disk; every change is written first, then applied to the copy, so a revoke
 * is in force for the very next message.
 */
export class DatabaseGrantStore implements GrantStore {
  readonly #storage: StorageDatabase;
  readonly #grants: StoredGrant[] = [];

  constructor(storage: StorageDatabase, logger: Logger) {
    this.#storage = storage;
    const rows = storage.db
      .prepare('SELECT id, subject, effect, permission, origin, created_at FROM permission_grants ORDER BY id')
      .all() as GrantRow[];
    for (const row of rows) {
      let stored: unknown;
      try {
        stored = JSON.parse(row.permission);
      } catch {
        stored = undefined;
      }
      const parsed = permissionSchema.safeParse(stored);
      if (parsed.success) {
        this.#grants.push({
          id: row.id,
          subject: row.subject,
          permission: parsed.data,
          origin: row.origin,
          createdAt: row.created_at,
        });
        continue;
      }
      logger.warn({ grant: row.id, subject: row.subject }, 'stored permission grant no longer valid');
      // An unreadable allow is dropped (that only narrows); an unreadable deny becomes a deny of its whole type, never nothing.
      const message = (stored as { message?: unknown } | undefined)?.message;
      if (row.effect === 'deny') {
        const permission = wholeOf(typeof message === 'string' ? message : 'FileOperation', 'deny');
        this.#grants.push({ id: row.id, subject: row.subject, permission, origin: row.origin, createdAt: row.created_at });
      }
    }
  }

  list(): readonly StoredGrant[] {
    return this.#grants;
  }

  add(subject: string, permission: Permission, origin: GrantOrigin): StoredGrant {
    const createdAt = Date.now();
    const result = this.#storage.db
      .prepare('INSERT INTO permission_grants (subject, effect, permission, origin, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(subject, permission.effect ?? 'allow', JSON.stringify(permission), origin, createdAt);
    this.#storage.noteWrite();
    const grant: StoredGrant = { id: Number(result.lastInsertRowid), subject, permission, origin, createdAt };
    this.#grants.push(grant);
    return grant;
  }

  remove(id: number): boolean {
    const { changes } = this.#storage.db.prepare('DELETE FROM permission_grants WHERE id = ?').run(id);
    this.#storage.noteWrite();
    const index = this.#grants.findIndex((grant) => grant.id === id);
    if (index !== -1) this.#grants.splice(index, 1);
    return changes > 0;
  }
}
