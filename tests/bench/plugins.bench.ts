import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { pino } from 'pino';
import { MemoryAuditSink } from '../../main/ports/audit';
import { Router } from '../../main/ipc/router';
import { generateDatabaseKey } from '../../main/services/keys/database-key';
import { PermissionsService } from '../../main/services/permissions/permissions-service';
import { PluginHost } from '../../main/services/plugins/plugin-host';
import { PluginSandbox, type SpawnWorker } from '../../main/services/plugins/sandbox';
import { quickjsWasmModule } from '../../main/services/plugins/wasm-module';
import { StorageDatabase } from '../../main/services/storage/database';
import { migrations } from '../../main/services/storage/migrations';
import type { Sender } from '../../main/ports/sender';
import { tempDir } from '../support/temp';
import type { BenchRow, BenchSuite } from './types';
import { formatMs, percentile, sortedCopy } from './stats';

/** The built worker, as the app runs it (`npm run bench` builds first when sources are newer). */
const builtWorker = path.resolve(import.meta.dirname, '../../out/main/plugin-worker.cjs');
const spawn: SpawnWorker = (options: WorkerOptions) => new Worker(builtWorker, options);
const logger = pino({ level: 'silent' });

const startSamples = 40;
const invokeBatches = 40;
const invokesPerBatch = 250;
const reloadSamples = 10;

function router(): Router {
  const routed = new Router({ audit: new MemoryAuditSink(), logger });
  routed.register('WorkspaceList', { run: () => ({ roots: [] }) });
  return routed;
}

const capability = { subject: 'plugin:bench', permissions: [{ message: 'WorkspaceList' }] };

async function startTimes(): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < startSamples; index += 1) {
    const started = performance.now();
    const sandbox = await PluginSandbox.start({
      pluginId: 'bench',
      source: `localbrain.commands.register('noop', () => null);`,
      entryName: 'index.js',
      wasmModule: quickjsWasmModule(),
      spawn,
      dispatch: () => Promise.resolve({ ok: true, value: null }),
      onFault: () => undefined,
    });
    times.push(performance.now() - started);
    await sandbox.dispose();
  }
  return sortedCopy(times);
}

/**
 * The floor under the same conditions: a bare worker thread that echoes each message
 * (no QuickJS, no router), answered one at a time and timed the same way.
 */
class PingPong {
  readonly #worker = new Worker(
    `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));`,
    { eval: true, execArgv: [] },
  );

  async gaps(count: number, into: number[]): Promise<void> {
    let last = performance.now();
    for (let index = 0; index < count; index += 1) {
      const echoed = new Promise((resolve) => this.#worker.once('message', resolve));
      this.#worker.postMessage({ type: 'WorkspaceList', data: {}, index });
      await echoed;
      const now = performance.now();
      into.push(now - last);
      last = now;
    }
  }

  async dispose(): Promise<void> {
    await this.#worker.terminate();
  }
}

/**
 * The guest awaits invokes one after another, so the time between two arrivals at the
 * router is one whole round trip: guest → worker → main → router → worker → guest. Each
 * batch is followed by a batch of the bare ping-pong, so both see the same machine.
 */
async function invokeRoundTrips(): Promise<{ invoke: number[]; floor: number[] }> {
  const routed = router();
  const gaps: number[] = [];
  const floor: number[] = [];
  let last: number | undefined;
  const sandbox = await PluginSandbox.start({
    pluginId: 'bench',
    source: `localbrain.commands.register('loop', async (n) => {
      for (let i = 0; i < n; i++) await localbrain.invoke({ type: 'WorkspaceList', data: {} });
      return n;
    });`,
    entryName: 'index.js',
    wasmModule: quickjsWasmModule(),
    spawn,
    // The bench's own calls stay under the in-flight and rate limits only if the bucket allows them: raise the rate, not the in-flight cap.
    limits: { invokesPerSecond: 1_000_000, invokeBurst: 1_000_000 },
    dispatch: (message, byteLength, closed) => {
      const now = performance.now();
      if (last !== undefined) gaps.push(now - last);
      last = now;
      const sender: Sender = { actor: 'plugin:bench', capability, emit: () => undefined, closed };
      return routed.dispatch(message, sender, { byteLength });
    },
    onFault: (kind, reason) => {
      throw new Error(`bench plugin faulted: ${kind} ${reason}`);
    },
  });
  const pingPong = new PingPong();
  await sandbox.run('loop', 2_000); // warm-up
  await pingPong.gaps(2_000, []);
  gaps.length = 0;
  for (let batch = 0; batch < invokeBatches; batch += 1) {
    last = undefined;
    await sandbox.run('loop', invokesPerBatch);
    await pingPong.gaps(invokesPerBatch - 1, floor);
  }
  await sandbox.dispose();
  await pingPong.dispose();
  return { invoke: sortedCopy(gaps), floor: sortedCopy(floor) };
}

