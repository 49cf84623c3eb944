import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkspaceStore } from '../../../main/services/workspace/roots';
import { generateDatabaseKey } from '../../../main/services/keys/database-key';
import { fixedKeyStore } from '../../../main/services/keys/key-store';
import { ptySettingsFrom, SettingsWorkspaceStore } from '../../../main/services/settings/adapters';
import { Storage } from '../../../main/services/storage/storage';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';

let dir: { path: string; remove: () => Promise<void> };
let storage: Storage;
const key = generateDatabaseKey();
const { logger } = capturingLogger();

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
    storage.settings.update({ 'terminal.maxSessions': 4, 'terminal.defaultShell': '/bin/zsh' });
    expect(read()).toEqual({ maxSessions: 4, defaultShell: '/bin/zsh' });
  });

  it('keeps workspace roots in the encrypted database across a reopen', async () => {
    const store: WorkspaceStore = new SettingsWorkspaceStore(storage.settings);
    await store.save(['/home/a/one', '/home/a/two']);
    await storage.dispose();
    storage = await Storage.open({ dataDir: dir.path, keyStore: fixedKeyStore(key, 'env'), logger });
    await expect(new SettingsWorkspaceStore(storage.settings).load()).resolves.toEqual(['/home/a/one', '/home/a/two']);
  });
});
