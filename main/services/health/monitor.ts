import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { HealthSample, HealthSnapshot, HealthWarning, RecentTypeStats } from '../../../shared/contract/health';

/** Issue 11: sample every 5 s, off the request path. */
export const defaultSampleIntervalMs = 5_000;
/** 10 minutes of history at one sample per 5 s. */
const historyLength = 120;
/** Warnings kept for the Health view and diagnostics; older ones drop off. */
const maxWarnings = 50;
/** The delay histogram's resolution: fine enough to see a 20 ms stall, coarse enough to cost nothing. */
const loopResolutionMs = 10;
/** Cleanups on memory pressure run at most this often, so a heap that stays high is not scrubbed in a loop. */
const cleanupCooldownMs = 60_000;

export interface HealthThresholds {
  /** Issue 11: a loop p99 over 100 ms is a person-visible stutter. */
  readonly loopDelayP99Ms: number;
  /**
   * One freeze this long is visible too (a dropped keystroke echo), though among the ~500
   * delay samples of a 5 s interval it barely moves the p99.
   */
  readonly loopDelayMaxMs: number;
  /** The heap budget (the `health.heapBudgetMB` setting, default 100 MB). */
  readonly heapBudgetBytes: () => number;
  /** Issue 11: more than 0.1 % of replies failing for LocalBrain's own reasons. */
  readonly faultRate: number;
  /** Below this many messages in the last minute a rate is noise, not a trend. */
  readonly minMessagesForRate: number;
}

export const defaultThresholds: HealthThresholds = {
  loopDelayP99Ms: 100,
  loopDelayMaxMs: 250,
  heapBudgetBytes: () => 100 * 1024 * 1024,
  faultRate: 0.001,
  minMessagesForRate: 100,
};

/**
 * Codes that mean LocalBrain itself struggled. A refusal (PermissionDenied, ValidationFailed,
 * ConfirmationRequired, NotFound, Conflict) is the app doing its job and does not count.
 */
const faultCodes = new Set(['Internal', 'Database', 'Timeout', 'Io', 'Serialization', 'Unavailable']);

/** Figures the monitor reads from the services that own them; each is cheap and synchronous. */
export interface HealthProbes {
  readonly sessions?: () => { count: number; scrollbackBytes: number };
  readonly watchers?: () => number;
  readonly audit?: () => { backlog: number; lastFlushAt: number | null; lastCheckpointAt: number | null };
  /** Database and WAL sizes; may touch the disk, so it is awaited off the request path. */
  readonly storageBytes?: () => Promise<{ databaseBytes: number; walBytes: number }>;
  /** Per type over the last minute. */
  readonly recent: () => Record<string, RecentTypeStats>;
  /** Messages handled since start, for the per-second rate. */
  readonly messageCount: () => number;
}

/** Something that frees memory when the heap is over budget; returns what it did, for the report. */
export type Cleanup = () => string | Promise<string>;

export interface HealthMonitorOptions {
  readonly probes: HealthProbes;
  readonly logger?: Logger;
  readonly intervalMs?: number;
  readonly thresholds?: Partial<HealthThresholds>;
  readonly now?: () => number;
}

function ms(nanoseconds: number): number {
  return Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : 0;
}

function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/**
 * Watches the runtime: event-loop delay and utilization, memory, resources, sessions and the
 * audit backlog, every few seconds. It keeps a 10-minute history, raises warnings when a
 * threshold is crossed (once per crossing), and frees memory when the heap is over budget.
 */
export class HealthMonitor {
  readonly #probes: HealthProbes;
  readonly #logger: Logger | undefined;
  readonly #intervalMs: number;
  readonly #thresholds: HealthThresholds;
  readonly #now: () => number;
  readonly #history: HealthSample[] = [];
  readonly #warnings: HealthWarning[] = [];
  readonly #cleanups = new Map<string, Cleanup>();
  /** Conditions currently over their threshold, so each crossing warns once. */
  readonly #raised = new Set<string>();
  #loop: IntervalHistogram | undefined;
  /** The loop delay since the last HealthReport read it (a window the reader chooses, unlike the samples'). */
  #sinceReport: IntervalHistogram | undefined;
  #elu: EventLoopUtilization | undefined;
  #timer: NodeJS.Timeout | undefined;
  #latest: HealthSnapshot | undefined;
  #lastCount = 0;
  #lastSampleAt = 0;
  #lastCleanupAt = -Infinity;
  #sampling: Promise<HealthSnapshot> | undefined;

