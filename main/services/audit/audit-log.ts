import type { Logger } from 'pino';
import type { AuditEntry, AuditVerifyResult } from '../../../shared/contract/audit';
import { LocalBrainError } from '../../../shared/errors';
import type { AppendOptions, AuditRecord, AuditSink, AuditSummary } from '../../ports/audit';
import type { StorageDatabase } from '../storage/database';
import type { SqliteDatabase } from '../storage/sqlite';
import { readAnchor, writeAnchor, writeAnchorNow, type AuditHead } from './anchor';
import { auditMacKey, canonicalSummary, entryHash, entryMac, genesisHash, roundDuration, type EntryKind } from './chain';
import { AuditJournal, auditJournalKey, chainedRowValues, readAuditJournal, type ChainedRow } from './journal';
import {
  activityKey,
  activityRecord,
  activityWindowMs,
  addTraffic,
  countedTraffic,
  openActivity,
  OpenActivityTable,
  type OpenActivity,
} from './pty-activity';

/** Between retries while the database refuses writes (a full disk): often enough to catch up, rare enough not to spin. */
const retryIntervalMs = 100;
/** Entries kept in memory while database writes fail (a full disk); beyond this new appends are refused, so none is dropped from the chain. */
const maxPendingWhileFailing = 10_000;
/** The journal starts over from its beginning once it holds this much and everything in it is in the database. */
const journalRestartBytes = 1024 * 1024;
const defaultQueryLimit = 100;
const defaultExportLimit = 1_000;
/** Rows verified between yields to the event loop: ~10 ms of hashing, so other requests wait at most that long. */
const verifyChunkRows = 2_000;
/**
 * Longest an ordinary entry waits, once in the WAL, for the fdatasync that makes it survive a
 * power cut. Not after every commit: with one commit per turn that is an fsync per request,
 * and a WAL append that lands on a page under writeback waits for it (stable pages), which
 * showed as multi-ms stalls in the bench. Privileged entries do not wait for this timer.
 */
const backgroundSyncDelayMs = 20;
/** Least time between two anchor writes while entries flow: each is an fsync, and a second is as far as the anchor trails. */
const anchorIntervalMs = 1_000;
/** Least time between two "audit head" lines in the sealed log: a record to compare against, not a stream. */
const headLogIntervalMs = 60_000;

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
  /** NULL on entries written before the chain was keyed (schema 1). */
  mac: string | null;
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
    ...(row.mac === null ? {} : { mac: row.mac }),
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
  /**
   * The database key in use, and any other key the key store holds (a key staged by an
   * interrupted rekey): the chain's MAC key is derived from each, never stored.
   */
  readonly databaseKeys: { readonly current: Buffer; readonly others?: readonly Buffer[] };
  /** Where the head is anchored outside the database; none for an in-memory database. */
  readonly anchorFile?: string;
  /**
   * The write-ahead journal (journal.ts): with one, an ordinary entry's append resolves once the
   * entry is in it, and the database commit follows at the end of the turn. Without one (an
   * in-memory database, or a journal that failed) appends wait for the commit.
   */
  readonly journalFile?: string;
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
 * The durable, hash-chained audit sink. Each entry takes its place in the chain as it is
 * appended and is written to the write-ahead journal (journal.ts) with one `write()`; an
 * ordinary append resolves then, so the router's reply leaves from the callback that read the
 * request, and no acknowledged entry is lost to a crash of the process (the next open replays
 * the journal). Every entry appended during a turn is committed to the database in one
 * transaction when the turn ends (a `setImmediate`, so in the check phase, after every I/O
 * callback of the poll phase that appended). A privileged entry's `append` waits for that
 * commit and the fdatasync after it, so its reply is sent only once the entry survives a power cut.
 *
 * Each entry carries an HMAC of its hash under a key derived from the database key, and the
 * head (sequence and hash) is anchored outside the database (a MAC'd file, and the sealed
 * log), so a truncated or re-chained log shows. Successful PtyWrite and PtyAck requests are
 * counted into one `PtyActivity` entry per session per second (see pty-activity.ts).
 */
