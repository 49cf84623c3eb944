import type { AppendOptions, AuditRecord, AuditSink } from '../../main/ports/audit';
import type { AuditLog } from '../../main/services/audit/audit-log';

/** The batch timer the audit log used before group commit per turn. */
const legacyFlushIntervalMs = 25;

/**
 * The audit behaviour before group commit, for side-by-side figures: an ordinary entry's
 * `append` returns at once (the reply goes out) and the entry waits in memory for a 25 ms
 * timer; privileged entries are written and fdatasync'ed as they are now. The writes go
 * through the same AuditLog, so only the waiting differs.
 */
export class TimerBatchedSink implements AuditSink {
  #buffer: AuditRecord[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: AuditLog) {}

  append(record: AuditRecord, options: AppendOptions): void | Promise<void> {
    if (options.privileged) return this.log.append(record, options);
    this.#buffer.push(record);
    this.#timer ??= setTimeout(() => this.flush(), legacyFlushIntervalMs);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    for (const record of batch) void this.log.append(record, { privileged: false });
    this.log.flush();
  }
}
