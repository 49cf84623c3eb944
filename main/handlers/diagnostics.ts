import type { HealthReport } from '../../shared/contract/health';
import type { Handler, Router } from '../ipc/router';
import { diagnosticsDocument, writeDiagnostics } from '../services/health/diagnostics';
import type { HealthMonitor } from '../services/health/monitor';
import type { ServiceRegistry } from '../services/runtime/service-registry';
import type { Storage } from '../services/storage/storage';

export interface DiagnosticsOptions {
  readonly dataDir: string;
  readonly version: string;
  readonly transport: HealthReport['transport'];
  readonly router: Router;
  readonly health: HealthMonitor;
  readonly services: ServiceRegistry;
  readonly storage: Storage;
  readonly sessions: () => { count: number };
}

function sqliteVersions(storage: Storage): { version: string; cipher: string; multipleCiphersVersion?: string } {
  const db = storage.database.db;
  const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  try {
    const mc = (db.prepare('SELECT sqlite3mc_version() AS v').get() as { v: string }).v;
    return { version, cipher: storage.database.cipher, multipleCiphersVersion: mc };
  } catch {
    return { version, cipher: storage.database.cipher };
  }
}

/** DiagnosticsExport: a JSON file a person can attach to a bug report; it never holds contents, input, output, keys or tokens. */
export function diagnosticsExportHandler(options: DiagnosticsOptions): Handler<'DiagnosticsExport'> {
  return {
    async run(_data, { signal }) {
      const audit = await options.storage.audit.verify(signal);
      const messages = Object.values(options.router.metrics.snapshot()).reduce((sum, stats) => sum + stats.latency.count, 0);
      const document = diagnosticsDocument({
        appVersion: options.version,
        transport: options.transport,
        sqlite: sqliteVersions(options.storage),
        settings: options.storage.settings.all(),
        health: {
          current: await options.health.current(),
          history: options.health.history(),
          warnings: options.health.warnings(),
          services: options.services.states(),
        },
        audit: { ok: audit.ok, checked: audit.checked, ...(audit.brokenAt === undefined ? {} : { brokenAt: audit.brokenAt }) },
        counts: { sessions: options.sessions().count, messages, warnings: options.health.warnings().length },
      });
      return writeDiagnostics(options.dataDir, document);
    },
    privileged: true,
  };
}
