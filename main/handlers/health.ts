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
      return {
        version: info.version,
        transport: info.transport,
        uptimeMs: performance.now() - startedAt,
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        messages: router.metrics.snapshot(),
        current: await monitor.current(),
        history: [...monitor.history()],
        warnings: [...monitor.warnings()],
        services: registry.states(),
      };
    },
  };
}