async function reloadTimes(): Promise<number[]> {
  const data = await tempDir();
  const dev = await tempDir();
  const database = StorageDatabase.open({ file: path.join(data.path, 'bench.db'), keys: [generateDatabaseKey()], migrations });
  const routed = router();
  const host = new PluginHost({
    dataDir: data.path,
    dispatch: (message, sender, options) => routed.dispatch(message, sender, options),
    permissions: new PermissionsService(),
    storage: database,
    logger,
    version: 'dev',
    devDirs: [dev.path],
    spawn,
  });
  const manifest = { id: 'reload', name: 'Reload', version: '1.0.0', engine: '*', entry: 'index.js', permissions: [] };
  await mkdir(dev.path, { recursive: true });
  await writeFile(path.join(dev.path, 'localbrain-plugin.json'), JSON.stringify(manifest));
  await writeFile(path.join(dev.path, 'index.js'), `localbrain.commands.register('v', () => 0);`);
  const times: number[] = [];
  try {
    await host.start();
    for (let index = 1; index <= reloadSamples; index += 1) {
      const reloaded = new Promise<void>((resolve) => {
        const off = host.onEvent((event) => {
          if (event.type !== 'reloaded') return;
          off();
          resolve();
        });
      });
      const started = performance.now();
      await writeFile(path.join(dev.path, 'index.js'), `localbrain.commands.register('v', () => ${index});`);
      await reloaded;
      times.push(performance.now() - started);
      if ((await host.run('reload', 'v', null)) !== index) throw new Error('the reloaded plugin runs old code');
    }
  } finally {
    await host.dispose();
    await database.close();
    await data.remove();
    await dev.remove();
  }
  return sortedCopy(times);
}

const suite: BenchSuite = {
  name: 'plugins',
  description:
    'A plugin worker from nothing to its script loaded (worker thread, QuickJS instance with fresh memory, warm-up, script), a plugin’s `localbrain.invoke` round trip through the router (guest → worker → main → router → back, measured between consecutive arrivals of an awaited loop; the router audits to memory) beside a bare worker-thread echo timed the same way in alternating batches, and a dev plugin’s hot reload from the file write to the new worker serving.',
  async run(): Promise<BenchRow[]> {
    if (!existsSync(builtWorker)) throw new Error('out/main/plugin-worker.cjs is missing: run `npm run build` first');
    const loadBefore = loadavg()[0] ?? Number.NaN;
    const start = await startTimes();
    const { invoke, floor } = await invokeRoundTrips();
    const reload = await reloadTimes();
    const startP95 = percentile(start, 95);
    const invokeP99 = percentile(invoke, 99);
    const floorP99 = percentile(floor, 99);
    const reloadMax = reload.at(-1) ?? Number.NaN;
    const loadAfter = loadavg()[0] ?? Number.NaN;
    return [
      {
        metric: `machine load (1-min load average, before / after; ${cpus().length} cores): other work competes for the CPU`,
        value: `${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}`,
      },
      { metric: `worker + context start p50 (${start.length} starts)`, value: formatMs(percentile(start, 50)) },
      { metric: 'worker + context start p95', value: formatMs(startP95), target: '< 250 ms', pass: startP95 < 250 },
      { metric: `plugin invoke round trip p50 (${invoke.length} calls)`, value: formatMs(percentile(invoke, 50)) },
      { metric: 'plugin invoke round trip p99', value: formatMs(invokeP99), target: '< 1 ms', pass: invokeP99 < 1 },
      {
        metric: `bare worker ping-pong p50 / p99, interleaved (${floor.length} echoes): the machine's floor`,
        value: `${formatMs(percentile(floor, 50))} / ${formatMs(floorP99)}`,
      },
      { metric: 'plugin invoke p99 ÷ bare ping-pong p99', value: (invokeP99 / floorP99).toFixed(2) },
      { metric: `hot reload p50 (${reload.length} reloads)`, value: formatMs(percentile(reload, 50)) },
      { metric: 'hot reload max', value: formatMs(reloadMax), target: '< 2 s', pass: reloadMax < 2_000 },
    ];
  },
};

export default suite;
