import type { TypeStats } from '../../shared/contract/health';
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

/** Latency and outcome counts per message type, for the health report. */
export class RouterMetrics {
  readonly #byType = new Map<string, { latency: LatencyHistogram; outcomes: Map<Outcome, number> }>();

  record(type: string, outcome: Outcome, durationMs: number): void {
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
