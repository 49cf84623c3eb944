import type { Logger } from 'pino';
import { permissionSchema, type Permission } from '../../../shared/contract/permissions';
import type { StorageDatabase } from '../storage/database';

/** What the person approved for one plugin: exactly this manifest and entry, with these permissions. */
export interface PluginApproval {
  readonly id: string;
  readonly version: string;
  readonly manifestSha256: string;
  readonly entrySha256: string;
  readonly permissions: readonly Permission[];
  readonly enabled: boolean;
  readonly approvedAt: number;
}

interface ApprovalRow {
  id: string;
  version: string;
  manifest_sha256: string;
  entry_sha256: string;
  permissions: string;
  enabled: number;
  approved_at: number;
}

/** Plugin approvals in the encrypted database (`plugin_approvals`, migration 004). */
export class ApprovalStore {
  readonly #storage: StorageDatabase;
  readonly #logger: Logger;

  constructor(storage: StorageDatabase, logger: Logger) {
    this.#storage = storage;
    this.#logger = logger;
  }

  get(id: string): PluginApproval | undefined {
    const row = this.#storage.db.prepare('SELECT * FROM plugin_approvals WHERE id = ?').get(id) as ApprovalRow | undefined;
    if (!row) return undefined;
    let stored: unknown;
    try {
      stored = JSON.parse(row.permissions);
    } catch {
      stored = undefined;
    }
    const permissions = permissionSchema.array().safeParse(stored);
    if (!permissions.success) {
      // An approval this build cannot read is no approval: the plugin asks again.
      this.#logger.warn({ plugin: id }, 'stored plugin approval no longer valid');
      return undefined;
    }
    return {
      id: row.id,
      version: row.version,
      manifestSha256: row.manifest_sha256,
      entrySha256: row.entry_sha256,
      permissions: permissions.data,
      enabled: row.enabled === 1,
      approvedAt: row.approved_at,
    };
  }

  put(approval: PluginApproval): void {
    this.#storage.db
      .prepare(
        `INSERT INTO plugin_approvals (id, version, manifest_sha256, entry_sha256, permissions, enabled, approved_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, manifest_sha256 = excluded.manifest_sha256,
           entry_sha256 = excluded.entry_sha256, permissions = excluded.permissions, enabled = excluded.enabled,
           approved_at = excluded.approved_at`,
      )
      .run(
        approval.id,
        approval.version,
        approval.manifestSha256,
        approval.entrySha256,
        JSON.stringify(approval.permissions),
        approval.enabled ? 1 : 0,
        approval.approvedAt,
      );
    this.#storage.noteWrite();
  }

  setEnabled(id: string, enabled: boolean): void {
    this.#storage.db.prepare('UPDATE plugin_approvals SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id);
    this.#storage.noteWrite();
  }

  remove(id: string): void {
    this.#storage.db.prepare('DELETE FROM plugin_approvals WHERE id = ?').run(id);
    this.#storage.noteWrite();
  }
}
