import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../shared/envelope';
import type { FaultKind } from '../../../main/services/plugins/protocol';
import { PluginSandbox, type SandboxOptions } from '../../../main/services/plugins/sandbox';
import { quickjsWasmModule } from '../../../main/services/plugins/wasm-module';
import { spawnSourceWorker } from '../../support/plugin-worker';

const started: PluginSandbox[] = [];

async function sandbox(source: string, overrides: Partial<SandboxOptions> = {}) {
  const faults: { kind: FaultKind; reason: string }[] = [];
  const invoked: unknown[] = [];
  const box = await PluginSandbox.start({
    pluginId: 'test',
    source,
    entryName: 'index.js',
    wasmModule: quickjsWasmModule(),
    spawn: spawnSourceWorker,
    // tsx compiles the worker on start; generous under a loaded CI machine.
    startDeadlineMs: 30_000,
    dispatch: (message): Promise<Envelope<unknown>> => {
      invoked.push(message);
      return Promise.resolve({ ok: true, value: { echoed: message } });
    },
    onFault: (kind, reason) => faults.push({ kind, reason }),
    ...overrides,
  });
  started.push(box);
  return { box, faults, invoked };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((box) => box.dispose()));
});

// Each test starts a worker from TypeScript source (tsx), seconds on a loaded machine.
describe('PluginSandbox', { timeout: 60_000 }, () => {
  it('runs a registered command that awaits localbrain.invoke', async () => {
    const { box, invoked } = await sandbox(`
      localbrain.commands.register('echo', async (args) => {
        const reply = await localbrain.invoke({ type: 'HealthReport', data: {} });
        return { args, reply };
      });
    `);
    expect([...box.commands]).toEqual(['echo']);
    await expect(box.run('echo', { n: 1 })).resolves.toEqual({
      args: { n: 1 },
      reply: { ok: true, value: { echoed: { type: 'HealthReport', data: {} } } },
    });
    expect(invoked).toEqual([{ type: 'HealthReport', data: {} }]);
  });

  it('offers no require, process, fetch, timers or dynamic import of fs', async () => {
    const { box } = await sandbox(`
      localbrain.commands.register('probe', async () => ({
        require: typeof require, process: typeof process, fetch: typeof fetch, setTimeout: typeof setTimeout,
        WebAssembly: typeof WebAssembly,
        fs: await import('fs').then(() => 'loaded', (error) => String(error)),
      }));
    `);
    const probe = (await box.run('probe', null)) as Record<string, string>;
    expect(probe).toMatchObject({
      require: 'undefined',
      process: 'undefined',
      fetch: 'undefined',
      setTimeout: 'undefined',
      WebAssembly: 'undefined',
    });
    expect(probe.fs).toMatch(/could not load module/);
  });

  it('stops a CPU loop in a command at its deadline and reports a cpu fault', async () => {
    const { box, faults } = await sandbox(`localbrain.commands.register('spin', () => { for (;;) {} });`);
    await expect(box.run('spin', null)).rejects.toMatchObject({ code: 'Unavailable' });
    expect(faults).toEqual([{ kind: 'cpu', reason: expect.stringContaining('ran longer than') as string }]);
    expect(box.stopped).toBe(true);
  });

  it('holds a command past its wall-clock deadline only while its deadline is paused (a plugin ask waiting for the person)', async () => {
    const source = `localbrain.commands.register('wait', async () => (await localbrain.invoke({ type: 'WorkspaceList', data: {} })).ok);`;
    const slowReply = (ms: number, pause?: () => () => void) => (): Promise<Envelope<unknown>> => {
      const resume = pause?.();
      return new Promise((resolve) =>
        setTimeout(() => {
          resume?.();
          resolve({ ok: true, value: null });
        }, ms),
      );
    };
    const holder: { box?: PluginSandbox } = {};
    const held = await sandbox(source, {
      runDeadlineMs: 300,
      dispatch: slowReply(900, () => holder.box?.pauseDeadline() ?? (() => undefined)),
    });
    holder.box = held.box;
    await expect(held.box.run('wait', null)).resolves.toBe(true);
    expect(held.faults).toEqual([]);
    expect(held.box.running).toBe(0);

    const unpaused = await sandbox(source, { runDeadlineMs: 300, dispatch: slowReply(900) });
    await expect(unpaused.box.run('wait', null)).rejects.toMatchObject({ code: 'Timeout' });
    expect(unpaused.faults).toEqual([{ kind: 'deadline', reason: expect.stringContaining('wait') as string }]);
  });

  it('refuses to start a plugin that loops while loading', async () => {
    await expect(
      PluginSandbox.start({
        pluginId: 'loop',
        source: 'for (;;) {}',
        entryName: 'index.js',
        wasmModule: quickjsWasmModule(),
        spawn: spawnSourceWorker,
        startDeadlineMs: 30_000,
        dispatch: () => Promise.resolve({ ok: true, value: null }),
        onFault: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'Unavailable' });
  });
});
