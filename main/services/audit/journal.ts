import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync } from 'node:crypto';
import { closeSync, constants, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { EntryKind } from './chain';

/** An audit entry with its place in the chain worked out: what the journal and `audit_log` both hold. */
export interface ChainedRow {
  readonly seq: number;
  readonly kind: EntryKind;
  readonly time: number;
  readonly actor: string;
  readonly type: string;
  /** The canonical summary JSON the hash covers. */
  readonly summary: string;
  readonly outcome: string;
  readonly durationMs: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly mac: string;
}

const keyInfo = Buffer.from('localbrain audit journal v1', 'utf8');
const lengthBytes = 4;
const nonceBytes = 12;
const tagBytes = 16;
/** A summary is a few hundred bytes; anything claiming more is not a record (garbage or the tail of an older one). */
const maxRecordBytes = 1024 * 1024;
/** Nonces are drawn from the system's random source a page at a time: one call per record cost more than the cipher. */
const noncePoolBytes = nonceBytes * 256;
const kinds: readonly string[] = ['request', 'prune'] satisfies EntryKind[];

/** The journal's AES-256-GCM key, derived from the database key like the chain's MAC key, never stored. */
export function auditJournalKey(databaseKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', databaseKey, Buffer.alloc(0), keyInfo, 32));
}

/** The row's columns in `audit_log`'s order: the journal's plaintext and the INSERT's parameters. */
export function chainedRowValues(row: ChainedRow): (string | number)[] {
  return [
    row.seq,
    row.kind,
    row.time,
    row.actor,
    row.type,
    row.summary,
    row.outcome,
    row.durationMs,
    row.prevHash,
    row.hash,
    row.mac,
  ];
}

function toRow(fields: unknown): ChainedRow | undefined {
  if (!Array.isArray(fields) || fields.length !== 11) return undefined;
  const [seq, kind, time, actor, type, summary, outcome, durationMs, prevHash, hash, mac] = fields as unknown[];
  const numbers = [seq, time, durationMs].every((value) => typeof value === 'number' && Number.isFinite(value));
  const strings = [actor, type, summary, outcome, prevHash, hash, mac].every((value) => typeof value === 'string');
  if (!numbers || !strings || typeof kind !== 'string' || !kinds.includes(kind)) return undefined;
  return {
    seq: seq as number,
    kind: kind as EntryKind,
    time: time as number,
    actor: actor as string,
    type: type as string,
    summary: summary as string,
    outcome: outcome as string,
    durationMs: durationMs as number,
    prevHash: prevHash as string,
    hash: hash as string,
    mac: mac as string,
  };
}

function decrypt(body: Buffer, keys: readonly Buffer[]): ChainedRow | undefined {
  const nonce = body.subarray(0, nonceBytes);
  const sealed = body.subarray(nonceBytes, body.length - tagBytes);
  const tag = body.subarray(body.length - tagBytes);
  for (const key of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
      return toRow(JSON.parse(plain.toString('utf8')));
    } catch {
      // Another key, or not a record at all.
    }
  }
  return undefined;
}

/**
 * The records of a journal file, oldest first. Reading stops at the first bytes that are not a
 * record under one of `keys` (the end of what was written, a record torn by a power cut, or
 * the middle of an older one) and at the first record whose sequence does not rise (the
 * journal restarts from its beginning once everything in it is in the database, so what
 * follows the newest lap is an older lap).
 */
export function readAuditJournal(file: string, keys: readonly Buffer[]): ChainedRow[] {
  if (!existsSync(file)) return [];
  const bytes = readFileSync(file);
  const rows: ChainedRow[] = [];
  let offset = 0;
  while (offset + lengthBytes <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    if (length <= nonceBytes + tagBytes || length > maxRecordBytes || offset + lengthBytes + length > bytes.length) break;
    const row = decrypt(bytes.subarray(offset + lengthBytes, offset + lengthBytes + length), keys);
    const previous = rows.at(-1);
    if (row === undefined || (previous !== undefined && row.seq <= previous.seq)) break;
    rows.push(row);
    offset += lengthBytes + length;
  }
  return rows;
}

/**
 * The audit log's write-ahead journal: each entry, sealed with AES-256-GCM, handed to the
 * kernel with one `write` before its reply is sent, so a crash of the process loses no
 * acknowledged entry while the database commit of the turn runs after the replies. The file
 * is overwritten from its start once everything in it is in the database, so it stays small
 * and its size rarely changes (a growing file costs the file system a metadata update per write).
 */
export class AuditJournal {
  readonly #file: string;
  #key: Buffer;
  #fd: number | undefined;
  #position = 0;
  readonly #noncePool = Buffer.alloc(noncePoolBytes);
  #nonceOffset = noncePoolBytes;

  /** Opens (creating, owner-only) the journal; throws when the file cannot be opened. */
  constructor(file: string, databaseKey: Buffer) {
    this.#file = file;
    this.#key = auditJournalKey(databaseKey);
    this.#fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
  }

  get file(): string {
    return this.#file;
  }

  /** Bytes written since the journal last started over. */
  get position(): number {
    return this.#position;
  }

  /** Seals and writes one row at the current position; throws when the write fails (the caller stops trusting the journal). */
  write(row: ChainedRow): void {
    if (this.#fd === undefined) throw new Error('the audit journal is closed');
    if (this.#nonceOffset === noncePoolBytes) {
      randomFillSync(this.#noncePool);
      this.#nonceOffset = 0;
    }
    const nonce = this.#noncePool.subarray(this.#nonceOffset, this.#nonceOffset + nonceBytes);
    this.#nonceOffset += nonceBytes;
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    const sealed = cipher.update(JSON.stringify(chainedRowValues(row)), 'utf8');
    const final = cipher.final();
    const tag = cipher.getAuthTag();
    const length = nonceBytes + sealed.length + final.length + tagBytes;
    const record = Buffer.allocUnsafe(lengthBytes + length);
    record.writeUInt32LE(length, 0);
    nonce.copy(record, lengthBytes);
    sealed.copy(record, lengthBytes + nonceBytes);
    final.copy(record, lengthBytes + nonceBytes + sealed.length);
    tag.copy(record, lengthBytes + length - tagBytes);
    const written = writeSync(this.#fd, record, 0, record.length, this.#position);
    if (written !== record.length) throw new Error(`the audit journal took ${written} of ${record.length} bytes`);
    this.#position += written;
  }

  /**
   * Starts over from the beginning of the file, optionally under a new database key. Only when
   * everything written so far is in the database: what the next records overwrite is then
   * never needed again.
   */
  restart(databaseKey?: Buffer): void {
    if (databaseKey !== undefined) this.#key = auditJournalKey(databaseKey);
    this.#position = 0;
  }

  /** Empties the file (everything in it is in the database) and closes it. */
  close(): void {
    if (this.#fd === undefined) return;
    try {
      ftruncateSync(this.#fd, 0);
    } finally {
      this.closeKeepingEntries();
    }
  }

  /** Closes the file as it is: it holds entries the database lacks, for the next open to replay. */
  closeKeepingEntries(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
