import { createHmac, hash, hkdfSync } from 'node:crypto';
import type { AuditSummary } from '../../ports/audit';

/** The `prevHash` of the first entry ever written. */
export const genesisHash = '0'.repeat(64);
/** Bumped if the canonical encoding ever changes, so old entries still verify under the old rule. */
const encodingVersion = 1;

export type EntryKind = 'request' | 'prune';

/** The fields an entry's hash covers: everything stored except the hash itself. */
export interface ChainFields {
  readonly seq: number;
  readonly kind: EntryKind;
  readonly time: number;
  readonly actor: string;
  readonly type: string;
  readonly summary: AuditSummary;
  readonly outcome: string;
  readonly durationMs: number;
  readonly prevHash: string;
}

/** JSON with object keys sorted, so the same summary always encodes to the same bytes. */
export function canonicalSummary(summary: AuditSummary): string {
  const keys = Object.keys(summary);
  // Most summaries are built with their keys in order and no undefined value: encode them as they are.
  if (isCanonicalAlready(summary, keys)) return JSON.stringify(summary);
  const sorted: Record<string, AuditSummary[string]> = {};
  for (const key of sortInPlace(keys)) {
    const value = summary[key];
    if (value !== undefined) sorted[key] = value;
  }
  return JSON.stringify(sorted);
}

function isCanonicalAlready(summary: AuditSummary, keys: readonly string[]): boolean {
  let previous = '';
  for (const key of keys) {
    if (key <= previous || summary[key] === undefined) return false;
    previous = key;
  }
  return true;
}

/**
 * Insertion sort by UTF-16 code units, the order of `Array.prototype.sort` without a comparator:
 * a summary has a handful of keys, and the built-in sort's scratch space was the largest
 * allocation of the audit commit.
 */
function sortInPlace(keys: string[]): string[] {
  for (let index = 1; index < keys.length; index += 1) {
    const key = keys[index] ?? '';
    let into = index - 1;
    while (into >= 0 && (keys[into] ?? '') > key) {
      keys[into + 1] = keys[into] ?? '';
      into -= 1;
    }
    keys[into + 1] = key;
  }
  return keys;
}

/** Durations are kept to the microsecond so the stored value and the hashed value are the same number. */
export function roundDuration(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** SHA-256 over a canonical JSON array of the fields, in a fixed order. */
export function entryHash(fields: ChainFields, summaryJson = canonicalSummary(fields.summary)): string {
  const encoded = `[${encodingVersion},${fields.seq},${JSON.stringify(fields.kind)},${fields.time},${JSON.stringify(fields.actor)},${JSON.stringify(fields.type)},${summaryJson},${JSON.stringify(fields.outcome)},${JSON.stringify(fields.durationMs)},${JSON.stringify(fields.prevHash)}]`;
  // One-shot: no Hash object per entry (this runs for every request).
  return hash('sha256', encoded, 'hex');
}

/** HKDF `info` for the audit MAC key: a label of its own, so the key is never the database key or any other derived key. */
const macKeyInfo = 'localbrain audit mac v1';
/** What an entry's MAC signs before its hash: keeps entry MACs and anchor MACs (same key) from ever standing in for each other. */
const entryMacLabel = 'localbrain audit entry v1\n';

/**
 * The key that MACs the chain, derived from the database key with HKDF-SHA256. Derived rather
 * than stored: nothing more to keep, back up or lose, and the key itself is in no table, so a
 * copy of the rows (an export, a leaked SQL session, a backup read by someone without the key)
 * cannot be re-chained into something that verifies.
 */
export function auditMacKey(databaseKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', databaseKey, Buffer.alloc(0), macKeyInfo, 32));
}

/** HMAC-SHA256 over the entry's hash, which already covers every field and the link to the entry before. */
export function entryMac(macKey: Buffer, hash: string): string {
  return createHmac('sha256', macKey).update(entryMacLabel).update(hash, 'utf8').digest('hex');
}
