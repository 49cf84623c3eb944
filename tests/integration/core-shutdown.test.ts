import { describe, expect, it } from 'vitest';
import { testSender } from '../support/sender';
import { tempDir } from '../support/temp';
import { serveCore } from '../support/core';

/** Handles and requests by type, as libuv sees them. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

function grown(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const more: Record<string, number> = {};
  for (const [type, count] of after) if (count > (before.get(type) ?? 0)) more[type] = count - (before.get(type) ?? 0);
  return more;
}

describe('core shutdown', () => {
  it('leaves no timer, handle, watcher or PTY once the core is disposed', async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    const { sender } = testSender();
    try {
      // Settle anything vitest itself has in flight before counting.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const before = resources();
      const core = await serveCore(dataDir.path, [workspace.path]);
      for (let index = 0; index < 3; index += 1) {
        expect(await core.router.dispatch({ type: 'PtySpawn', data: { cols: 80, rows: 24 } }, sender)).toMatchObject({
          ok: true,
        });
      }
      expect(await core.router.dispatch({ type: 'FileWatch', data: { path: '.' } }, sender)).toMatchObject({ ok: true });
      expect(await core.router.dispatch({ type: 'HealthReport', data: {} }, sender)).toMatchObject({ ok: true });
      expect(Object.keys(grown(before, resources())).length).toBeGreaterThan(0);

      const report = await core.dispose();
      expect(report.forced).toBe(false);
      // Reverse start order: what depends on the rest stops first, storage last (its final audit entries land).
      expect(report.services.map((service) => service.name)).toEqual([
        'plugins',
        'updates',
        'health-monitor',
        'session-layout',
        'terminals',
        'files',
        'dispatcher',
        'storage',
      ]);
      // Closing handles finish on the next turns of the loop.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(grown(before, resources())).toEqual({});
      expect(core.services.states().every((service) => service.state === 'stopped')).toBe(true);
    } finally {
      await workspace.remove();
      await dataDir.remove();
    }
  });
});
