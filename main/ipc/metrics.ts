import type { RecentTypeStats, TypeStats } from '../../shared/contract/health';
import type { Outcome } from '../ports/audit';

/**
 * Log-linear latency buckets: each bucket is 5% wider than the last, from 1 µs up, so
 * any percentile is reported within 5% without keeping every sample.
 */
const growth = 1.05;
const firstBucketMs = 0.001;
const bucketCount = 512; // 0.001 ms × 1.05^512 ≈ 7 × 10^7 ms, beyond any deadline
const logGrowth = Math.log(growth);

function bucketOf(ms: number): number {
  if (ms <= firstBucketMs) return 0;
  return Math.min(bucketCount - 1, Math.ceil(Math.log(ms / firstBucketMs) / logGrowth));
}

function upperBoundMs(bucket: number): number {
  return firstBucketMs * growth ** bucket;
}

export class LatencyHistogram {
  readonly #counts = new Uint32Array(bucketCount);
  #total = 0;
  #max = 0;

  record(ms: number): void {
    const bucket = bucketOf(ms);
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#total += 1;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#total;
  }

  percentile(p: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.ceil((p / 100) * this.#total);
    let seen = 0;
    for (let bucket = 0; bucket < bucketCount; bucket += 1) {
      seen += this.#counts[bucket] ?? 0;
      if (seen >= rank) return Math.min(upperBoundMs(bucket), this.#max);
    }
    return this.#max;
  }

  get max(): number {
    return this.#max;
  }
}

/** The recent window is kept as slots of this length, so it slides in steps of 5 s. */
const slotMs = 5_000;
/** Slots in the recent window: 12 × 5 s = the last minute the health report shows. */
const windowSlots = 12;

/** One slot's figures for one type: a sparse histogram, since most buckets stay empty. */
interface SlotStats {
  readonly buckets: Map<number, number>;
  count: number;
  maxMs: number;
  readonly outcomes: Map<Outcome, number>;
}

function percentileOf(buckets: ReadonlyMap<number, number>, total: number, maxMs: number, p: number): number {
  if (total === 0) return 0;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const bucket of [...buckets.keys()].sort((a, b) => a - b)) {
    seen += buckets.get(bucket) ?? 0;
    if (seen >= rank) return Math.min(upperBoundMs(bucket), maxMs);
  }
  return maxMs;
}

/**
 * The last minute per message type, in 5 s slots: what the health monitor reports and
 * raises error-rate warnings from. Memory is bounded by types × 12 slots × buckets used.
 */
export class RecentMetrics {
  readonly #slots = new Map<number, Map<string, SlotStats>>();

  constructor(private readonly now: () => number = Date.now) {}

  record(type: string, outcome: Outcome, durationMs: number): void {
    const slot = Math.floor(this.now() / slotMs);
    let byType = this.#slots.get(slot);
    if (!byType) {
      byType = new Map();
      this.#slots.set(slot, byType);
      for (const old of this.#slots.keys()) if (old <= slot - windowSlots) this.#slots.delete(old);
    }
    let stats = byType.get(type);
    if (!stats) {
      stats = { buckets: new Map(), count: 0, maxMs: 0, outcomes: new Map() };
      byType.set(type, stats);
    }
    const bucket = bucketOf(durationMs);
    stats.buckets.set(bucket, (stats.buckets.get(bucket) ?? 0) + 1);
    stats.count += 1;
    if (durationMs > stats.maxMs) stats.maxMs = durationMs;
    stats.outcomes.set(outcome, (stats.outcomes.get(outcome) ?? 0) + 1);
  }

  /** Per type over the last minute: count, percentiles, and the share of replies that were errors. */
  snapshot(): Record<string, RecentTypeStats> {
    const oldest = Math.floor(this.now() / slotMs) - windowSlots + 1;
    const merged = new Map<string, SlotStats>();
    for (const [slot, byType] of this.#slots) {
      if (slot < oldest) continue;
      for (const [type, stats] of byType) {
        let into = merged.get(type);
        if (!into) {
          into = { buckets: new Map(), count: 0, maxMs: 0, outcomes: new Map() };
          merged.set(type, into);
        }
        for (const [bucket, count] of stats.buckets) into.buckets.set(bucket, (into.buckets.get(bucket) ?? 0) + count);
        into.count += stats.count;
        into.maxMs = Math.max(into.maxMs, stats.maxMs);
        for (const [outcome, count] of stats.outcomes) into.outcomes.set(outcome, (into.outcomes.get(outcome) ?? 0) + count);
      }
    }
    const result: Record<string, RecentTypeStats> = {};
    for (const [type, stats] of merged) {
      const errors = stats.count - (stats.outcomes.get('ok') ?? 0);
      result[type] = {
        count: stats.count,
        p50Ms: percentileOf(stats.buckets, stats.count, stats.maxMs, 50),
        p95Ms: percentileOf(stats.buckets, stats.count, stats.maxMs, 95),
        p99Ms: percentileOf(stats.buckets, stats.count, stats.maxMs, 99),
        maxMs: stats.maxMs,
        errorRate: stats.count === 0 ? 0 : errors / stats.count,
        errors: Object.fromEntries([...stats.outcomes].filter(([outcome]) => outcome !== 'ok')),
      };
    }
    return result;
  }
}

/** Latency and outcome counts per message type, for the health report: since start, and the last minute. */
export class RouterMetrics {
  readonly #byType = new Map<string, { latency: LatencyHistogram; outcomes: Map<Outcome, number> }>();
  readonly recent = new RecentMetrics();
  #total = 0;

  /** Messages recorded since start, over every type. */
  get totalCount(): number {
    return this.#total;
  }

  record(type: string, outcome: Outcome, durationMs: number): void {
    this.#total += 1;
    this.recent.record(type, outcome, durationMs);
    let entry = this.#byType.get(type);
    if (!entry) {
      entry = { latency: new LatencyHistogram(), outcomes: new Map() };
      this.#byType.set(type, entry);
    }
    entry.latency.record(durationMs);
    entry.outcomes.set(outcome, (entry.outcomes.get(outcome) ?? 0) + 1);
  }

  snapshot(): Record<string, TypeStats> {
    const result: Record<string, TypeStats> = {};
    for (const [type, { latency, outcomes }] of this.#byType) {
      result[type] = {
        latency: {
          count: latency.count,
          p50Ms: latency.percentile(50),
          p95Ms: latency.percentile(95),
          p99Ms: latency.percentile(99),
          maxMs: latency.max,
        },
        outcomes: Object.fromEntries(outcomes),
      };
    }
    return result;
  }
}
