import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createCore } from '../../main/core';
import { generateDatabaseKey } from '../../main/services/keys/database-key';
import { fixedKeyStore } from '../../main/services/keys/key-store';
import { tempDir } from '../support/temp';
import { testSender } from '../support/sender';

const logger = pino({ level: 'silent' });

describe('granted workspace roots', () => {
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];
  afterAll(async () => {
    for (const folder of folders) await folder.remove();
  });

  it('persist in the encrypted database across restarts, and a revoke persists too', async () => {
    const dataDir = await tempDir();
    const picked = await tempDir();
    const given = await tempDir();
    folders.push(dataDir, picked, given);
    const keyStore = fixedKeyStore(generateDatabaseKey(), 'env');
    const { sender } = testSender();
    const start = (workspaces: string[]) =>
      createCore({
        dataDir: dataDir.path,
        workspaces,
        logger,
        transport: 'electron',
        version: 'test',
        keyStore,
        pickFolder: () => Promise.resolve(picked.path),
      });

    const first = await start([given.path]);
    try {
      expect(await first.router.dispatch({ type: 'WorkspaceGrant', data: {} }, sender)).toMatchObject({
        ok: true,
        value: { root: { path: picked.path } },
      });
    } finally {
      await first.dispose();
    }

    // Started again without --workspace: the folder picked in the dialog is still granted; the one given on the command line is not.
    const second = await start([]);
    try {
      expect(await second.router.dispatch({ type: 'WorkspaceList', data: {} }, sender)).toEqual({
        ok: true,
        value: { roots: [{ path: picked.path, name: expect.any(String) as unknown }] },
      });
      // Settings are no way to the roots: neither shown nor writable there.
      const settings = await second.router.dispatch({ type: 'SettingsGet', data: {} }, sender);
      expect(settings.ok).toBe(true);
      expect(JSON.stringify(settings)).not.toContain('workspace.roots');
      expect(await second.router.dispatch({ type: 'WorkspaceRevoke', data: { path: picked.path } }, sender)).toMatchObject({
        ok: true,
        value: { revoked: true },
      });
    } finally {
      await second.dispose();
    }

    const third = await start([]);
    try {
      const after = await third.router.dispatch({ type: 'WorkspaceList', data: {} }, sender);
      expect(after).toMatchObject({ ok: true, value: { roots: [] } });
    } finally {
      await third.dispose();
    }
  });
});
