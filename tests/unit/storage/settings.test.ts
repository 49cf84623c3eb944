import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings, settingsPatchSchema } from '../../../shared/contract/settings';
import { generateDatabaseKey, type DatabaseKey } from '../../../main/services/keys/database-key';
import { SettingsService } from '../../../main/services/settings/settings-service';
import { StorageDatabase } from '../../../main/services/storage/database';
import { migrations } from '../../../main/services/storage/migrations';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';

let dir: { path: string; remove: () => Promise<void> };
let key: DatabaseKey;
let database: StorageDatabase;
const captured = capturingLogger();

function open(): SettingsService {
  database = StorageDatabase.open({ file: path.join(dir.path, 'localbrain.db'), keys: [key], migrations });
  return new SettingsService(database, captured.logger);
}

beforeEach(async () => {
  dir = await tempDir();
  key = generateDatabaseKey();
});
afterEach(async () => {
  await database.close();
  await dir.remove();
});

describe('SettingsService', () => {
  it('starts from the defaults, with 32 terminal sessions', () => {
    const settings = open();
    expect(settings.all()).toEqual(defaultSettings());
    expect(settings.get('terminal.maxSessions')).toBe(32);
    expect(Object.keys(settings.all())).not.toContain('workspace.roots');
  });

  it('keeps what was set across a reopen', async () => {
    const settings = open();
    settings.set('terminal.fontSize', 18);
    settings.update({ 'terminal.defaultShell': '/bin/sh', 'files.showHidden': true });
    await database.close();
    const reopened = open();
    expect(reopened.get('terminal.fontSize')).toBe(18);
    expect(reopened.get('terminal.defaultShell')).toBe('/bin/sh');
    expect(reopened.get('files.showHidden')).toBe(true);
  });

  it('refuses invalid values and unknown keys, writing nothing', () => {
    const settings = open();
    expect(() => settings.update({ 'terminal.fontSize': 7 })).toThrow(
      expect.objectContaining({ code: 'ValidationFailed' }) as Error,
    );
    expect(() => settings.update({ 'terminal.fontSize': 12, 'appearance.theme': 'neon' } as never)).toThrow(/invalid value/);
    expect(() => settings.update({ 'no.such': 1 } as never)).toThrow(/invalid value/);
    expect(() => settings.update({ 'terminal.defaultShell': 'bash\0' })).toThrow(/invalid value/);
    expect(settings.get('terminal.fontSize')).toBe(14);
    expect(database.db.prepare('SELECT count(*) FROM settings').pluck().get()).toBe(0);
  });

  it('tells listeners about changes only, and stops after unsubscribe', () => {
    const settings = open();
    const seen: [string, unknown][] = [];
    const unsubscribe = settings.onChange((changedKey, value) => seen.push([changedKey, value]));
    settings.set('appearance.theme', 'light');
    settings.set('appearance.theme', 'light');
    settings.update({ 'terminal.scrollback': 100, 'terminal.fontSize': 14 });
    unsubscribe();
    settings.set('appearance.theme', 'system');
    expect(seen).toEqual([
      ['appearance.theme', 'light'],
      ['terminal.scrollback', 100],
    ]);
  });

  it('keeps going when a listener throws', () => {
    const settings = open();
    settings.onChange(() => {
      throw new Error('listener broke');
    });
    let reached = false;
    settings.onChange(() => (reached = true));
    settings.set('files.showHidden', true);
    expect(reached).toBe(true);
  });

  it('falls back to the default for a stored value that no longer validates', async () => {
    open();
    database.db
      .prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('terminal.fontSize', '"huge"', 1), ('old.key', '1', 1)`)
      .run();
    await database.close();
    const settings = open();
    expect(settings.get('terminal.fontSize')).toBe(14);
    expect(captured.lines().some((line) => line.msg === 'stored setting no longer valid; using its default')).toBe(true);
  });

  it('returns copies, so a caller cannot change the cache', () => {
    const settings = open();
    settings.set('terminal.fontSize', 20);
    const copy = settings.all();
    copy['terminal.fontSize'] = 30;
    expect(settings.get('terminal.fontSize')).toBe(20);
  });

  it('has no setting that grants a folder: workspace.roots is an unknown key, refused and not written', () => {
    const settings = open();
    expect(settingsPatchSchema.safeParse({ 'workspace.roots': ['/etc'] }).success).toBe(false);
    expect(() => settings.update({ 'workspace.roots': ['/etc'] } as never)).toThrow(
      expect.objectContaining({ code: 'ValidationFailed' }) as Error,
    );
    expect(database.db.prepare('SELECT count(*) FROM settings').pluck().get()).toBe(0);
  });

  it('refuses a default shell that /etc/shells does not list, with PermissionDenied, writing nothing', () => {
    const settings = open();
    expect(() => settings.update({ 'terminal.defaultShell': '/usr/bin/python3', 'terminal.fontSize': 20 })).toThrow(
      expect.objectContaining({ code: 'PermissionDenied', message: expect.stringContaining('/etc/shells') as string }) as Error,
    );
    expect(() => settings.update({ 'terminal.defaultShell': 'bash' })).toThrow(
      expect.objectContaining({ code: 'ValidationFailed' }) as Error,
    );
    expect(() => settings.update({ 'terminal.defaultShell': '/bin/sh\n/usr/bin/python3' })).toThrow(
      expect.objectContaining({ code: 'ValidationFailed' }) as Error,
    );
    expect(settings.get('terminal.fontSize')).toBe(14);
    expect(database.db.prepare('SELECT count(*) FROM settings').pluck().get()).toBe(0);
    settings.update({ 'terminal.defaultShell': '/bin/sh' });
    settings.update({ 'terminal.defaultShell': '' });
    expect(settings.get('terminal.defaultShell')).toBe('');
  });

  it('keeps audit retention at 30 days or more (0 keeps everything)', () => {
    const settings = open();
    for (const days of [1, 7, 29, -1]) {
      expect(() => settings.update({ 'audit.retentionDays': days })).toThrow(
        expect.objectContaining({ code: 'ValidationFailed' }) as Error,
      );
    }
    settings.update({ 'audit.retentionDays': 30 });
    settings.update({ 'audit.retentionDays': 0 });
    expect(settings.get('audit.retentionDays')).toBe(0);
  });

  it('has a strict patch schema: unknown keys fail to parse', () => {
    expect(settingsPatchSchema.safeParse({ 'terminal.fontSize': 12 }).success).toBe(true);
    expect(settingsPatchSchema.safeParse({ nope: 1 }).success).toBe(false);
  });
});
