import { afterEach, describe, expect, it } from 'vitest';
import { RecentMetrics } from '../../../main/ipc/metrics';
import { HealthMonitor, type HealthProbes } from '../../../main/services/health/monitor';
import { capturingLogger } from '../../support/logger';

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Holding the event loop on purpose: the stall the monitor must see.
  }
}

const monitors: HealthMonitor[] = [];
afterEach(() => {
  for (const monitor of monitors.splice(0)) monitor.stop();
});

function monitorWith(
  probes: Partial<HealthProbes> = {},
  options: ConstructorParameters<typeof HealthMonitor>[0]['thresholds'] = {},
) {
  const { logger, lines } = capturingLogger();
  const recent = new RecentMetrics();
  const monitor = new HealthMonitor({
    logger,
    // Never fires within a test: samples are taken by hand.
    intervalMs: 3_600_000,
    thresholds: options,
    probes: { recent: () => recent.snapshot(), messageCount: () => 0, ...probes },
  });
  monitors.push(monitor);
  monitor.start();
  return { monitor, recent, lines };
}

describe('HealthMonitor', () => {
  it('samples loop delay, utilization, memory, resources, sessions and the audit backlog', async () => {
    const { monitor } = monitorWith({
      sessions: () => ({ count: 3, scrollbackBytes: 1234 }),
      watchers: () => 2,
      audit: () => ({ backlog: 5, lastFlushAt: 1, lastCheckpointAt: 2 }),
      storageBytes: () => Promise.resolve({ databaseBytes: 4096, walBytes: 512 }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sample = await monitor.sample();
    expect(sample.memory.heapUsedBytes).toBeGreaterThan(0);
    expect(sample.memory.rssBytes).toBeGreaterThan(sample.memory.heapUsedBytes / 2);
    expect(sample.eventLoop.utilization).toBeGreaterThanOrEqual(0);
    expect(sample.eventLoop.utilization).toBeLessThanOrEqual(1);
    expect(Object.keys(sample.resources).length).toBeGreaterThan(0);
    expect(sample.sessions).toEqual({ count: 3, scrollbackBytes: 1234 });
    expect(sample.watchers).toBe(2);
    expect(sample.audit).toEqual({ backlog: 5, lastFlushAt: 1, lastCheckpointAt: 2, databaseBytes: 4096, walBytes: 512 });
    expect(monitor.history()).toHaveLength(1);
  });

  it('a 300 ms stall raises one event-loop warning, in the log and the report, and clears after', async () => {
    const { monitor, lines } = monitorWith();
    await new Promise((resolve) => setTimeout(resolve, 30));
    busyWait(300);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stalled = await monitor.sample();
    expect(stalled.eventLoop.delayMaxMs).toBeGreaterThan(250);
    expect(monitor.warnings().map((warning) => warning.kind)).toEqual(['event-loop']);
    expect(lines().some((line) => line.health === 'event-loop' && line.level === 40)).toBe(true);
    // Still stalled next time: no second warning for the same crossing.
    busyWait(300);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await monitor.sample();
    expect(monitor.warnings()).toHaveLength(1);
  });

  it('over the heap budget it warns and runs each cleanup, reporting what they freed', async () => {
    const { monitor } = monitorWith({}, { heapBudgetBytes: () => 1024 });
    const ran: string[] = [];
    monitor.addCleanup('scrollback', () => {
      ran.push('scrollback');
      return '10 characters dropped';
    });
    monitor.addCleanup('broken', () => {
      throw new Error('nope');
    });
    await monitor.sample();
    expect(ran).toEqual(['scrollback']);
    const kinds = monitor.warnings().map((warning) => warning.kind);
    expect(kinds).toEqual(['heap', 'cleanup']);
    const cleanup = monitor.warnings().find((warning) => warning.kind === 'cleanup');
    expect(cleanup?.message).toMatch(/scrollback: 10 characters dropped; broken: failed \(nope\)/);
    // Cleanups have a cooldown: a heap still over budget does not scrub again at once.
    await monitor.sample();
    expect(ran).toEqual(['scrollback']);
  });

  it('warns when more than 0.1 % of the last minute failed inside LocalBrain, not for refusals', async () => {
    const { monitor, recent } = monitorWith();
    for (let index = 0; index < 1_000; index += 1) recent.record('FileOperation', 'ok', 1);
    for (let index = 0; index < 50; index += 1) recent.record('FileOperation', 'PermissionDenied', 1);
    await monitor.sample();
    expect(monitor.warnings()).toEqual([]);
    recent.record('FileOperation', 'Internal', 1);
    recent.record('FileOperation', 'Database', 1);
    await monitor.sample();
    expect(monitor.warnings().map((warning) => warning.kind)).toEqual(['error-rate']);
  });

  it('reports the loop delay since the last read, each read starting a new window, and nothing once stopped', async () => {
    const { monitor } = monitorWith();
    await new Promise((resolve) => setTimeout(resolve, 30));
    busyWait(150);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stalled = monitor.takeLoopDelaySinceLastRead();
    expect(stalled.maxMs).toBeGreaterThanOrEqual(100);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The stall belongs to the window already read.
    expect(monitor.takeLoopDelaySinceLastRead().maxMs).toBeLessThan(stalled.maxMs);
    monitor.stop();
    expect(monitor.takeLoopDelaySinceLastRead()).toEqual({ maxMs: 0, p99Ms: 0, meanMs: 0 });
  });

  it('keeps ten minutes of history at most', async () => {
    const { monitor } = monitorWith();
    for (let index = 0; index < 130; index += 1) await monitor.sample();
    expect(monitor.history()).toHaveLength(120);
  });

  it('stop() leaves no timer behind', () => {
    const { monitor } = monitorWith();
    expect(monitor.running).toBe(true);
    monitor.stop();
    expect(monitor.running).toBe(false);
  });
});

describe('RecentMetrics', () => {
  it('keeps the last minute per type with percentiles and the error share, and forgets older slots', () => {
    let now = 1_000_000_000;
    const recent = new RecentMetrics(() => now);
    for (let index = 1; index <= 100; index += 1) recent.record('PtyList', 'ok', index);
    recent.record('PtyList', 'Timeout', 1_000);
    const stats = recent.snapshot().PtyList;
    expect(stats?.count).toBe(101);
    expect(stats?.p50Ms).toBeGreaterThan(45);
    expect(stats?.p50Ms).toBeLessThan(56);
    expect(stats?.maxMs).toBe(1_000);
    expect(stats?.errors).toEqual({ Timeout: 1 });
    expect(stats?.errorRate).toBeCloseTo(1 / 101);
    now += 30_000;
    recent.record('PtyList', 'ok', 1);
    expect(recent.snapshot().PtyList?.count).toBe(102);
    now += 35_000;
    expect(recent.snapshot().PtyList?.count).toBe(1);
    now += 60_000;
    expect(recent.snapshot()).toEqual({});
  });
});
