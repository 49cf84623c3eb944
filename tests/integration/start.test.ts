import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';

const startScript = path.resolve(import.meta.dirname, '../../scripts/start.mjs');

describe('npm start without the Electron binary', () => {
  it('says so plainly, points to serve mode and exits non-zero without trying a download', async () => {
    const empty = await tempDir();
    // Electron's own override variable points at a folder with no binary: the same state as a skipped download.
    const result = spawnSync(process.execPath, [startScript], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty.path },
      encoding: 'utf8',
      timeout: 30_000,
    });
    await empty.remove();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the Electron binary is not installed');
    expect(result.stderr).toContain('npm run serve -- --data-dir');
    expect(result.stdout).not.toContain('Downloading');
  });
});
