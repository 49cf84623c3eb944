import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScrollbackRing } from '../../../main/services/pty/scrollback-ring';

describe('ScrollbackRing', () => {
  it('always holds exactly the last `capacity` characters written (modulo a cut surrogate)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.string({ maxLength: 300 }), { maxLength: 60 }),
        (capacity, chunks) => {
          const ring = new ScrollbackRing(capacity);
          for (const chunk of chunks) ring.push(chunk);
          const all = chunks.join('');
          const expected = all.slice(Math.max(0, all.length - capacity));
          expect(ring.length).toBe(expected.length);
          const snapshot = ring.snapshot();
          expect(expected.endsWith(snapshot)).toBe(true);
          expect(expected.length - snapshot.length).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('never starts a snapshot with half of a surrogate pair', () => {
    const ring = new ScrollbackRing(3);
    ring.push('a😀😀');
    expect(ring.snapshot()).toBe('😀');
  });

  it('stays bounded over many small writes', () => {
    const ring = new ScrollbackRing(1_000);
    for (let index = 0; index < 100_000; index += 1) ring.push('0123456789');
    expect(ring.length).toBe(1_000);
    expect(ring.snapshot()).toBe('0123456789'.repeat(100));
  });
});
