import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';

const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } } as const;
const floodFrames = 100_000;
/** The flooding client runs as its own process, so this one only measures the other client. */
const flooderScript = path.resolve(import.meta.dirname, '../support/flooder.mjs');

/** Resident memory of a process, from /proc (Linux), in bytes. */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe('a client flooding serve mode without reading its replies', () => {
  let fixture: ServeFixture;

  beforeAll(async () => {
    fixture = await startServeFixture();
  });

  afterAll(() => fixture.close());

  it('neither slows another client (p99 < 50 ms) nor grows the server by 300 MB, and gets Unavailable or closed', async () => {
    const { serve, client } = fixture;
    const pid = serve.child.pid ?? 0;
    // Warm up the other client's path (JIT, first audit batch), then measure it without a flood:
    // on a shared machine that is the noise floor the flood's effect is measured above.
    for (let index = 0; index < 50; index += 1) await client.request(help);
    const quiet: number[] = [];
    const quietUntil = performance.now() + 2_000;
    while (performance.now() < quietUntil || quiet.length < 100) {
      const started = performance.now();
      await client.request(help);
      quiet.push(performance.now() - started);
    }
    quiet.sort((a, b) => a - b);
    const quietP99 = percentile(quiet, 99);
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 50);

    const flooder = spawn(process.execPath, [flooderScript, serve.wsUrl, String(floodFrames)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let flooderOutput = '';
    flooder.stdout.on('data', (chunk: Buffer) => (flooderOutput += chunk.toString('utf8')));
    const floodDone = (async () => {
      while (!flooderOutput.includes('flooded\n') && flooder.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 20));
    })();

    const latencies: number[] = [];
    const measureUntil = performance.now() + 3_000;
    const flood = { done: false };
    void floodDone.then(() => (flood.done = true));
    while (!flood.done || performance.now() < measureUntil || latencies.length < 300) {
      const started = performance.now();
      const reply = await client.request(help);
      latencies.push(performance.now() - started);
      expect(reply.ok).toBe(true);
    }
    await floodDone;
    clearInterval(sampler);
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const growth = peak - baseline;
    console.log(
      `flood: other client p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (${latencies.length} requests; ` +
        `without the flood p50 ${percentile(quiet, 50).toFixed(2)} ms, p99 ${quietP99.toFixed(2)} ms); ` +
        `server RSS ${(baseline / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MiB`,
    );
    // The target is p99 < 50 ms. On a machine so loaded that a lone client's p99 is already past 10 ms,
    // the server's share of the CPU, not its fairness, sets the tail; there only a flood-sized delay
    // (seconds, as before fairness) fails.
    const machineQuiet = quietP99 < 10;
    if (!machineQuiet)
      console.log(`flood: the machine is loaded (p99 ${quietP99.toFixed(1)} ms without a flood); checking the relative bound`);
    expect(p99).toBeLessThan(machineQuiet ? 50 : 50 + 10 * quietP99);
    expect(growth).toBeLessThan(300 * 1024 * 1024);

    // Now read what the flooder was sent: refusals as "too many requests", or a close.
    flooder.stdin.write('read\n');
    await expect.poll(() => flooderOutput.split('\n').find((line) => line.startsWith('{')), { timeout: 30_000 }).toBeDefined();
    const outcome = JSON.parse(flooderOutput.split('\n').find((line) => line.startsWith('{')) ?? '{}') as {
      answered: number;
      tooMany: number;
      closed: boolean;
    };
    console.log(
      `flooder: ${outcome.answered} replies read, ${outcome.tooMany} "too many requests", closed: ${String(outcome.closed)}`,
    );
    expect(outcome.closed || outcome.tooMany > 0).toBe(true);

    // Nothing crashed: the server answers, and the refusals are in the audit log as a few aggregated entries.
    expect(serve.child.exitCode).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const refusals = await client.request({ type: 'AuditQuery', data: { type: 'RequestsRefused', limit: 500 } });
    expect(refusals.ok).toBe(true);
    const entries = refusals.ok ? refusals.value.entries : [];
    expect(entries.length).toBeGreaterThan(0);
    const refusedTotal = entries.reduce((sum, entry) => sum + Number(entry.summary.refused ?? 0), 0);
    expect(refusedTotal).toBeGreaterThan(entries.length * 10);
    await expect(client.request({ type: 'AuditVerify', data: {} })).resolves.toMatchObject({ ok: true, value: { ok: true } });
    flooder.kill();
  }, 120_000);
});
