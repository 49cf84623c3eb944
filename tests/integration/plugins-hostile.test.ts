import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginInfo } from '../../shared/contract/plugins';
import type { Envelope } from '../../shared/envelope';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

const example = path.resolve(import.meta.dirname, '../../plugins/examples/word-count');

/** Each hostile plugin's single command `attack` (or its load, for `loop-at-load`). */
const attacks: Record<string, string> = {
  'loop-in-command': `for (;;) {}`,
  redos: `return /(a+)+$/.test('a'.repeat(40) + 'b');`,
  'microtask-loop': `const again = () => Promise.resolve().then(again); again(); return new Promise(() => {});`,
  'array-bomb': `const a = []; for (;;) a.push({ n: a.length });`,
  'string-bomb': `const parts = []; for (;;) parts.push('x'.repeat(1 << 20) + parts.length);`,
  'typed-array-bomb': `const t = []; for (;;) t.push(new Uint8Array(1 << 24));`,
  'object-bomb': `const o = {}; for (let i = 0; ; i++) o['key' + i] = { i };`,
  'oom-retry': `const keep = []; for (;;) { try { keep.push(new Array(1e6).fill(1)); } catch (error) { keep.length = 0; } }`,
  recursion: `const deeper = (n) => deeper(n + 1) + 1; return deeper(0);`,
  'invoke-flood': `for (let i = 0; i < 100000; i++) localbrain.invoke({ type: 'WorkspaceList', data: {} }); return 'sent';`,
  'prototype-pollution': `Object.prototype.polluted = 'yes';
    Array.prototype.map = () => { throw new Error('polluted map'); };
    JSON.stringify = () => '{"type":"StorageRekey","data":{}}';
    const raw = JSON.parse('{"type":"FileOperation","data":{"op":{"kind":"read"},"path":"docs/guide.md","__proto__":{"polluted":true}}}');
    return localbrain.invoke(raw);`,
  reentrant: `return localbrain.invoke({ type: 'PluginRun', data: { id: 'reentrant', command: 'attack' } });`,
  'late-reply': `return localbrain.invoke({ type: 'TerminalCommand', data: { cmd: 'sleep', args: ['8'] } });`,
};

function manifestFor(id: string) {
  return {
    id,
    name: id,
    version: '1.0.0',
    engine: '*',
    entry: 'index.js',
    permissions: [
      { message: 'FileOperation', ops: ['read'], paths: ['docs/**'] },
      { message: 'WorkspaceList' },
      { message: 'TerminalCommand', commands: [{ cmd: 'sleep', args: ['8'] }] },
    ],
    contributes: { commands: [{ id: 'attack', title: 'Attack' }] },
  };
}

async function install(dataDir: string, id: string, source: string): Promise<void> {
  const folder = path.join(dataDir, 'plugins', id);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'localbrain-plugin.json'), JSON.stringify(manifestFor(id)));
  await writeFile(path.join(folder, 'index.js'), source);
}

