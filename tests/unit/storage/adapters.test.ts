import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GrantedRootsStore } from '../../../main/services/workspace/granted-roots-store';
import { generateDatabaseKey } from '../../../main/services/keys/database-key';
import { fixedKeyStore } from '../../../main/services/keys/key-store';
import { ptySettingsFrom } from '../../../main/services/settings/adapters';
import { Storage } from '../../../main/services/storage/storage';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';

let dir: { path: string; remove: () => Promise<void> };
let storage: Storage;
const key = generateDatabaseKey();
const { logger, lines } = capturingLogger();

beforeEach(async () => {
  dir = await tempDir();
  storage = await Storage.open({ dataDir: dir.path, keyStore: fixedKeyStore(key, 'env'), logger });
});
afterEach(async () => {
  await storage.dispose();
  await dir.remove();
});

describe('settings adapters', () => {
  it('gives the PTY service the current session cap and shell at each call', () => {
    const read = ptySettingsFrom(storage.settings);
    expect(read()).toEqual({ maxSessions: 32 });
    storage.settings.update({ 'terminal.maxSessions': 4, 'terminal.defaultShell': '/bin/bash' });
    expect(read()).toEqual({ maxSessions: 4, defaultShell: '/bin/bash' });
  });

  it('checks the default shell again at each spawn: one no longer in /etc/shells falls back to the login shell, logged', () => {
    let listed: ReadonlySet<string> = new Set(['/bin/sh', '/bin/bash']);
    const read = ptySettingsFrom(storage.settings, logger, () => listed);
    storage.settings.update({ 'terminal.defaultShell': '/bin/bash' });
    expect(read()).toEqual({ maxSessions: 32, defaultShell: '/bin/bash' });
    listed = new Set(['/bin/sh']);
    expect(read()).toEqual({ maxSessions: 32 });
    expect(lines().some((line) => line.shell === '/bin/bash' && String(line.msg).includes('login shell instead'))).toBe(true);
  });

  it('keeps granted roots in the encrypted database across a reopen, outside the settings', async () => {
    await new GrantedRootsStore(storage.database, logger).save(['/home/a/one', '/home/a/two']);
    expect(Object.keys(storage.settings.all())).not.toContain('workspace.roots');
    await storage.dispose();
    storage = await Storage.open({ dataDir: dir.path, keyStore: fixedKeyStore(key, 'env'), logger });
    await expect(new GrantedRootsStore(storage.database, logger).load()).resolves.toEqual(['/home/a/one', '/home/a/two']);
  });

  it('drops roots an earlier LocalBrain kept in the writable workspace.roots setting', async () => {
    storage.database.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('workspace.roots', '["/etc"]', 1)`).run();
    const store = new GrantedRootsStore(storage.database, logger);
    await expect(store.load()).resolves.toEqual([]);
    expect(storage.database.db.prepare(`SELECT count(*) FROM settings WHERE key = 'workspace.roots'`).pluck().get()).toBe(0);
    expect(lines().some((line) => String(line.msg).includes('were dropped'))).toBe(true);
  });
});