export class AuditLog implements AuditSink {
  readonly #storage: StorageDatabase;
  readonly #db: SqliteDatabase;
  readonly #logger: Logger;
  readonly #insert;
  /** Made once: better-sqlite3 builds a wrapper function and its four variants on every `transaction()` call. */
  readonly #writeTransaction;
  readonly #openActivity: OpenActivityTable;
  readonly #anchorFile: string | undefined;
  /** Entries in the chain but not yet in the database, oldest first: the turn's, or a failed commit's. */
  #pending: ChainedRow[] = [];
  #journal: AuditJournal | undefined;
  /** A journal write failed: appends wait for the database commit until the journal starts over. */
  #journalBroken = false;
  /** The last commit failed (a full disk): pending entries are capped until one succeeds. */
  #commitFailing = false;
  /** The commit the entries in `#pending` wait for; undefined when nothing is pending. */
  #turn: TurnCommit | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  /** The chain's newest entry, in the database or still pending. */
  #tailSeq: number;
  #tailHash: string;
  /** The newest entry in the database: the only kind a sync makes durable and the anchor may record. */
  #committedSeq: number;
  #committedHash: string;
  #disposed = false;
  /** Verifications in progress; pruning waits for them, so a walk never sees its start removed. */
  #verifying = 0;
  /** The MAC key new entries are written with; first of `#macKeys`. */
  #macKey: Buffer;
  /** Every MAC key this installation holds (current first), for verifying. */
  #macKeys: Buffer[];
  /** What the anchor check at open found wrong; AuditVerify reports it for the rest of the session. */
  readonly #findings: { reason: string; brokenAt: number }[] = [];
  /** Open PtyActivity windows by actor and session. */
  readonly #activity = new Map<string, OpenActivity>();
  /** Windows changed this turn: rewritten in the turn's transaction. */
  readonly #activityChanged = new Set<string>();
  /** Windows that are over: sealed into the chain in the next transaction. */
  #activityDue: OpenActivity[] = [];
  #activityTimer: NodeJS.Timeout | undefined;
  #anchorTimer: NodeJS.Timeout | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  /** How long each turn's commit held the main thread (ms), most recent last: for the bench and the worker-thread decision. */
  readonly commitDurationsMs: number[] = [];
  /** The anchor write in flight; writes never overlap (they share a temp file). */
  #anchorWriting: Promise<void> = Promise.resolve();
  /** The sequence the anchor file records (or will, once the write in flight lands); -1 to force the next write. */
  #anchoredSeq = -1;
  /** The newest head known to be fdatasync'ed: the only kind the anchor may record. */
  #durableHead: AuditHead | undefined;
  #headLoggedAt = 0;

