import type { Logger } from 'pino';
import type { AuditEntry, AuditVerifyResult } from '../../../shared/contract/audit';
import { LocalBrainError } from '../../../shared/errors';
import type { AppendOptions, AuditRecord, AuditSink, AuditSummary } from '../../ports/audit';
import type { StorageDatabase } from '../storage/database';
import type { SqliteDatabase } from '../storage/sqlite';
import { canonicalSummary, entryHash, genesisHash, roundDuration, type EntryKind } from './chain';

/** Between retries while the database refuses writes (a full disk): often enough to catch up, rare enough not to spin. */
const retryIntervalMs = 100;
/** Entries kept in memory while writes fail (a full disk); beyond this the oldest are dropped and logged. */
const maxPendingWhileFailing = 10_000;
const defaultQueryLimit = 100;
const defaultExportLimit = 1_000;
/** Rows verified between yields to the event loop: ~10 ms of hashing, so other requests wait at most that long. */
const verifyChunkRows = 2_000;
/** The same triggers migration 001 creates, restorable when missing. */
const appendOnlyTriggers = `
  CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
  END;
  CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
  WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permit WHERE OLD.seq <= up_to)
  BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries are removed only by retention pruning');
  END;
`;
/** The actor written on entries LocalBrain makes itself (retention checkpoints); routed actors are `window:N` or `serve:N`. */
export const internalActor = 'localbrain';

interface Row {
  seq: number;
  kind: EntryKind;
  time: number;
  actor: string;
  type: string;
  summary: string;
  outcome: string;
  duration_ms: number;
  prev_hash: string;
  hash: string;
}

