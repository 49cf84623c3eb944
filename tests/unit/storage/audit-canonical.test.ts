import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditSummary } from '../../../main/ports/audit';
import { canonicalSummary, entryHash } from '../../../main/services/audit/chain';

/** The rule entries have been hashed under since schema 1: keys sorted by `Array.prototype.sort`, undefined values dropped. */
function encodedAsEver(summary: AuditSummary): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(summary).sort()) if (summary[key] !== undefined) sorted[key] = summary[key];
  return JSON.stringify(sorted);
}

const summaryValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(undefined), fc.constant(null));
const summaryKey = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.nat(200).map(String),
  fc.constantFrom('op', 'path', 'type', 'Z', 'é', '__proto__x'),
);

describe('canonical summary encoding', () => {
  it('encodes every summary exactly as entries written before were encoded, so old chains still verify', () => {
    fc.assert(
      fc.property(fc.dictionary(summaryKey, summaryValue, { maxKeys: 12 }), (summary) => {
        expect(canonicalSummary(summary as AuditSummary)).toBe(encodedAsEver(summary as AuditSummary));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives a summary the same bytes whatever order its keys were set in', () => {
    expect(canonicalSummary({ path: '/w/a', op: 'stat', bytes: 3 })).toBe('{"bytes":3,"op":"stat","path":"/w/a"}');
    expect(canonicalSummary({ bytes: 3, op: 'stat', path: '/w/a' })).toBe('{"bytes":3,"op":"stat","path":"/w/a"}');
    // A summarizer that spreads an optional field can leave an undefined value behind.
    expect(canonicalSummary({ op: 'stat', skipped: undefined } as unknown as AuditSummary)).toBe('{"op":"stat"}');
    expect(canonicalSummary({ b: 1, 10: 'x', 9: 'y' })).toBe(encodedAsEver({ b: 1, 10: 'x', 9: 'y' }));
  });

  it('hashes an entry to the value it has always had', () => {
    const hash = entryHash({
      seq: 7,
      kind: 'request',
      time: 1_700_000_000_000,
      actor: 'window:1',
      type: 'FileOperation',
      summary: { path: '/w/notes.md', op: 'read' },
      outcome: 'ok',
      durationMs: 0.125,
      prevHash: '0'.repeat(64),
    });
    expect(hash).toBe(createReferenceHash());
  });
});

/** The hash as schema 1 defined it, computed the long way with a Hash object. */
function createReferenceHash(): string {
  const encoded = `[1,7,"request",1700000000000,"window:1","FileOperation",{"op":"read","path":"/w/notes.md"},"ok",0.125,"${'0'.repeat(64)}"]`;
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}