  constructor(options: AuditLogOptions) {
    this.#storage = options.storage;
    this.#db = options.storage.db;
    this.#logger = options.logger;
    this.#anchorFile = options.anchorFile;
    this.#macKey = auditMacKey(options.databaseKeys.current);
    this.#macKeys = [this.#macKey, ...(options.databaseKeys.others ?? []).map(auditMacKey)];
    this.#insert = this.#db.prepare(
      `INSERT INTO audit_log (seq, kind, time, actor, type, summary, outcome, duration_ms, prev_hash, hash, mac)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#openActivity = new OpenActivityTable(this.#db);
    this.#writeTransaction = this.#db.transaction((batch: readonly ChainedRow[], recovered: boolean) =>
      this.#writeBatchRows(batch, recovered),
    );
    this.#ensureAppendOnly();
    const tail = this.#db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined;
    this.#tailSeq = this.#committedSeq = tail?.seq ?? 0;
    this.#tailHash = this.#committedHash = tail?.hash ?? genesisHash;
    if (options.journalFile !== undefined) {
      this.#replayJournal(options.journalFile, [options.databaseKeys.current, ...(options.databaseKeys.others ?? [])]);
    }
    this.#checkAnchor();
    // The newest entry is MAC'd under another key this store still holds (a rekey interrupted
    // before its rotation entry, or whose key file moved on): vouch for it under today's key
    // now, before that key is discarded and the entry could no longer be checked.
    if (this.#tailSeq > 0 && this.#tailMacIsFromAnotherHeldKey(this.#tailSeq)) {
      this.#chain('request', keyRotatedRecord('opened with a newer key'));
    }
    // Windows a crash left open are sealed now: each stands for acknowledged requests.
    this.#activityDue = this.#openActivity.all();
    for (const finding of this.#findings) {
      this.#chain('request', {
        time: Date.now(),
        actor: internalActor,
        type: 'AuditAnchorMismatch',
        summary: { reason: finding.reason, brokenAt: finding.brokenAt, headSeq: this.#tailSeq },
        outcome: 'Conflict',
        durationMs: 0,
      });
    }
    this.flush(true);
    if (options.journalFile !== undefined) this.#journal = this.#openJournal(options.journalFile, options.databaseKeys.current);
    this.#logHead('audit head at open');
    // A fresh database, one from before anchors, or one whose anchor told of tampering (now recorded): anchor the head.
    if (this.#anchoredSeq !== this.#tailSeq) this.#afterSync(this.head);
  }

  /**
   * Writes the journal's entries that the database lacks (a crash came between an entry's
   * journal write and its turn's commit): those that continue the chain from the database's
   * newest entry, each with its hash and MAC checked. Anything else is ignored and logged.
   */
  #replayJournal(file: string, databaseKeys: readonly Buffer[]): void {
    let newer: ChainedRow[];
    try {
      newer = readAuditJournal(file, databaseKeys.map(auditJournalKey)).filter((row) => row.seq > this.#tailSeq);
    } catch (error) {
      // Opening matters more: whatever it held that the database lacks shows as a gap to the anchor.
      this.#logger.error({ err: error, file }, 'the audit journal could not be read');
      return;
    }
    const usable: ChainedRow[] = [];
    for (const row of newer) {
      const previous = usable.at(-1) ?? { seq: this.#tailSeq, hash: this.#tailHash };
      if (row.seq !== previous.seq + 1 || row.prevHash !== previous.hash || !this.#rowHolds(row)) break;
      usable.push(row);
    }
    if (usable.length < newer.length) {
      this.#logger.warn(
        { file, ignored: newer.length - usable.length, tailSeq: this.#tailSeq },
        'audit journal entries that do not continue the chain were ignored',
      );
    }
    const last = usable.at(-1);
    if (last === undefined) return;
    this.#db.transaction(() => {
      for (const row of usable) this.#insert.run(...chainedRowValues(row));
    })();
    this.#tailSeq = this.#committedSeq = last.seq;
    this.#tailHash = this.#committedHash = last.hash;
    this.#storage.noteWrite();
    this.#logger.info({ file, recovered: usable.length, tailSeq: last.seq }, 'audit entries recovered from the journal');
  }

  /** The row's hash covers its fields and a key this installation holds made its MAC. */
  #rowHolds(row: ChainedRow): boolean {
    const fields = { ...row, summary: {} };
    if (entryHash(fields, row.summary) !== row.hash) return false;
    return this.#macKeys.some((key) => entryMac(key, row.hash) === row.mac);
  }

  #openJournal(file: string, databaseKey: Buffer): AuditJournal | undefined {
    try {
      return new AuditJournal(file, databaseKey);
    } catch (error) {
      this.#logger.warn({ err: error, file }, 'the audit journal could not be opened; replies wait for the database commit');
      return undefined;
    }
  }
  #tailMacIsFromAnotherHeldKey(seq: number): boolean {
    const row = this.#db.prepare('SELECT hash, mac FROM audit_log WHERE seq = ?').get(seq) as
      { hash: string; mac: string | null } | undefined;
    if (row?.mac == null || entryMac(this.#macKey, row.hash) === row.mac) return false;
    return this.#macKeys.slice(1).some((key) => entryMac(key, row.hash) === row.mac);
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
   * Compares the database with the head anchored outside it. A head behind the anchor is a
   * truncation; a different hash at the anchored sequence is a rewrite; a missing or altered
   * anchor beside a keyed chain is someone hiding either. Each becomes a finding.
   */
  #checkAnchor(): void {
    if (this.#anchorFile === undefined) return;
    const anchor = readAnchor(this.#anchorFile, this.#macKeys);
    // The newest entry tells: keyed entries only ever follow unkeyed ones (a scan for any would read a whole legacy log).
    const tail = this.#db.prepare('SELECT mac FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { mac: string | null } | undefined;
    const keyed = tail !== undefined && tail.mac !== null;
    if (anchor.state === 'missing') {
      if (keyed) this.#findings.push({ reason: 'the audit head anchor file is missing', brokenAt: this.#tailSeq });
      else {
        // First keyed open (a new or an upgraded database): anchor now, before the first keyed
        // entry, so a crash before the first timed anchor write cannot read as a deleted anchor.
        writeAnchorNow(this.#anchorFile, this.#macKey, this.head);
        this.#anchoredSeq = this.#tailSeq;
      }
      return;
    }
    if (anchor.state === 'invalid') {
      this.#findings.push({ reason: anchor.reason, brokenAt: this.#tailSeq });
      return;
    }
    const { head } = anchor;
    // An anchor vouched for by an older key (a rekey interrupted, or just finished) is rewritten
    // under the current one at once, before the older key can be dropped from disk.
    this.#anchoredSeq = anchor.keyIndex === 0 ? head.seq : -1;
    if (head.seq === 0) return;
    // Any finding below sets the anchor to be rewritten at the new head, once that is recorded.
    const before = this.#findings.length;
    this.#compareWithAnchor(head);
    if (this.#findings.length > before) this.#anchoredSeq = -1;
  }

  #compareWithAnchor(head: AuditHead): void {
    if (this.#tailSeq < head.seq) {
      this.#findings.push({
        reason: `the log was truncated: it ends at entry ${this.#tailSeq}, but its anchor records entry ${head.seq}`,
        brokenAt: this.#tailSeq + 1,
      });
      return;
    }
    const row = this.#db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(head.seq) as { hash: string } | undefined;
    const matches = row ? row.hash === head.hash : this.#prunedThrough(head);
    if (!matches) {
      this.#findings.push({
        reason: `entry ${head.seq} is not the one its anchor records: the log was rewritten`,
        brokenAt: head.seq,
      });
    }
  }

  /** True when a prune checkpoint removed the anchored entry (and, where it can tell, with that hash). */
  #prunedThrough(head: AuditHead): boolean {
    return this.#pruneCheckpoints().some(
      (checkpoint) =>
        typeof checkpoint.fromSeq === 'number' &&
        typeof checkpoint.toSeq === 'number' &&
        checkpoint.fromSeq <= head.seq &&
        head.seq <= checkpoint.toSeq &&
        (checkpoint.toSeq !== head.seq || checkpoint.toHash === head.hash),
    );
  }

  /** The newest entry: what the Audit view shows a person to note. */
  get head(): AuditHead {
    return { seq: this.#tailSeq, hash: this.#tailHash };
  }

  /**
   * Chains the entry, writes it to the journal and queues it for this turn's commit. Returns a
   * settled promise once it is in the journal; otherwise (no journal, a privileged entry,
   * terminal traffic) the promise of that commit, and for a privileged entry of the fdatasync
   * after it. That promise rejects when the write fails, so the router answers `Database`
   * rather than acknowledge an unrecorded request.
   */
  append(record: AuditRecord, options: AppendOptions): Promise<void> {
    if (this.#disposed) throw new LocalBrainError('Unavailable', 'The audit log is closed.');
    const traffic = countedTraffic(record);
    if (traffic) {
      this.#count(record, traffic);
      return this.#committed(options);
    }
    if (this.#commitFailing && this.#pending.length >= maxPendingWhileFailing) {
      throw new LocalBrainError('Database', 'The audit log is not being written: the database refuses writes.');
    }
    const row = this.#chain('request', record);
    // Every entry goes to the journal, in chain order: a gap would stop a replay short of the entries after it.
    if (this.#writeToJournal(row) && !options.privileged) {
      // Nobody waits for this turn's commit: schedule it without the promise of one.
      this.#scheduleCommit();
      return inJournal;
    }
    return this.#committed(options);
  }

  /** The turn's commit, and for a privileged entry the fdatasync after it. */
  #committed(options: AppendOptions): Promise<void> {
    const committed = this.#commitAtEndOfTurn();
    return options.privileged ? committed.then(() => this.#storage.sync()) : committed;
  }

  /** Adds the entry to the chain (pending its turn's commit) and returns it. */
  #chain(kind: EntryKind, record: AuditRecord): ChainedRow {
    const row = chainedRow(this.#macKey, this.#tailSeq + 1, kind, record, this.#tailHash);
    this.#pending.push(row);
    this.#tailSeq = row.seq;
    this.#tailHash = row.hash;
    return row;
  }

  /** True once the row is in the journal; false without a usable one. */
  #writeToJournal(row: ChainedRow): boolean {
    if (this.#journal === undefined || this.#journalBroken) return false;
    try {
      this.#journal.write(row);
      return true;
    } catch (error) {
      this.#journalBroken = true;
      this.#logger.error(
        { err: error, file: this.#journal.file },
        'audit journal write failed; replies wait for the database commit',
      );
      return false;
    }
  }

  /** Adds a PtyWrite or PtyAck to its session's window, closing the window first when its second is over. */
  #count(record: AuditRecord, traffic: NonNullable<ReturnType<typeof countedTraffic>>): void {
    const key = activityKey(record.actor, traffic.sessionId);
    let activity = this.#activity.get(key);
    if (activity && record.time >= activity.firstTime + activityWindowMs) {
      this.#activityDue.push(activity);
      activity = undefined;
    }
    if (!activity) {
      activity = openActivity(record, traffic.sessionId);
      this.#activity.set(key, activity);
    }
    addTraffic(activity, record, traffic);
    this.#activityChanged.add(key);
    if (this.#activityTimer === undefined) {
      this.#activityTimer = setTimeout(() => this.#closeDueWindows(), activityWindowMs);
      this.#activityTimer.unref();
    }
  }

  /** Seals the windows whose second is over, so an idle terminal's last keystrokes reach the chain within a second or two. */
  #closeDueWindows(now = Date.now()): void {
    this.#activityTimer = undefined;
    for (const [key, activity] of this.#activity) {
      if (now >= activity.firstTime + activityWindowMs) {
        this.#activityDue.push(activity);
        this.#activity.delete(key);
        this.#activityChanged.delete(key);
      }
    }
    if (this.#activityDue.length > 0 && !this.#disposed) void this.#commitAtEndOfTurn();
    if (this.#activity.size > 0) {
      this.#activityTimer = setTimeout(() => this.#closeDueWindows(), activityWindowMs);
      this.#activityTimer.unref();
    }
  }

  /** Seals every open window now (dispose, a key rotation, tests). */
  closeActivityWindows(): void {
    this.#activityDue.push(...this.#activity.values());
    this.#activity.clear();
    this.#activityChanged.clear();
    clearTimeout(this.#activityTimer);
    this.#activityTimer = undefined;
    this.flush();
  }

  /** Number of entries waiting for the end of the turn (or for a retry after a failed write). */
  get pendingCount(): number {
    return this.#pending.length;
  }

  #commitAtEndOfTurn(): Promise<void> {
    this.#turn ??= turnCommit();
    this.#scheduleCommit();
    return this.#turn.promise;
  }

  #scheduleCommit(): void {
    // setImmediate, not queueMicrotask: a microtask runs after each I/O callback, so the frames
    // one poll phase delivers would each get a transaction; the check phase runs once after all of them.
    if (this.#immediate === undefined && this.#retryTimer === undefined) {
      this.#immediate = setImmediate(() => this.#commitTurn());
    }
  }

  #commitTurn(): void {
    this.#immediate = undefined;
    this.#retryTimer = undefined;
    try {
      this.flush();
    } catch (error) {
      this.#logger.error({ err: error }, 'audit write failed; will retry');
      if (!this.#disposed && this.#hasWork()) {
        this.#retryTimer = setTimeout(() => this.#commitTurn(), retryIntervalMs);
      }
    }
  }

  #hasWork(): boolean {
    return this.#pending.length > 0 || this.#activityDue.length > 0 || this.#activityChanged.size > 0;
  }

  /**
   * Writes every pending entry now, in one transaction (a WAL append on this thread, no
   * fsync), and settles the promise those entries' appends returned. Reads call it first so
   * they see every acknowledged entry; it throws `Database` when the write fails, and the
   * entries stay pending for the next attempt.
   */
  flush(opening = false): void {
    clearImmediate(this.#immediate);
    this.#immediate = undefined;
    const turn = this.#turn;
    this.#turn = undefined;
    if (!this.#hasWork()) {
      turn?.resolve();
      return;
    }
    const batch = this.#pending;
    this.#pending = [];
    const started = performance.now();
    try {
      this.#writeBatch(batch, opening);
    } catch (error) {
      this.#pending = batch.concat(this.#pending);
      this.#commitFailing = true;
      const failure = new LocalBrainError('Database', 'The audit log could not be written.', undefined, { cause: error });
      turn?.reject(failure);
      throw failure;
    }
    this.#commitFailing = false;
    this.commitDurationsMs.push(performance.now() - started);
    if (this.commitDurationsMs.length > 20_000) this.commitDurationsMs.splice(0, 10_000);
    turn?.resolve();
    this.#storage.noteWrite();
    // Everything in the journal is in the database now: once it has grown, it starts over (and a failed one is tried again).
    if (this.#journal !== undefined && (this.#journalBroken || this.#journal.position >= journalRestartBytes)) {
      this.#journal.restart();
      this.#journalBroken = false;
    }
    // Power-loss durability for ordinary entries soon, off the main thread; privileged callers await a sync themselves.
    this.#syncTimer ??= setTimeout(() => {
      this.#syncTimer = undefined;
      this.#afterSync(this.#committedHead);
    }, backgroundSyncDelayMs);
  }

  get #committedHead(): AuditHead {
    return { seq: this.#committedSeq, hash: this.#committedHash };
  }

  /** Starts an fdatasync and, once it is done, lets the anchor move up to `head`. */
  #afterSync(head: AuditHead): void {
    this.#storage.sync().then(
      () => {
        if (this.#durableHead === undefined || head.seq >= this.#durableHead.seq) this.#durableHead = head;
        this.#scheduleAnchor();
      },
      (error: unknown) => this.#logger.error({ err: error }, 'audit sync failed'),
    );
  }

  /**
   * One transaction: the turn's entries, then the windows that are over as chained entries
   * after them (leaving the open table), then the open windows that changed are rewritten.
   */
  #writeBatch(batch: readonly ChainedRow[], recovered: boolean): void {
    const { seq, prevHash } = this.#writeTransaction.immediate(batch, recovered);
    this.#activityDue = [];
    this.#activityChanged.clear();
    this.#tailSeq = this.#committedSeq = seq;
    this.#tailHash = this.#committedHash = prevHash;
  }

  /**
   * The rows of one batch (already in the chain), inside its transaction, then the windows that
   * are over as new entries after them; returns the new tail, taken up only once the transaction commits.
   */
  #writeBatchRows(batch: readonly ChainedRow[], recovered: boolean): { seq: number; prevHash: string } {
    for (const row of batch) this.#insert.run(...chainedRowValues(row));
    let seq = this.#tailSeq;
    let prevHash = this.#tailHash;
    for (const activity of this.#activityDue) {
      seq += 1;
      const row = chainedRow(this.#macKey, seq, 'request', activityRecord(activity, recovered), prevHash);
      this.#insert.run(...chainedRowValues(row));
      prevHash = row.hash;
      this.#openActivity.remove(activity);
    }
    for (const key of this.#activityChanged) {
      const activity = this.#activity.get(key);
      if (activity) this.#openActivity.save(activity);
    }
    return { seq, prevHash };
  }

  /** Emptied only when everything in it reached the database; otherwise left for the next open to replay. */
  #closeJournal(): void {
    const journal = this.#journal;
    this.#journal = undefined;
    if (journal === undefined) return;
    if (this.#pending.length > 0) {
      journal.closeKeepingEntries();
      return;
    }
    try {
      journal.close();
    } catch (error) {
      this.#logger.warn({ err: error, file: journal.file }, 'the audit journal could not be emptied');
    }
  }

  /** Anchors the newest durable head at most once a second, off the main thread. */
  #scheduleAnchor(): void {
    if (this.#anchorFile === undefined || this.#disposed || this.#anchorTimer !== undefined) return;
    const due = this.#anchoredSeq < 0 ? 0 : anchorIntervalMs;
    this.#anchorTimer = setTimeout(() => {
      this.#anchorTimer = undefined;
      const head = this.#durableHead;
      if (head !== undefined && head.seq !== this.#anchoredSeq) this.#writeAnchorLater(head);
    }, due);
    this.#anchorTimer.unref();
  }

  #writeAnchorLater(head: AuditHead): void {
    const file = this.#anchorFile;
    if (file === undefined) return;
    const key = this.#macKey;
    this.#anchoredSeq = head.seq;
    this.#anchorWriting = this.#anchorWriting
      .then(() => writeAnchor(file, key, head))
      .then(
        () => {
          if (Date.now() - this.#headLoggedAt >= headLogIntervalMs) this.#logHead('audit head', head);
        },
        (error: unknown) => this.#logger.warn({ err: error, file }, 'the audit head anchor could not be written'),
      );
  }

  /** Writes the head into the sealed (encrypted) log: a copy outside the database that a person or an investigator can compare. */
  #logHead(message: string, head = this.head): void {
    this.#headLoggedAt = Date.now();
    this.#logger.info({ auditHead: { seq: head.seq, hash: head.hash } }, message);
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
   * pruned, the first remaining one must link to the hash a prune checkpoint recorded. Every
   * keyed entry's MAC must match under a key this installation holds; a run of entries MAC'd
   * under a key no longer held (before a rekey) is vouched for by the first held-key MAC after
   * it, whose hash covers them. Then what the anchor check at open found, if anything.
   * Reads in chunks and yields between them, so a long log does not hold up other requests;
   * entries appended meanwhile are left for the next run.
   */
  async verify(signal?: AbortSignal): Promise<AuditVerifyResult> {
    this.flush();
    const head = this.head;
    const chunk = this.#db.prepare('SELECT * FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
    const walk: ChainWalk = { checked: 0, previous: undefined, keyed: false, unvouchedFrom: undefined };
    let after = -1;
    this.#verifying++;
    try {
      for (;;) {
        const rows = chunk.all(after, head.seq, verifyChunkRows) as Row[];
        for (const row of rows) {
          const reason = this.#checkRow(row, walk);
          if (reason !== undefined) return { ok: false, checked: walk.checked, brokenAt: row.seq, reason, head };
          walk.checked++;
          walk.previous = { seq: row.seq, hash: row.hash };
        }
        const last = rows.at(-1);
        if (!last || rows.length < verifyChunkRows) break;
        after = last.seq;
        await new Promise((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
      }
    } finally {
      this.#verifying--;
    }
    if (walk.unvouchedFrom !== undefined) {
      const reason = 'this entry’s MAC does not match: it was changed, or the log re-chained, without the audit key';
      return { ok: false, checked: walk.checked, brokenAt: walk.unvouchedFrom, reason, head };
    }
    const finding = this.#findings[0];
    if (finding) return { ok: false, checked: walk.checked, brokenAt: finding.brokenAt, reason: finding.reason, head };
    return { ok: true, checked: walk.checked, head };
  }

  /** Why `row` breaks the chain after `walk.previous`, or undefined when it holds. */
  #checkRow(row: Row, walk: ChainWalk): string | undefined {
    const previous = walk.previous;
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
    if (entryHash(fields, row.summary) !== row.hash) return 'this entry was changed after it was written';
    if (row.mac === null) {
      // Entries from before the chain was keyed come first; none can follow a keyed one.
      return walk.keyed ? 'this entry’s MAC was removed' : undefined;
    }
    walk.keyed = true;
    if (this.#macKeys.some((key) => entryMac(key, row.hash) === row.mac)) walk.unvouchedFrom = undefined;
    else walk.unvouchedFrom ??= row.seq;
    return undefined;
  }

  #pruneCheckpoints(): AuditSummary[] {
    const rows = this.#db.prepare(`SELECT summary FROM audit_log WHERE kind = 'prune' ORDER BY seq DESC`).all() as {
      summary: string;
    }[];
    return rows.map(({ summary }) => JSON.parse(summary) as AuditSummary);
  }

  /** A prune checkpoint accounts for everything before `firstSeq`: its range ends there, with that hash and a full count. */
  #prunedBefore(firstSeq: number, firstPrevHash: string): boolean {
    return this.#pruneCheckpoints().some(
      (checkpoint) =>
        checkpoint.toSeq === firstSeq - 1 &&
        checkpoint.toHash === firstPrevHash &&
        typeof checkpoint.fromSeq === 'number' &&
        checkpoint.count === firstSeq - checkpoint.fromSeq,
    );
  }

  /**
   * Removes entries older than `cutoffTime` through the one path the delete trigger allows
   * (a permit row inside the same transaction), and appends a checkpoint entry carrying the
   * range, its count and the hash of its last entry, so the shortened chain still verifies
   * and a removal without a checkpoint does not.
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
        const row = chainedRow(this.#macKey, seq, 'prune', record, this.#tailHash);
        this.#insert.run(...chainedRowValues(row));
        hash = row.hash;
      })
      .immediate();
    this.#tailSeq = this.#committedSeq = seq;
    this.#tailHash = this.#committedHash = hash;
    this.#storage.noteWrite();
    // Pruning is rare and removes a range: checkpoint it now rather than leave it in a large WAL.
    this.#storage.checkpoint('PASSIVE');
    this.#logHead('audit pruned');
    this.#afterSync(this.head);
    return { removed };
  }

  /**
   * Right after the database was re-encrypted under `next` (no await in between): records
   * the rotation in an entry MAC'd under the new key, and MACs everything after it under
   * that key. The entry's hash covers every earlier entry, so the chain stays verifiable once
   * the old key is gone. A rekey interrupted before this entry is written is covered at the
   * next open (see the constructor).
   */
  rotateKey(next: Buffer): void {
    this.closeActivityWindows();
    const nextMacKey = auditMacKey(next);
    this.#macKey = nextMacKey;
    this.#macKeys = [nextMacKey, ...this.#macKeys];
    this.#chain('request', keyRotatedRecord('rekey'));
    this.flush();
    // Everything is in the database: the journal starts over under the new key.
    this.#journal?.restart(next);
    this.#anchoredSeq = -1;
  }

  /**
   * Anchors the current head now, under the current MAC key, once it is fdatasync'ed; after
   * any anchor write in flight, so an older one never lands last. A rekey calls this before
   * it commits the new key, so the anchor on disk is always vouched for by a key on disk.
   */
  async anchorNow(): Promise<void> {
    const file = this.#anchorFile;
    if (file === undefined || this.#storage.closed) return;
    await this.#storage.sync();
    const head = this.#committedHead;
    const key = this.#macKey;
    this.#anchorWriting = this.#anchorWriting.then(() => writeAnchorNow(file, key, head));
    await this.#anchorWriting;
    this.#anchoredSeq = head.seq;
  }

  /**
   * Writes what is buffered and seals the open windows; later appends are refused. Then,
   * once everything is fdatasync'ed, anchors the final head and notes it in the sealed log.
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    try {
      this.closeActivityWindows();
    } finally {
      this.#disposed = true;
      clearTimeout(this.#retryTimer);
      clearImmediate(this.#immediate);
      clearTimeout(this.#activityTimer);
      clearTimeout(this.#anchorTimer);
      clearTimeout(this.#syncTimer);
      this.#closeJournal();
    }
    await this.#anchorWriting;
    const file = this.#anchorFile;
    if (file === undefined || this.#storage.closed) return;
    await this.#storage.sync();
    const head = this.#committedHead;
    try {
      writeAnchorNow(file, this.#macKey, head);
    } catch (error) {
      this.#logger.warn({ err: error, file }, 'the audit head anchor could not be written');
    }
    this.#logHead('audit head at close', head);
  }
}

/** What a journaled ordinary entry's append returns: nothing to wait for, and nothing allocated per request. */
const inJournal = Promise.resolve();

/** An entry's place in the chain after `prevHash`: its canonical summary, hash and MAC. */
function chainedRow(macKey: Buffer, seq: number, kind: EntryKind, record: AuditRecord, prevHash: string): ChainedRow {
  const summary = canonicalSummary(record.summary);
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
  const hash = entryHash(fields, summary);
  return { ...fields, summary, hash, mac: entryMac(macKey, hash) };
}

function keyRotatedRecord(reason: string): AuditRecord {
  return { time: Date.now(), actor: internalActor, type: 'AuditKeyRotated', summary: { reason }, outcome: 'ok', durationMs: 0 };
}

interface ChainWalk {
  checked: number;
  previous: { seq: number; hash: string } | undefined;
  /** A keyed entry was seen: every later one must be keyed too. */
  keyed: boolean;
  /** First of the latest run of entries whose MAC no held key matches, until a held-key MAC vouches for it. */
  unvouchedFrom: number | undefined;
}
