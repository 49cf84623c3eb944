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
    expect(settings.get('workspace.roots')).toEqual([]);
  });

  it('keeps what was set across a reopen', async () => {
    const settings = open();
    settings.set('terminal.fontSize', 18);
    settings.update({ 'workspace.roots': ['/home/a/project'], 'files.showHidden': true });
    await database.close();
    const reopened = open();
    expect(reopened.get('terminal.fontSize')).toBe(18);
    expect(reopened.get('workspace.roots')).toEqual(['/home/a/project']);
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
    settings.set('workspace.roots', ['/a']);
    settings.get('workspace.roots').push('/b');
    expect(settings.get('workspace.roots')).toEqual(['/a']);
  });

  it('has a strict patch schema: unknown keys fail to parse', () => {
    expect(settingsPatchSchema.safeParse({ 'terminal.fontSize': 12 }).success).toBe(true);
    expect(settingsPatchSchema.safeParse({ nope: 1 }).success).toBe(false);
  });
});