function toEntry(row: Row): AuditEntry {
  return {
    seq: row.seq,
    time: row.time,
    actor: row.actor,
    type: row.type,
    summary: JSON.parse(row.summary) as AuditEntry['summary'],
    outcome: row.outcome,
    durationMs: row.duration_ms,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AuditQuery {
  readonly limit?: number;
  readonly before?: number;
  readonly type?: string;
  readonly outcome?: string;
}

export interface AuditLogOptions {
  readonly storage: StorageDatabase;
  readonly logger: Logger;
}

interface PendingEntry {
  readonly kind: EntryKind;
  readonly record: AuditRecord;
}

/** The commit every entry appended during one event-loop turn waits for. */
interface TurnCommit {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function turnCommit(): TurnCommit {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers that do not wait (the bench, dispose) must not leave an unhandled rejection; awaiting callers still see it.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The durable, hash-chained audit sink, with group commit per event-loop turn: every entry
 * appended during a turn is written in one transaction when the turn ends (a `setImmediate`,
 * so in the check phase, after every I/O callback of the poll phase that appended), and
 * `append` resolves only then. The router awaits it, so no reply leaves before its entry is in
 * the WAL, which survives a crash of the process. A privileged entry's `append` also waits for
 * the fdatasync after that commit, so its reply is sent only once the entry survives a power cut.
 */
export class AuditLog implements AuditSink {
  readonly #storage: StorageDatabase;
  readonly #db: SqliteDatabase;
  readonly #logger: Logger;
  readonly #insert;
  #pending: PendingEntry[] = [];
  /** The commit the entries in `#pending` wait for; undefined when nothing is pending. */
  #turn: TurnCommit | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #tailSeq: number;
  #tailHash: string;
  #disposed = false;
  /** Verifications in progress; pruning waits for them, so a walk never sees its start removed. */
  #verifying = 0;

  constructor(options: AuditLogOptions) {
    this.#storage = options.storage;
    this.#db = options.storage.db;
    this.#logger = options.logger;
    this.#insert = this.#db.prepare(
      `INSERT INTO audit_log (seq, kind, time, actor, type, summary, outcome, duration_ms, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#ensureAppendOnly();
    const tail = this.#db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined;
    this.#tailSeq = tail?.seq ?? 0;
    this.#tailHash = tail?.hash ?? genesisHash;
  }

  /**
   * Puts the append-only triggers back if someone dropped them: what was changed while they
   * were gone still shows in AuditVerify, and nothing more slips through unnoticed.
   */
  #ensureAppendOnly(): void {
    const present = this.#db
      .prepare(
        `SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name IN ('audit_log_no_update', 'audit_log_no_delete')`,
      )
      .pluck()
      .get() as number;
    if (present === 2) return;
    this.#logger.warn({ present }, 'audit append-only triggers were missing; restored');
    this.#db.exec(appendOnlyTriggers);
    this.#storage.noteWrite();
  }

  /**
   * Queues the entry for this turn's commit and returns the promise of that commit (and, for a
   * privileged entry, of the fdatasync after it). The promise rejects when the write fails,
   * so the router answers `Database` rather than acknowledge an unrecorded request.
   */
  append(record: AuditRecord, options: AppendOptions): Promise<void> {
    if (this.#disposed) throw new LocalBrainError('Unavailable', 'The audit log is closed.');
    this.#pending.push({ kind: 'request', record });
    const committed = this.#commitAtEndOfTurn();
    return options.privileged ? committed.then(() => this.#storage.sync()) : committed;
  }

  /** Number of entries waiting for the end of the turn (or for a retry after a failed write). */
  get pendingCount(): number {
    return this.#pending.length;
  }

  #commitAtEndOfTurn(): Promise<void> {
    this.#turn ??= turnCommit();
    // setImmediate, not queueMicrotask: a microtask runs after each I/O callback, so the frames
    // one poll phase delivers would each get a transaction; the check phase runs once after all of them.
    if (this.#immediate === undefined && this.#retryTimer === undefined) {
      this.#immediate = setImmediate(() => this.#commitTurn());
    }
    return this.#turn.promise;
  }

  #commitTurn(): void {
    this.#immediate = undefined;
    this.#retryTimer = undefined;
    try {
      this.flush();
    } catch (error) {
      this.#logger.error({ err: error }, 'audit write failed; will retry');
      if (!this.#disposed && this.#pending.length > 0) {
        this.#retryTimer = setTimeout(() => this.#commitTurn(), retryIntervalMs);
      }
    }
  }

  /**
   * Writes every pending entry now, in one transaction (a WAL append on this thread, no
   * fsync), and settles the promise those entries' appends returned. Reads call it first so
   * they see every acknowledged entry; it throws `Database` when the write fails, and the
   * entries stay pending for the next attempt.
   */
  flush(): void {
    clearImmediate(this.#immediate);
    this.#immediate = undefined;
    const turn = this.#turn;
    this.#turn = undefined;
    if (this.#pending.length === 0) {
      turn?.resolve();
      return;
    }
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#writeBatch(batch);
    } catch (error) {
      this.#pending = batch.concat(this.#pending);
      if (this.#pending.length > maxPendingWhileFailing) {
        const dropped = this.#pending.splice(0, this.#pending.length - maxPendingWhileFailing);
        this.#logger.error({ dropped: dropped.length }, 'audit entries dropped: the database refuses writes');
      }
      const failure = new LocalBrainError('Database', 'The audit log could not be written.', undefined, { cause: error });
      turn?.reject(failure);
      throw failure;
    }
    turn?.resolve();
    this.#storage.noteWrite();
    // Power-loss durability for the batch, off the main thread; privileged callers await it themselves.
    this.#storage.sync().catch((error: unknown) => this.#logger.error({ err: error }, 'audit sync failed'));
  }

  #writeBatch(batch: readonly PendingEntry[]): void {
    let seq = this.#tailSeq;
    let prevHash = this.#tailHash;
    this.#db
      .transaction(() => {
        for (const { kind, record } of batch) {
          seq += 1;
          prevHash = this.#insertEntry(seq, kind, record, prevHash);
        }
      })
      .immediate();
    this.#tailSeq = seq;
    this.#tailHash = prevHash;
  }

  #insertEntry(seq: number, kind: EntryKind, record: AuditRecord, prevHash: string): string {
    const summaryJson = canonicalSummary(record.summary);
    const durationMs = roundDuration(record.durationMs);
    const time = Math.round(record.time);
    const fields = {
      seq,
      kind,
      time,
      actor: record.actor,
      type: record.type,
      summary: record.summary,
      outcome: record.outcome,
      durationMs,
      prevHash,
    };
    const hash = entryHash(fields, summaryJson);
    this.#insert.run(seq, kind, time, record.actor, record.type, summaryJson, record.outcome, durationMs, prevHash, hash);
    return hash;
  }

  /** Newest first, paged by `before` (a sequence number); buffered entries are written first so the page is current. */
  query(query: AuditQuery = {}): { entries: AuditEntry[]; nextBefore?: number } {
    this.flush();
    const limit = query.limit ?? defaultQueryLimit;
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.before !== undefined) {
      where.push('seq < ?');
      params.push(query.before);
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      params.push(query.type);
    }
    if (query.outcome === 'error') where.push(`outcome <> 'ok'`);
    else if (query.outcome !== undefined) {
      where.push('outcome = ?');
      params.push(query.outcome);
    }
    const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, limit + 1) as Row[];
    const page = rows.slice(0, limit).map(toEntry);
    const last = page.at(-1);
    return rows.length > limit && last ? { entries: page, nextBefore: last.seq } : { entries: page };
  }

  /** Oldest first, after a sequence number, as JSON Lines. */
  exportPage(after = 0, limit = defaultExportLimit): { jsonl: string; count: number; lastSeq: number; done: boolean } {
    this.flush();
    const rows = this.#db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit + 1) as Row[];
    const page = rows.slice(0, limit);
    const jsonl = page.map((row) => `${JSON.stringify(toEntry(row))}\n`).join('');
    return { jsonl, count: page.length, lastSeq: page.at(-1)?.seq ?? after, done: rows.length <= limit };
  }

  /**
   * Walks the chain oldest first: every entry's hash must match its fields, its `prevHash`
   * the hash before it, and sequence numbers must have no gaps. When the oldest entries were
   * pruned, the first remaining one must link to the hash a prune checkpoint recorded.
   * Reads in chunks and yields between them, so a long log does not hold up other requests;
   * entries appended meanwhile are left for the next run.
   */
  async verify(signal?: AbortSignal): Promise<AuditVerifyResult> {
    this.flush();
    const upTo = this.#tailSeq;
    const chunk = this.#db.prepare('SELECT * FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
    let checked = 0;
    let previous: { seq: number; hash: string } | undefined;
    let after = -1;
    this.#verifying++;
    try {
      for (;;) {
        const rows = chunk.all(after, upTo, verifyChunkRows) as Row[];
        for (const row of rows) {
          const reason = this.#checkRow(row, previous);
          if (reason !== undefined) return { ok: false, checked, brokenAt: row.seq, reason };
          checked++;
          previous = { seq: row.seq, hash: row.hash };
        }
        const last = rows.at(-1);
        if (!last || rows.length < verifyChunkRows) return { ok: true, checked };
        after = last.seq;
        await new Promise((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
      }
    } finally {
      this.#verifying--;
    }
  }

  /** Why `row` breaks the chain after `previous`, or undefined when it holds. */
  #checkRow(row: Row, previous: { seq: number; hash: string } | undefined): string | undefined {
    if (previous === undefined) {
      if (row.seq === 1) {
        if (row.prev_hash !== genesisHash) return 'the first entry does not start the chain';
      } else if (!this.#prunedBefore(row.seq, row.prev_hash)) {
        return 'entries before this one are missing and no prune checkpoint accounts for them';
      }
    } else {
      if (row.seq !== previous.seq + 1) return `entries ${previous.seq + 1}–${row.seq - 1} are missing`;
      if (row.prev_hash !== previous.hash) return 'this entry does not link to the one before it';
    }
    const fields = {
      seq: row.seq,
      kind: row.kind,
      time: row.time,
      actor: row.actor,
      type: row.type,
      summary: {},
      outcome: row.outcome,
      durationMs: row.duration_ms,
      prevHash: row.prev_hash,
    };
    return entryHash(fields, row.summary) === row.hash ? undefined : 'this entry was changed after it was written';
  }

  #prunedBefore(firstSeq: number, firstPrevHash: string): boolean {
    const checkpoints = this.#db.prepare(`SELECT summary FROM audit_log WHERE kind = 'prune' ORDER BY seq DESC`).all() as {
      summary: string;
    }[];
    return checkpoints.some(({ summary }) => {
      const parsed = JSON.parse(summary) as AuditSummary;
      return parsed.toSeq === firstSeq - 1 && parsed.toHash === firstPrevHash;
    });
  }

  /**
   * Removes entries older than `cutoffTime` through the one path the delete trigger allows
   * (a permit row inside the same transaction), and appends a checkpoint entry carrying the
   * range and the hash of its last entry, so the shortened chain still verifies.
   */
  prune(cutoffTime: number, now = Date.now()): { removed: number } {
    if (this.#verifying > 0) return { removed: 0 };
    this.flush();
    const last = this.#db.prepare(`SELECT seq, hash FROM audit_log WHERE time < ? ORDER BY seq DESC LIMIT 1`).get(cutoffTime) as
      { seq: number; hash: string } | undefined;
    if (!last) return { removed: 0 };
    const first = this.#db.prepare('SELECT min(seq) AS seq FROM audit_log').get() as { seq: number };
    let removed = 0;
    const seq = this.#tailSeq + 1;
    let hash = '';
    this.#db
      .transaction(() => {
        this.#db.prepare('INSERT INTO audit_prune_permit (up_to) VALUES (?)').run(last.seq);
        removed = this.#db.prepare('DELETE FROM audit_log WHERE seq <= ?').run(last.seq).changes;
        this.#db.prepare('DELETE FROM audit_prune_permit').run();
        const record: AuditRecord = {
          time: now,
          actor: internalActor,
          type: 'AuditPruned',
          summary: { fromSeq: first.seq, toSeq: last.seq, toHash: last.hash, count: removed, cutoffTime },
          outcome: 'ok',
          durationMs: 0,
        };
        hash = this.#insertEntry(seq, 'prune', record, this.#tailHash);
      })
      .immediate();
    this.#tailSeq = seq;
    this.#tailHash = hash;
    this.#storage.noteWrite();
    // Pruning is rare and removes a range: checkpoint it now rather than leave it in a large WAL.
    this.#storage.checkpoint('PASSIVE');
    return { removed };
  }

  /** Writes what is buffered; later appends are refused. */
  dispose(): void {
    if (this.#disposed) return;
    try {
      this.flush();
    } finally {
      this.#disposed = true;
      clearTimeout(this.#retryTimer);
      clearImmediate(this.#immediate);
    }
  }
}
