import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HealthReport } from '../../shared/contract/health';
import type { Handler, Router } from '../ipc/router';
import type { HealthMonitor } from '../services/health/monitor';
import type { ServiceRegistry } from '../services/runtime/service-registry';

export function healthReportHandler(
  router: Router,
  monitor: HealthMonitor,
  registry: ServiceRegistry,
  info: { version: string; transport: HealthReport['transport'] },
): Handler<'HealthReport'> {
  const startedAt = performance.now();
  // 10 ms resolution: fine enough to see a 50 ms stall, cheap enough to leave on.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  return {
    run: async () => {
      const memory = process.memoryUsage();
      // Nanoseconds to milliseconds; an empty histogram (no sample yet) reads as 0, not NaN.
      const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
      const eventLoopDelay = { maxMs: ms(loop.max), p99Ms: ms(loop.percentile(99)), meanMs: ms(loop.mean) };
      loop.reset();
      return {
        eventLoopDelay,
        version: info.version,
        transport: info.transport,
        uptimeMs: performance.now() - startedAt,
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        messages: router.metrics.snapshot(),
        // The last minute per type is cheap to read and most useful live; the rest is as of the last sample.
        current: { ...(await monitor.current()), recent: router.metrics.recent.snapshot() },
        history: [...monitor.history()],
        warnings: [...monitor.warnings()],
        services: registry.states(),
      };
    },
  };
}