  constructor(options: HealthMonitorOptions) {
    this.#probes = options.probes;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? defaultSampleIntervalMs;
    this.#thresholds = { ...defaultThresholds, ...options.thresholds };
    this.#now = options.now ?? Date.now;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer) return;
    this.#loop = monitorEventLoopDelay({ resolution: loopResolutionMs });
    this.#loop.enable();
    this.#sinceReport = monitorEventLoopDelay({ resolution: loopResolutionMs });
    this.#sinceReport.enable();
    this.#elu = performance.eventLoopUtilization();
    this.#lastCount = this.#probes.messageCount();
    this.#lastSampleAt = this.#now();
    // Not unref'd: the registry stops the monitor, and a monitor left running is a leak to notice, not hide.
    this.#timer = setInterval(() => void this.sample(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#loop?.disable();
    this.#loop = undefined;
    this.#sinceReport?.disable();
    this.#sinceReport = undefined;
  }

  /**
   * Event-loop delay since the previous call (or since start), then starts a new window: what
   * a HealthReport shows as the delay since the last one. Zeros while the monitor is stopped.
   */
  takeLoopDelaySinceLastRead(): { maxMs: number; p99Ms: number; meanMs: number } {
    const loop = this.#sinceReport;
    if (!loop) return { maxMs: 0, p99Ms: 0, meanMs: 0 };
    const delay = { maxMs: ms(loop.max), p99Ms: ms(loop.percentile(99)), meanMs: ms(loop.mean) };
    loop.reset();
    return delay;
  }

  /** Registers a way to free memory under pressure; the returned function removes it. */
  addCleanup(name: string, cleanup: Cleanup): () => void {
    this.#cleanups.set(name, cleanup);
    return () => this.#cleanups.delete(name);
  }

  /** The latest sample (taking one if none was taken yet). */
  async current(): Promise<HealthSnapshot> {
    return this.#latest ?? (await this.sample());
  }

  history(): readonly HealthSample[] {
    return this.#history;
  }

  warnings(): readonly HealthWarning[] {
    return this.#warnings;
  }

  /** Takes one sample now; concurrent calls share it. */
  sample(): Promise<HealthSnapshot> {
    this.#sampling ??= this.#sample().finally(() => (this.#sampling = undefined));
    return this.#sampling;
  }