/** The other client's view during an attack: request latencies and main's event-loop delay. */
interface Responsiveness {
  readonly p99Ms: number;
  readonly samples: number;
  readonly loopMaxMs: number;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

describe('hostile plugins leave the app answering', { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  let client: WsClient;
  let other: WsClient;
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;

  const run = (id: string, command = 'attack', args?: unknown) =>
    client.request({ type: 'PluginRun', data: { id, command, ...(args === undefined ? {} : { args }) } });

  /** Runs `attack` while another client keeps asking for something cheap, then reads main's event-loop delay. */
  async function measured<T>(attack: () => Promise<T>): Promise<{ result: T; seen: Responsiveness }> {
    await other.request({ type: 'HealthReport', data: {} }); // resets the event-loop histogram
    const latencies: number[] = [];
    const state = { attacking: true };
    const pinging = (async () => {
      while (state.attacking) {
        const started = performance.now();
        await other.request({ type: 'WorkspaceList', data: {} });
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    let result: T;
    try {
      result = await attack();
    } finally {
      state.attacking = false;
      await pinging;
    }
    const health = await other.request({ type: 'HealthReport', data: {} });
    if (!health.ok) throw new Error(health.error.message);
    return {
      result,
      seen: { p99Ms: p99(latencies), samples: latencies.length, loopMaxMs: health.value.eventLoopDelay?.maxMs ?? Infinity },
    };
  }

  /**
   * The bound is 50 ms for both. On a machine already busy with other work the
   * same measurement without any plugin shows its own stalls, so those are added to the
   * bound: a plugin that blocked main for even a tenth of a second still fails this.
   */
  let quiet: Responsiveness;
  function expectAnswering(seen: Responsiveness): void {
    expect(seen.p99Ms).toBeLessThan(50 + quiet.p99Ms);
    expect(seen.loopMaxMs).toBeLessThan(50 + quiet.loopMaxMs);
  }

  async function stillWorks(): Promise<void> {
    expect(await run('word-count', 'count', { path: 'docs/guide.md' })).toEqual({ ok: true, value: { words: 6 } });
  }

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    await mkdir(path.join(workspace.path, 'docs'));
    await writeFile(path.join(workspace.path, 'docs', 'guide.md'), 'The guide has exactly six words.\n');
    await cp(example, path.join(dataDir.path, 'plugins', 'word-count'), { recursive: true });
    for (const [id, body] of Object.entries(attacks)) {
      await install(dataDir.path, id, `localbrain.commands.register('attack', async () => { ${body} });`);
    }
    await install(dataDir.path, 'loop-at-load', 'for (;;) {}');
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    client = await WsClient.connect(serve.wsUrl);
    other = await WsClient.connect(serve.wsUrl);
    for (const id of ['word-count', ...Object.keys(attacks)]) {
      const approved = await client.request({ type: 'PluginApprove', data: { id } });
      expect(approved).toMatchObject({ ok: true, value: { plugin: { state: 'enabled' } } });
    }
    ({ seen: quiet } = await measured(() => new Promise((resolve) => setTimeout(resolve, 1_000))));
  });

  afterAll(async () => {
    await other.close();
    await client.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  });

  const stopped = [
    'loop-in-command',
    'redos',
    'microtask-loop',
    'array-bomb',
    'string-bomb',
    'typed-array-bomb',
    'object-bomb',
    'oom-retry',
    'recursion',
  ];
  for (const id of stopped) {
    it(`${id}: the plugin is stopped, another client stays fast, other plugins work`, async () => {
      const { result, seen } = await measured(() => run(id));
      expect(result).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(Unavailable|Timeout)$/) as string } });
      expectAnswering(seen);
      await stillWorks();
    });
  }

  it('invoke-flood: 100,000 unawaited invokes are refused in the worker, not queued in main', async () => {
    const { seen } = await measured(() => run('invoke-flood'));
    expectAnswering(seen);
    const listed = await client.request({ type: 'PluginList', data: {} });
    if (!listed.ok) throw new Error(listed.error.message);
    const flood = listed.value.plugins.find((plugin: PluginInfo) => plugin.id === 'invoke-flood');
    // At most the burst plus what the rate allowed reached the router; the rest were refused in the worker.
    expect(flood?.stats.calls).toBeLessThan(1_000);
    await stillWorks();
  });

  it('prototype-pollution: a polluted guest realm changes nothing in main; a smuggled __proto__ key is refused', async () => {
    const { result } = await measured(() => run('prototype-pollution'));
    expect(result).toMatchObject({ ok: true, value: { ok: false, error: { code: 'ValidationFailed' } } });
    await stillWorks();
    const reply = (await client.request({ type: 'WorkspaceList', data: {} })) as Envelope<Record<string, unknown>>;
    expect(reply.ok && 'polluted' in reply.value).toBe(false);
  });

  it('reentrant: a plugin cannot call PluginRun (host → guest → host), so it cannot recurse', async () => {
    const { result } = await measured(() => run('reentrant'));
    expect(result).toMatchObject({ ok: true, value: { ok: false, error: { code: 'PermissionDenied' } } });
    await stillWorks();
  });

  it('late-reply: a command over its 5 s deadline is a Timeout, and the late host reply is dropped', async () => {
    const { result, seen } = await measured(() => run('late-reply'));
    expect(result).toMatchObject({ ok: false, error: { code: 'Timeout' } });
    expectAnswering(seen);
    await stillWorks();
  });

  it('loop-at-load: never starts, fails with the reason, and is disabled after 3 crashes in 60 s', async () => {
    const approved = await client.request({ type: 'PluginApprove', data: { id: 'loop-at-load' } });
    expect(approved.ok).toBe(true);
    let disabled: PluginInfo | undefined;
    const until = Date.now() + 30_000;
    while (!disabled && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const listed = await client.request({ type: 'PluginList', data: {} });
      const plugin = listed.ok
        ? listed.value.plugins.find((candidate: PluginInfo) => candidate.id === 'loop-at-load')
        : undefined;
      if (plugin?.state === 'disabled') disabled = plugin;
    }
    if (!disabled) throw new Error('loop-at-load was not disabled within 30 s');
    expect(disabled.stats.crashes).toBe(3);
    expect(disabled.error).toMatch(/3 crashes/);
    expect(disabled.recentErrors[0]?.message).toMatch(/ran longer than/);
    await stillWorks();
  });
});
