import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import { auditExportHandler, auditQueryHandler, auditVerifyHandler } from './audit';
import type { SettingsService } from '../services/settings/settings-service';
import type { Storage } from '../services/storage/storage';

export function settingsGetHandler(settings: SettingsService): Handler<'SettingsGet'> {
  return { run: () => ({ values: settings.all() }) };
}

export function settingsSetHandler(settings: SettingsService): Handler<'SettingsSet'> {
  return {
    privileged: true,
    run: (data) => ({ values: settings.update(data.values) }),
    // The keys changed, not their values: a shell path or a root is not a secret, but a summary stays small.
    summarize: (data) => ({ keys: Object.keys(data.values).sort().join(',') }),
  };
}

export function storageStatusHandler(storage: Storage): Handler<'StorageStatus'> {
  return { run: () => storage.status() };
}

export function storageRekeyHandler(storage: Storage): Handler<'StorageRekey'> {
  return { privileged: true, run: () => storage.rekey() };
}

/** Registers the audit, settings and storage messages; each unregisters through `disposables`. */
export function registerStorageDomain(context: { router: Router; storage: Storage }, disposables: DisposableStore): void {
  const { router, storage } = context;
  disposables.add(router.register('AuditQuery', auditQueryHandler(storage.audit)));
  disposables.add(router.register('AuditVerify', auditVerifyHandler(storage.audit)));
  disposables.add(router.register('AuditExport', auditExportHandler(storage.audit)));
  disposables.add(router.register('SettingsGet', settingsGetHandler(storage.settings)));
  disposables.add(router.register('SettingsSet', settingsSetHandler(storage.settings)));
  disposables.add(router.register('StorageStatus', storageStatusHandler(storage)));
  disposables.add(router.register('StorageRekey', storageRekeyHandler(storage)));
}
