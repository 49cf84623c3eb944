import type { SettingsPatch } from '../../shared/contract/settings';
import type { AuditSummary, SummaryValue } from '../ports/audit';
import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import { auditExportHandler, auditQueryHandler, auditVerifyHandler } from './audit';
import type { SettingsService } from '../services/settings/settings-service';
import type { Storage } from '../services/storage/storage';

export function settingsGetHandler(settings: SettingsService): Handler<'SettingsGet'> {
  return { run: () => ({ values: settings.all() }) };
}

/** Longest setting value copied into an audit summary; a shell path or a list of roots fits. */
const maxSummaryValueChars = 512;

/**
 * What a SettingsSet changed, key by key. Settings hold no secrets (a theme, sizes, a shell
 * path, workspace roots), so their new values belong in the record of who changed what.
 */
export function summarizeSettingsPatch(values: SettingsPatch): AuditSummary {
  const summary: Record<string, SummaryValue> = {};
  for (const [key, value] of Object.entries(values) as [string, SettingsPatch[keyof SettingsPatch]][]) {
    if (value === undefined) continue;
    // Lists are kept one item a line; a trusted publisher key by its name and key.
    const flat = Array.isArray(value)
      ? value
          .map((item: string | { name: string; publicKey: string }) =>
            typeof item === 'string' ? item : `${item.name} ${item.publicKey}`,
          )
          .join('\n')
      : value;
    summary[key] = typeof flat === 'string' ? flat.slice(0, maxSummaryValueChars) : flat;
  }
  return summary;
}

export function settingsSetHandler(settings: SettingsService): Handler<'SettingsSet'> {
  return {
    privileged: true,
    run: (data) => ({ values: settings.update(data.values) }),
    summarize: (data) => summarizeSettingsPatch(data.values),
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
