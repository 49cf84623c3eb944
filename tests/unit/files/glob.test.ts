import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../../main/services/files/glob';

const sensitive = (glob: string) => compileGlob(glob, { caseSensitive: true });

/** What the search used before: picomatch with the same options, the reference for ordinary patterns. */
const reference = (glob: string, caseSensitive = true) =>
  picomatch(glob, { dot: true, nocase: !caseSensitive, matchBase: !glob.includes('/') });

const paths = [
  'a',
  'a.ts',
  'a.tsx',
  'b.ts',
  '.env',
  'readme.md',
  'README.MD',
  'src/a.ts',
  'src/b.js',
  'src/.hidden.ts',
  'src/deep/x/y.ts',
  'src/deep/x/y.test.ts',
  'docs/guide.md',
  'docs/a/b/c.md',
  'a/b',
  'a/x/b',
  'a/x/y/b',
  'ab',
  'axyb',
  'ax/yb',
  'file[1].txt',
  'file1.txt',
  'fileA.txt',
  'x{y}.txt',
  'über.txt',
  '日本語.md',
  'a.b.c',
];

const globs = [
  '*',
  '*.ts',
  '*.{ts,tsx}',
  '{a,b}.ts',
  '?.ts',
  '??.ts',
  'src/*.ts',
  'src/**/*.ts',
  'src/**',
  '**/*.md',
  '**',
  'a/**/b',
  'a/*/b',
  '**/b',
  'a**b',
  'file[0-9].txt',
  'file[^0-9].txt',
  'file[abcA].txt',
  'file\\[1\\].txt',
  '*.*.*',
  'docs/**/c.md',
  '*.MD',
  '{src,docs}/**/*.{ts,md}',
  '{a,{b,src}}/**',
  '!*.ts',
  '.env',
  '*.md',
  'über*',
  '日本*',
  '*b',
  'src/deep/**/y.ts',
];

describe('compileGlob', () => {
  it('agrees with picomatch (dot, matchBase) on ordinary patterns, case-sensitive and not', () => {
    for (const glob of globs) {
      for (const caseSensitive of [true, false]) {
        const ours = compileGlob(glob, { caseSensitive });
        const theirs = reference(glob, caseSensitive);
        for (const candidate of paths) {
          expect(ours(candidate), `${glob} ${caseSensitive ? 'cs' : 'ci'} ${candidate}`).toBe(theirs(candidate));
        }
      }
    }
  });

  it('matches a name of 36 a and ! against *a*…*b at once (a backtracking matcher takes minutes)', () => {
    const name = `${'a'.repeat(36)}!`;
    const glob = `${'*a'.repeat(12)}*b`;
    const started = performance.now();
    expect(sensitive(glob)(name)).toBe(false);
    expect(compileGlob(`${'*a'.repeat(60)}*b`, { caseSensitive: false })('a'.repeat(4000))).toBe(false);
    expect(sensitive(`${'*a'.repeat(12)}*`)(name)).toBe(true);
    // Generous: the NFA does a few hundred thousand steps here.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('treats extglobs, numeric ranges and unclosed brackets as literal characters', () => {
    expect(sensitive('@(a|b)')('@(a|b)')).toBe(true);
    expect(sensitive('@(a|b)')('a')).toBe(false);
    expect(sensitive('{1..3}')('2')).toBe(false);
    expect(sensitive('{a}')('{a}')).toBe(true);
    expect(sensitive('a[b')('a[b')).toBe(true);
    expect(sensitive('a{b')('a{b')).toBe(true);
    expect(sensitive('[]]')(']')).toBe(true);
    // POSIX negation (picomatch gets this one wrong with matchBase).
    expect(sensitive('file[!0-9].txt')('fileA.txt')).toBe(true);
    expect(sensitive('file[!0-9].txt')('file1.txt')).toBe(false);
    expect(sensitive('a\\')('a\\')).toBe(true);
  });

  it('never lets * ? or a class cross a /, and ** only as a whole segment', () => {
    expect(sensitive('a/*')('a/b/c')).toBe(false);
    expect(sensitive('a/?/c')('a///c')).toBe(false);
    expect(sensitive('a[/]b')('a/b')).toBe(false);
    expect(sensitive('a/**')('a')).toBe(true);
    expect(sensitive('a/**')('ab')).toBe(false);
    expect(sensitive('a/b**')('a/bx/y')).toBe(false);
    expect(sensitive('**/x')('x')).toBe(true);
    expect(sensitive('./src/*.ts')('src/a.ts')).toBe(true);
  });

  it('never throws, and answers in bounded time, for any pattern and path', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', '/', '[', ']', '{', '}', ',', '!', '\\', '-', '.', 'é', '語');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 40 }),
        fc.string({ unit: alphabet, maxLength: 60 }),
        (glob, candidate) => {
          const matcher = compileGlob(glob, { caseSensitive: false });
          expect(typeof matcher(candidate)).toBe('boolean');
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
