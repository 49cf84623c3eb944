import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderWatchers } from '../../../main/services/files/watchers';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';

describe('FolderWatchers', () => {
  it('a window watching a dozen folders raises no listener-leak warning, and closing it ends every watch', async () => {
    const workspace = await tempDir();
    const watchers = new FolderWatchers(capturingLogger().logger);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const window = testSender();
      for (let index = 0; index < 12; index += 1) {
        const folder = path.join(workspace.path, `f${index}`);
        await mkdir(folder);
        await watchers.add(window.sender, workspace.path, folder);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      expect(watchers.size).toBe(12);
      window.close();
      await expect.poll(() => watchers.size).toBe(0);
    } finally {
      process.off('warning', onWarning);
      await watchers.dispose();
      await workspace.remove();
    }
  });
});
