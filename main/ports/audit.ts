import type { ErrorCode } from '../../shared/errors';

/** A value safe to log: never file contents, terminal input or secrets. */
export type SummaryValue = string | number | boolean | null;
export type AuditSummary = Readonly<Record<string, SummaryValue>>;

export type Outcome = 'ok' | ErrorCode;

/** What the router records for every message, allowed, denied or failed. */
export interface AuditRecord {
  readonly time: number;
  readonly actor: string;
  /** The message type, or the raw tag (cut to 64 characters) when it did not parse. */
  readonly type: string;
  readonly summary: AuditSummary;
  readonly outcome: Outcome;
  readonly durationMs: number;
}

export interface AppendOptions {
  /** The request changed or ran something: resolve only once the record is durable. */
  readonly privileged: boolean;
}

/**
 * Where audit records go. The router awaits `append` before replying, so a sink decides
 * how long a reply waits: until the record is durable for privileged requests, and may
 * batch the others.
 */
export interface AuditSink {
  append(record: AuditRecord, options: AppendOptions): Promise<void> | void;
}

/** Keeps records in memory, newest last, up to a cap; for tests and for a core without storage. */
export class MemoryAuditSink implements AuditSink {
  readonly #records: AuditRecord[] = [];

  constructor(private readonly capacity = 10_000) {}

  append(record: AuditRecord, _options?: AppendOptions): void {
    this.#records.push(record);
    // Trim in one go once twice over capacity, so an append costs O(1) amortized.
    if (this.#records.length >= this.capacity * 2) this.#records.splice(0, this.#records.length - this.capacity);
  }

  get records(): readonly AuditRecord[] {
    return this.#records.length > this.capacity ? this.#records.slice(-this.capacity) : this.#records;
  }
}
