import { defaultFlow } from '../../main/services/pty/flow';
import { tempDir } from '../support/temp';
import { measureInChromium } from './pty-chromium';
import { rawSpawnToFirstByte, rawThroughput, serviceRun, serviceThroughput } from './pty-throughput';
import { formatBytes, formatMs, formatRate, percentile, sortedCopy } from './stats';
import type { BenchRow, BenchSuite } from './types';

const producedBytes = 200 * 1024 * 1024;
/** Raw and service runs alternate, so drift on a shared machine hits both alike; the median of the ratios is reported. */
const rounds = 3;
/** How long the never-acknowledging receiver watches a `yes`. */
const neverAckMs = 2_000;

function median(values: readonly number[]): number {
  return sortedCopy(values)[Math.floor(values.length / 2)] ?? 0;
}

const suite: BenchSuite = {
  name: 'pty',
  description:
    'PTY output: 200 MB from a real PTY through PtyService (batching, UTF-8 decoding, scrollback, ack flow control) to a receiver that acknowledges on the next event-loop turn, beside raw node-pty reading the same producer, alternating in the same run; a receiver that never acknowledges; and over serve mode in Chromium, PtySpawn to first output and keypress to echo in xterm.js beside the same keypresses echoed by a bare WebSocket.',
  async run(): Promise<BenchRow[]> {
    const workspace = await tempDir();
    const rows: BenchRow[] = [];
    try {
      const raw: number[] = [];
      const service: number[] = [];
      for (let round = 0; round < rounds; round += 1) {
        const bare = await rawThroughput(producedBytes);
        raw.push(bare.received / bare.seconds);
        const through = await serviceThroughput(producedBytes, workspace.path);
        service.push(through.received / through.seconds);
      }
      const ratios = raw.map((rate, index) => (service[index] ?? 0) / rate);
      const ratio = median(ratios);
      rows.push({ metric: 'raw node-pty, 200 MB (median of 3)', value: formatRate(median(raw) / 1e6, 'MB') });
      rows.push({
        metric: 'through PtyService to an acknowledging receiver (median of 3)',
        value: formatRate(median(service) / 1e6, 'MB'),
      });
      rows.push({
        metric: 'service ÷ raw (median of per-round ratios)',
        value: `${ratio.toFixed(2)} (rounds: ${ratios.map((value) => value.toFixed(2)).join(', ')})`,
        target: '≥ 0.80',
        pass: ratio >= 0.8,
      });

      const never = await serviceRun(10 * 1024 * 1024 * 1024, workspace.path, false);
      await new Promise((resolve) => setTimeout(resolve, neverAckMs));
      const limit = defaultFlow.highWatermarkChars + defaultFlow.batchMaxChars;
      rows.push({
        metric: `never-acknowledging receiver, ${neverAckMs / 1000} s of \`yes\`: most main held (unacknowledged + batching)`,
        value: `${never.session.peakBufferedChars.toLocaleString('en-US')} chars (${formatBytes(never.session.peakBufferedChars)}); paused: ${String(never.session.paused)}`,
        target: `≤ ${limit.toLocaleString('en-US')} (high watermark + one batch)`,
        pass: never.session.peakBufferedChars <= limit,
      });
      await never.service.dispose();
    } finally {
      await workspace.remove();
    }

    const bareSpawn = sortedCopy(await rawSpawnToFirstByte(process.env.SHELL ?? '/bin/bash', 30));
    const chromium = await measureInChromium();
    const spawn = sortedCopy(chromium.spawnToFirstByteMs);
    const plain = sortedCopy(chromium.plainShellSpawnToFirstByteMs);
    const keys = sortedCopy(chromium.keyToEchoMs);
    const bare = sortedCopy(chromium.bareKeyToEchoMs);
    rows.push({
      metric: `Chromium/serve: PtySpawn → first output byte, p50 / p95 (${spawn.length} back-to-back spawns of the login shell; each takes the warm spare, which had only the previous spawn's time to start)`,
      value: `${formatMs(percentile(spawn, 50))} / ${formatMs(percentile(spawn, 95))}`,
      target: 'p95 < 300 ms',
      pass: percentile(spawn, 95) < 300,
    });
    rows.push({
      metric: `bare node-pty in this process, the same login shell: spawn → first output byte, p50 / p95 (${bareSpawn.length} spawns)`,
      value: `${formatMs(percentile(bareSpawn, 50))} / ${formatMs(percentile(bareSpawn, 95))}`,
    });
    rows.push({
      metric: `Chromium/serve: the same with /bin/sh (no rc files: LocalBrain's own share), p50 / p95 (${plain.length} spawns)`,
      value: `${formatMs(percentile(plain, 50))} / ${formatMs(percentile(plain, 95))}`,
    });
    rows.push({
      metric: `Chromium/serve: keypress → echo in the page, p50 / p95 (${keys.length} keys into xterm.js)`,
      value: `${formatMs(percentile(keys, 50))} / ${formatMs(percentile(keys, 95))}`,
      target: 'p95 < 20 ms',
      pass: percentile(keys, 95) < 20,
    });
    rows.push({
      metric: `Chromium: the same keypresses echoed by a bare WebSocket, p50 / p95 (${bare.length} keys)`,
      value: `${formatMs(percentile(bare, 50))} / ${formatMs(percentile(bare, 95))}`,
    });
    return rows;
  },
};

export default suite;
