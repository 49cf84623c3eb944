import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pino } from 'pino';
import type { HealthReport } from '../../shared/contract/health';
import { decodePtyDataFrame } from '../../shared/wire';
import { RecentMetrics } from '../../main/ipc/metrics';
import { HealthMonitor } from '../../main/services/health/monitor';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';
import { formatBytes, formatMs, percentile, sortedCopy } from './stats';
import type { BenchRow, BenchSuite } from './types';

const startRounds = 5;
const terminals = 10;
const linesPerTerminal = 10_000;
/** Issue 11: with 10 terminals of 10,000 lines each the heap stays under 100 MB. */
const heapTargetBytes = 100 * 1024 * 1024;
/** The monitor samples every 5 s; its cost is its CPU time per sample over that interval. */
const sampleIntervalMs = 5_000;
const costSamples = 200;

function median(values: readonly number[]): number {
  return sortedCopy(values)[Math.floor(values.length / 2)] ?? 0;
}

async function bareNodeStartMs(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("ready\\n")']);
  await once(child.stdout, 'data');
  const ms = performance.now() - started;
  await once(child, 'exit');
  return ms;
}

async function health(client: WsClient): Promise<HealthReport> {
  const reply = await client.request({ type: 'HealthReport', data: {} });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value;
}

/** Start to ready: spawning serve until it prints its URL (database opened, services started), beside a bare `node -e`. */
async function startToReady(rows: BenchRow[]): Promise<void> {
  const core: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < startRounds; round += 1) {
    bare.push(await bareNodeStartMs());
    const workspace = await tempDir();
    const dataDir = await tempDir();
    const started = performance.now();
    const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    core.push(performance.now() - started);
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  }
  rows.push({ metric: `bare \`node -e\` start to first output (median of ${startRounds})`, value: formatMs(median(bare)) });
  rows.push({
    metric: `serve core start to ready: database opened, services started, URL printed (median of ${startRounds})`,
    value: `${formatMs(median(core))} (${(median(core) / median(bare)).toFixed(1)}× bare node)`,
  });
}

/** Heap after start, and with 10 terminals that each printed 10,000 lines to an acknowledging client. */
async function heapWithTerminals(rows: BenchRow[]): Promise<void> {
  const workspace = await tempDir();
  const dataDir = await tempDir();
  const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
  const client = await WsClient.connect(serve.wsUrl);
  try {
    const idle = await health(client);
    rows.push({ metric: 'heap used after start', value: formatBytes(idle.memory.heapUsedBytes) });
    rows.push({ metric: 'RSS after start', value: formatBytes(idle.memory.rssBytes) });
    const sessions: string[] = [];
    for (let index = 0; index < terminals; index += 1) {
      const reply = await client.request({ type: 'PtySpawn', data: { cols: 120, rows: 40 } });
      if (!reply.ok) throw new Error(reply.error.message);
      sessions.push(reply.value.sessionId);
    }
    const done = new Set<string>();
    const received = new Map<string, string>();
    const decoder = new TextDecoder();
    client.socket.on('message', (data: Buffer, isBinary: boolean) => {
      // Terminal output comes as binary frames (main/transport/pty-frame.ts); replies and other events are JSON.
      const output = isBinary ? decodePtyDataFrame(data, decoder) : undefined;
      if (output === undefined) return;
      void client.request({ type: 'PtyAck', data: { sessionId: output.sessionId, bytes: output.data.length } });
      const tail = ((received.get(output.sessionId) ?? '') + output.data).slice(-64);
      received.set(output.sessionId, tail);
      if (tail.includes('BENCH-DONE-10')) done.add(output.sessionId);
    });
    for (const sessionId of sessions) {
      // Lines of about 80 characters, as a log or a build prints them; the marker is computed so the echo never matches.
      const command = `for i in $(seq 1 ${linesPerTerminal}); do printf '%06d %s\\n' $i 'the quick brown fox jumps over the lazy dog, again and again and again'; done; echo BENCH-DONE-$((5+5))\r`;
      await client.request({ type: 'PtyWrite', data: { sessionId, data: command } });
    }
    const deadline = Date.now() + 180_000;
    while (done.size < sessions.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const loaded = await health(client);
    const heap = loaded.memory.heapUsedBytes;
    rows.push({
      metric: `heap used with ${terminals} terminals × ${linesPerTerminal.toLocaleString('en-US')} lines (${done.size} finished)`,
      value: `${formatBytes(heap)}; scrollback held ${formatBytes(loaded.current.sessions.scrollbackBytes)}`,
      target: '< 100 MB',
      pass: heap < heapTargetBytes && done.size === sessions.length,
    });
    rows.push({ metric: `RSS with ${terminals} terminals`, value: formatBytes(loaded.memory.rssBytes) });
  } finally {
    await client.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  }
}

/** The monitor's own cost: CPU time per sample (with the probes a core gives it), as a share of one core at one sample per 5 s. */
async function monitorCost(rows: BenchRow[]): Promise<void> {
  const recent = new RecentMetrics();
  for (let index = 0; index < 2_000; index += 1)
    recent.record(`Type${index % 30}`, index % 97 === 0 ? 'Timeout' : 'ok', index % 50);
  const monitor = new HealthMonitor({
    logger: pino({ level: 'silent' }),
    intervalMs: 3_600_000,
    probes: {
      sessions: () => ({ count: 10, scrollbackBytes: 5_000_000 }),
      watchers: () => 3,
      audit: () => ({ backlog: 0, lastFlushAt: Date.now(), lastCheckpointAt: Date.now() }),
      storageBytes: () => Promise.resolve({ databaseBytes: 1, walBytes: 1 }),
      recent: () => recent.snapshot(),
      messageCount: () => 2_000,
    },
  });
  monitor.start();
  try {
    const cpu: number[] = [];
    for (let index = 0; index < costSamples; index += 1) {
      const before = process.cpuUsage();
      await monitor.sample();
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
    }
    const perSample = median(cpu);
    const share = perSample / sampleIntervalMs;
    rows.push({
      metric: `health monitor: CPU per sample (median of ${costSamples}; p99 ${formatMs(percentile(sortedCopy(cpu), 99))})`,
      value: formatMs(perSample),
    });
    rows.push({
      metric: 'health monitor: share of one core at one sample per 5 s',
      value: `${(share * 100).toFixed(3)} %`,
      target: '< 0.5 %',
      pass: share < 0.005,
    });
  } finally {
    monitor.stop();
  }
}

const suite: BenchSuite = {
  name: 'runtime',
  description:
    'The runtime: serve mode from spawn to its URL line beside a bare `node -e`; heap after start and with 10 terminals that each printed 10,000 lines of ~80 characters to an acknowledging WebSocket client; and the health monitor’s own CPU per sample at its 5 s interval.',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    await startToReady(rows);
    await heapWithTerminals(rows);
    await monitorCost(rows);
    return rows;
  },
};

export default suite;
