import type { HealthReport } from '../../shared/contract/health';
import type { Handler, Router } from '../ipc/router';

export function healthReportHandler(
  router: Router,
  info: { version: string; transport: HealthReport['transport'] },
): Handler<'HealthReport'> {
  const startedAt = performance.now();
  return {
    run: () => {
      const memory = process.memoryUsage();
      return {
        version: info.version,
        transport: info.transport,
        uptimeMs: performance.now() - startedAt,
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        messages: router.metrics.snapshot(),
      };
    },
  };
}
