import type { Logger } from 'pino';
import type { SettingsService } from '../settings/settings-service';
import type { AuditLog } from './audit-log';

/** How often retention runs while the app stays open; a day's granularity matches a setting counted in days. */
const retentionIntervalMs = 6 * 60 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

/** Prunes the audit log to `audit.retentionDays` at start, when the setting changes, and every few hours. */
export class RetentionScheduler {
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly audit: AuditLog,
    private readonly settings: SettingsService,
    private readonly logger: Logger,
  ) {
    this.run();
    this.#timer = setInterval(() => this.run(), retentionIntervalMs);
    this.#timer.unref();
    this.#unsubscribe = settings.onChange((key) => {
      if (key === 'audit.retentionDays') this.run();
    });
  }

  run(now = Date.now()): number {
    const days = this.settings.get('audit.retentionDays');
    if (days === 0) return 0;
    try {
      const { removed } = this.audit.prune(now - days * dayMs, now);
      if (removed > 0) this.logger.info({ removed, days }, 'audit entries past retention pruned');
      return removed;
    } catch (error) {
      this.logger.error({ err: error }, 'audit retention failed');
      return 0;
    }
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.#unsubscribe();
  }
}