  async #sample(): Promise<HealthSnapshot> {
    const time = this.#now();
    const loop = this.#loop;
    const eventLoop = {
      delayP50Ms: loop ? ms(loop.percentile(50)) : 0,
      delayP99Ms: loop ? ms(loop.percentile(99)) : 0,
      delayMaxMs: loop ? ms(loop.max) : 0,
      utilization: this.#elu ? performance.eventLoopUtilization(this.#elu).utilization : 0,
    };
    loop?.reset();
    this.#elu = performance.eventLoopUtilization();
    const memory = process.memoryUsage();
    const count = this.#probes.messageCount();
    const seconds = Math.max(0.001, (time - this.#lastSampleAt) / 1000);
    const messagesPerSecond = Math.max(0, count - this.#lastCount) / seconds;
    this.#lastCount = count;
    this.#lastSampleAt = time;
    let storageBytes = { databaseBytes: 0, walBytes: 0 };
    try {
      storageBytes = (await this.#probes.storageBytes?.()) ?? storageBytes;
    } catch (error) {
      this.#logger?.debug({ err: error }, 'database size not available');
    }
    const audit = this.#probes.audit?.() ?? { backlog: 0, lastFlushAt: null, lastCheckpointAt: null };
    const snapshot: HealthSnapshot = {
      time,
      eventLoop,
      memory: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
        arrayBuffersBytes: memory.arrayBuffers,
      },
      resources: countResources(),
      sessions: this.#probes.sessions?.() ?? { count: 0, scrollbackBytes: 0 },
      watchers: this.#probes.watchers?.() ?? 0,
      audit: { ...audit, ...storageBytes },
      recent: this.#probes.recent(),
    };
    this.#latest = snapshot;
    this.#history.push({
      time,
      loopDelayP99Ms: eventLoop.delayP99Ms,
      loopDelayMaxMs: eventLoop.delayMaxMs,
      utilization: eventLoop.utilization,
      heapUsedBytes: memory.heapUsed,
      rssBytes: memory.rss,
      messagesPerSecond,
    });
    if (this.#history.length > historyLength) this.#history.splice(0, this.#history.length - historyLength);
    await this.#check(snapshot);
    return snapshot;
  }

  async #check(snapshot: HealthSnapshot): Promise<void> {
    const { eventLoop, memory, recent } = snapshot;
    this.#threshold(
      'event-loop',
      eventLoop.delayP99Ms > this.#thresholds.loopDelayP99Ms || eventLoop.delayMaxMs > this.#thresholds.loopDelayMaxMs,
      `The event loop was held up: p99 delay ${eventLoop.delayP99Ms.toFixed(0)} ms, max ${eventLoop.delayMaxMs.toFixed(0)} ms (thresholds: p99 ${this.#thresholds.loopDelayP99Ms} ms, any one stall ${this.#thresholds.loopDelayMaxMs} ms).`,
    );
    const budget = this.#thresholds.heapBudgetBytes();
    const overBudget = memory.heapUsedBytes > budget;
    this.#threshold(
      'heap',
      overBudget,
      `The heap uses ${(memory.heapUsedBytes / 1048576).toFixed(0)} MB, over the ${(budget / 1048576).toFixed(0)} MB budget.`,
    );
    if (overBudget) await this.#cleanUp(memory.heapUsedBytes);
    let total = 0;
    let faults = 0;
    for (const stats of Object.values(recent)) {
      total += stats.count;
      for (const [code, count] of Object.entries(stats.errors)) if (faultCodes.has(code)) faults += count;
    }
    const rate = total === 0 ? 0 : faults / total;
    this.#threshold(
      'error-rate',
      total >= this.#thresholds.minMessagesForRate && rate > this.#thresholds.faultRate,
      `${(rate * 100).toFixed(2)} % of the last minute's ${total} replies failed inside LocalBrain (threshold ${(this.#thresholds.faultRate * 100).toFixed(1)} %).`,
    );
  }

  #threshold(kind: HealthWarning['kind'], crossed: boolean, message: string): void {
    if (!crossed) {
      this.#raised.delete(kind);
      return;
    }
    if (this.#raised.has(kind)) return;
    this.#raised.add(kind);
    this.#warn(kind, message);
  }

  /** A warning from a service (a save that failed, say), shown with the monitor's own. */
  warn(kind: HealthWarning['kind'], message: string): void {
    this.#warn(kind, message);
  }

  #warn(kind: HealthWarning['kind'], message: string): void {
    const warning: HealthWarning = { time: this.#now(), kind, message };
    this.#warnings.push(warning);
    if (this.#warnings.length > maxWarnings) this.#warnings.splice(0, this.#warnings.length - maxWarnings);
    this.#logger?.warn({ health: kind }, message);
  }

  /** Runs every registered cleanup and reports what each did and how much heap it gave back. */
  async #cleanUp(heapBefore: number): Promise<void> {
    const time = this.#now();
    if (time - this.#lastCleanupAt < cleanupCooldownMs || this.#cleanups.size === 0) return;
    this.#lastCleanupAt = time;
    const done: string[] = [];
    for (const [name, cleanup] of this.#cleanups) {
      try {
        done.push(`${name}: ${await cleanup()}`);
      } catch (error) {
        done.push(`${name}: failed (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    const freed = heapBefore - process.memoryUsage().heapUsed;
    this.#warn('cleanup', `Memory cleanup freed ${(Math.max(0, freed) / 1048576).toFixed(1)} MB of heap; ${done.join('; ')}.`);
  }
}
