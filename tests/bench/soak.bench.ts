import { decodePtyDataFrame } from '../../shared/wire';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HealthReport, HealthSample } from '../../shared/contract/health';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';
import { formatBytes, percentile, sortedCopy } from './stats';
import type { BenchRow, BenchSuite } from './types';

/** Issue 11: ten minutes; `LOCALBRAIN_SOAK_MINUTES` shortens it for a quick look. */
const minutes = Number(process.env.LOCALBRAIN_SOAK_MINUTES ?? '10');
const clients = 10;
/** The first minute warms caches and JIT; slopes are fitted to what follows. */
const warmupMs = 60_000;
const mebibyte = 1024 * 1024;

/** Least-squares slope of (minutes, MB). */
function slopePerMinute(points: readonly { time: number; value: number }[]): number {
  if (points.length < 2) return 0;
  const xs = points.map((point) => point.time / 60_000);
  const ys = points.map((point) => point.value / mebibyte);
  const meanX = xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / ys.length;
  let numerator = 0;
  let denominator = 0;
  xs.forEach((x, index) => {
    numerator += (x - meanX) * ((ys[index] ?? 0) - meanY);
    denominator += (x - meanX) ** 2;
  });
  return denominator === 0 ? 0 : numerator / denominator;
}

/** One client's mixed work, until `stop`: a streaming terminal, file operations, voice commands, health reports. */
async function work(client: WsClient, index: number, stop: () => boolean): Promise<number> {
  let requests = 0;
  const spawned = await client.request({ type: 'PtySpawn', data: { cols: 100, rows: 30 } });
  if (!spawned.ok) throw new Error(spawned.error.message);
  const { sessionId } = spawned.value;
  const decoder = new TextDecoder();
  client.socket.on('message', (data: Buffer, isBinary: boolean) => {
    // Terminal output comes as binary frames (main/transport/pty-frame.ts); replies and other events are JSON.
    const output = isBinary ? decodePtyDataFrame(data, decoder) : undefined;
    if (output?.sessionId === sessionId) void client.request({ type: 'PtyAck', data: { sessionId, bytes: output.data.length } });
  });
  // A terminal that keeps printing, as a build or a log tail does.
  await client.request({
    type: 'PtyWrite',
    data: { sessionId, data: 'while true; do date; seq 1 50; sleep 0.2; done\r' },
  });
  const file = `soak-${index}.txt`;
  let round = 0;
  while (!stop()) {
    round += 1;
    await client.request({
      type: 'FileOperation',
      data: { op: { kind: 'write', content: `round ${round}\n`.repeat(20) }, path: file },
    });
    await client.request({ type: 'FileOperation', data: { op: { kind: 'read' }, path: file } });
    await client.request({ type: 'FileOperation', data: { op: { kind: 'list' }, path: '.' } });
    await client.request({ type: 'FileOperation', data: { op: { kind: 'stat' }, path: file } });
    await client.request({
      type: 'VoiceCommand',
      data: { text: round % 2 ? 'list files' : 'help', metadata: { source: 'keyboard' } },
    });
    await client.request({ type: 'HealthReport', data: {} });
    requests += 6;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return requests;
}

const suite: BenchSuite = {
  name: 'soak',
  explicitOnly: true,
  findings: [
    "What the soak found on 2 December 2026. Every voice command leaked its plan's sender: `AbortSignal.any` keeps a combined signal with listeners alive until it aborts, and a plan's never does, so the heap grew 12.5–12.9 MB/min (heap snapshots 100 s apart: 1,260 more AbortControllers, Timeouts and router closures, one per voice command). With the derived sender following its parent through weak references (main/ports/sender.ts) the same soak grew 1.3 MB/min over 3 minutes, 0.34 MB/min over 4 and 2.47 MB/min over 10 (the table). Snapshots of that run 140 s apart show the live heap growing about 0.5 MB/min, most of it terminal output: each of the 10 terminals prints about 750 characters a second into a scrollback bounded at 256 Ki characters (5 MB in all), full after about 11 minutes; the rest of the monitor's slope is garbage not yet collected when it samples `heapUsed`.",
  ].join('\n'),
  description:
    'A mixed soak over serve mode (`npm run bench -- soak`): 10 clients, each with a terminal printing continuously (acknowledged), file writes, reads, lists and stats, voice commands and health reports, for 10 minutes. Heap and RSS slopes are least-squares fits to the health monitor’s samples after the first minute; loop delay is the monitor’s per-5 s p99.',
  async run(): Promise<BenchRow[]> {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    await writeFile(path.join(workspace.path, 'README.md'), '# soak\n');
    const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    const connections = await Promise.all(Array.from({ length: clients }, () => WsClient.connect(serve.wsUrl)));
    const durationMs = minutes * 60_000;
    const began = Date.now();
    const stop = () => Date.now() - began >= durationMs;
    try {
      const counts = await Promise.all(connections.map((client, index) => work(client, index, stop)));
      const reply = await connections[0]?.request({ type: 'HealthReport', data: {} });
      if (!reply?.ok) throw new Error('no health report');
      const report: HealthReport = reply.value;
      const samples: HealthSample[] = report.history.filter((sample) => sample.time - began >= warmupMs);
      const heapSlope = slopePerMinute(samples.map((sample) => ({ time: sample.time - began, value: sample.heapUsedBytes })));
      const rssSlope = slopePerMinute(samples.map((sample) => ({ time: sample.time - began, value: sample.rssBytes })));
      const loopP99s = sortedCopy(samples.map((sample) => sample.loopDelayP99Ms));
      const typicalLoopP99 = percentile(loopP99s, 50);
      const total = counts.reduce((sum, count) => sum + count, 0);
      return [
        {
          metric: `duration, clients, requests`,
          value: `${minutes} min, ${clients} clients, ${total.toLocaleString('en-US')} requests + terminal acks`,
        },
        {
          metric: 'heap slope after the first minute',
          value: `${heapSlope.toFixed(2)} MB/min`,
          target: '< 1 MB/min',
          pass: heapSlope < 1,
        },
        {
          metric: 'RSS slope after the first minute',
          value: `${rssSlope.toFixed(2)} MB/min`,
          target: '< 1 MB/min',
          pass: rssSlope < 1,
        },
        {
          metric: 'event-loop delay p99 per 5 s sample: median (p95, max)',
          value: `${typicalLoopP99.toFixed(1)} ms (${percentile(loopP99s, 95).toFixed(1)} ms, ${(loopP99s.at(-1) ?? 0).toFixed(1)} ms)`,
          target: '< 50 ms',
          pass: typicalLoopP99 < 50,
        },
        {
          metric: 'heap and RSS at the end',
          value: `${formatBytes(report.memory.heapUsedBytes)}, ${formatBytes(report.memory.rssBytes)}`,
        },
        { metric: 'warnings raised', value: report.warnings.map((warning) => warning.kind).join(', ') || 'none' },
      ];
    } finally {
      await Promise.all(connections.map((client) => client.close()));
      await serve.stop();
      await workspace.remove();
      await dataDir.remove();
    }
  },
};

export default suite;
