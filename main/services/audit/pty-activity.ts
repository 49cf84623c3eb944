import type { AuditRecord } from '../../ports/audit';
import type { SqliteDatabase } from '../storage/sqlite';

/** The requests a terminal sends by the hundred per second: keystrokes and flow-control acks. */
const aggregatedTypes: ReadonlySet<string> = new Set(['PtyWrite', 'PtyAck']);
/** One entry per session per second: fine enough to place activity in time, coarse enough that typing is a handful of rows. */
export const activityWindowMs = 1_000;
/** The type of the entry that stands for a second of PtyWrite and PtyAck requests of one session. */
export const activityType = 'PtyActivity';

/** Counts of one session's successful PtyWrite and PtyAck requests in one window: never their data. */
export interface OpenActivity {
  readonly actor: string;
  readonly sessionId: string;
  readonly firstTime: number;
  lastTime: number;
  writes: number;
  writeChars: number;
  acks: number;
  ackChars: number;
  durationMs: number;
}

export function activityKey(actor: string, sessionId: string): string {
  return JSON.stringify([actor, sessionId]);
}

/**
 * The session and size of a request that is counted rather than recorded on its own: a
 * successful PtyWrite or PtyAck. A refused or failed one keeps a row of its own.
 */
export function countedTraffic(record: AuditRecord): { sessionId: string; chars: number; write: boolean } | undefined {
  if (!aggregatedTypes.has(record.type) || record.outcome !== 'ok') return undefined;
  const { sessionId, chars } = record.summary;
  if (typeof sessionId !== 'string' || typeof chars !== 'number') return undefined;
  return { sessionId, chars, write: record.type === 'PtyWrite' };
}

export function openActivity(record: AuditRecord, sessionId: string): OpenActivity {
  return {
    actor: record.actor,
    sessionId,
    firstTime: Math.round(record.time),
    lastTime: Math.round(record.time),
    writes: 0,
    writeChars: 0,
    acks: 0,
    ackChars: 0,
    durationMs: 0,
  };
}

export function addTraffic(activity: OpenActivity, record: AuditRecord, traffic: { chars: number; write: boolean }): void {
  activity.lastTime = Math.max(activity.lastTime, Math.round(record.time));
  activity.durationMs += record.durationMs;
  if (traffic.write) {
    activity.writes += 1;
    activity.writeChars += traffic.chars;
  } else {
    activity.acks += 1;
    activity.ackChars += traffic.chars;
  }
}

/** The chained entry a closed window becomes. `recovered` marks one sealed at the next start, after a crash. */
export function activityRecord(activity: OpenActivity, recovered = false): AuditRecord {
  return {
    time: activity.lastTime,
    actor: activity.actor,
    type: activityType,
    summary: {
      sessionId: activity.sessionId,
      writes: activity.writes,
      writeChars: activity.writeChars,
      acks: activity.acks,
      ackChars: activity.ackChars,
      from: activity.firstTime,
      to: activity.lastTime,
      ...(recovered ? { recovered: true } : {}),
    },
    outcome: 'ok',
    durationMs: activity.durationMs,
  };
}

interface ActivityRow {
  actor: string;
  session_id: string;
  first_time: number;
  last_time: number;
  writes: number;
  write_chars: number;
  acks: number;
  ack_chars: number;
  duration_ms: number;
}

/** `audit_open_aggregate`: the open windows, rewritten in each turn's transaction so an acknowledged keystroke is in the WAL. */
export class OpenActivityTable {
  readonly #upsert;
  readonly #remove;
  readonly #all;

  constructor(db: SqliteDatabase) {
    this.#upsert = db.prepare(
      `INSERT INTO audit_open_aggregate (actor, session_id, first_time, last_time, writes, write_chars, acks, ack_chars, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (actor, session_id) DO UPDATE SET first_time = excluded.first_time, last_time = excluded.last_time,
         writes = excluded.writes, write_chars = excluded.write_chars, acks = excluded.acks, ack_chars = excluded.ack_chars,
         duration_ms = excluded.duration_ms`,
    );
    this.#remove = db.prepare('DELETE FROM audit_open_aggregate WHERE actor = ? AND session_id = ?');
    this.#all = db.prepare('SELECT * FROM audit_open_aggregate ORDER BY first_time');
  }

  save(activity: OpenActivity): void {
    this.#upsert.run(
      activity.actor,
      activity.sessionId,
      activity.firstTime,
      activity.lastTime,
      activity.writes,
      activity.writeChars,
      activity.acks,
      activity.ackChars,
      activity.durationMs,
    );
  }

  remove(activity: OpenActivity): void {
    this.#remove.run(activity.actor, activity.sessionId);
  }

  /** Windows left open by a crash. */
  all(): OpenActivity[] {
    return (this.#all.all() as ActivityRow[]).map((row) => ({
      actor: row.actor,
      sessionId: row.session_id,
      firstTime: row.first_time,
      lastTime: row.last_time,
      writes: row.writes,
      writeChars: row.write_chars,
      acks: row.acks,
      ackChars: row.ack_chars,
      durationMs: row.duration_ms,
    }));
  }
}
