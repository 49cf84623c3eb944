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
  return {
    run: async () => {
      const memory = process.memoryUsage();
      const eventLoopDelay = monitor.takeLoopDelaySinceLastRead();
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
