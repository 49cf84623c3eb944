import { createHash } from 'node:crypto';
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
  const sorted: Record<string, AuditSummary[string]> = {};
  for (const key of Object.keys(summary).sort()) {
    const value = summary[key];
    if (value !== undefined) sorted[key] = value;
  }
  return JSON.stringify(sorted);
}

/** Durations are kept to the microsecond so the stored value and the hashed value are the same number. */
export function roundDuration(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** SHA-256 over a canonical JSON array of the fields, in a fixed order. */
export function entryHash(fields: ChainFields, summaryJson = canonicalSummary(fields.summary)): string {
  const encoded = `[${encodingVersion},${fields.seq},${JSON.stringify(fields.kind)},${fields.time},${JSON.stringify(fields.actor)},${JSON.stringify(fields.type)},${summaryJson},${JSON.stringify(fields.outcome)},${JSON.stringify(fields.durationMs)},${JSON.stringify(fields.prevHash)}]`;
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}
