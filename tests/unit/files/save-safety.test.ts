import { createHash } from 'node:crypto';
import { chmod, chown, link, lstat, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cutToBytes, isTempName, tempNameFor } from '../../../main/services/files/atomic-write';
import { diffBudgetMs, textDiff } from '../../../main/services/files/diff';
import { FileOperations, type MoveCalls } from '../../../main/services/files/operations';
import { PathLocks } from '../../../main/services/files/path-locks';
import { mayKeepOwner, mayWrite, type UserIdentity } from '../../../main/services/files/permissions';
import type { FileOp } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';
import { fileFixture } from './support';

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const isRoot = process.getuid?.() === 0;
const alice: UserIdentity = { uid: 1000, gid: 1000, groups: [50] };
const root: UserIdentity = { uid: 0, gid: 0, groups: [] };

describe('which files a save may replace', () => {
  it('checks the write bit of the class that applies: owner, then group, then other', () => {
    expect(mayWrite({ mode: 0o644, uid: 1000, gid: 1000 }, alice)).toBe(true);
    expect(mayWrite({ mode: 0o444, uid: 1000, gid: 1000 }, alice)).toBe(false);
    // The owner class decides for the owner, even when group or other could write.
    expect(mayWrite({ mode: 0o466, uid: 1000, gid: 1000 }, alice)).toBe(false);
    expect(mayWrite({ mode: 0o664, uid: 2000, gid: 50 }, alice)).toBe(true);
    expect(mayWrite({ mode: 0o646, uid: 2000, gid: 50 }, alice)).toBe(false);
    expect(mayWrite({ mode: 0o644, uid: 2000, gid: 2000 }, alice)).toBe(false);
    expect(mayWrite({ mode: 0o646, uid: 2000, gid: 2000 }, alice)).toBe(true);
  });

  it('treats a file with no write bit at all as read-only for root too, as editors do', () => {
    expect(mayWrite({ mode: 0o444, uid: 1000, gid: 1000 }, root)).toBe(false);
    expect(mayWrite({ mode: 0o400, uid: 0, gid: 0 }, root)).toBe(false);
    expect(mayWrite({ mode: 0o464, uid: 1000, gid: 1000 }, root)).toBe(true);
  });

  it('keeps the owner only where chown would be allowed', () => {
    expect(mayKeepOwner({ mode: 0o644, uid: 1000, gid: 50 }, alice)).toBe(true);
    expect(mayKeepOwner({ mode: 0o664, uid: 2000, gid: 50 }, alice)).toBe(false);
    expect(mayKeepOwner({ mode: 0o644, uid: 1000, gid: 3000 }, alice)).toBe(false);
    expect(mayKeepOwner({ mode: 0o644, uid: 2000, gid: 3000 }, root)).toBe(true);
  });
});

describe('temp names', () => {
  it('stay under 255 bytes for a long non-ASCII name, cut between characters', () => {
    const cjk = `${'文'.repeat(82)}.txt`; // 250 bytes
    expect(Buffer.byteLength(cjk)).toBe(250);
    const temp = tempNameFor(cjk);
    expect(Buffer.byteLength(temp)).toBeLessThanOrEqual(255);
    expect(isTempName(temp)).toBe(true);
    expect(temp).not.toContain('\ufffd');
    // An emoji is two UTF-16 units and four bytes: never split.
    expect(cutToBytes('a😀b', 4)).toBe('a');
    expect(cutToBytes('a😀b', 5)).toBe('a😀');
    expect(cutToBytes('é'.repeat(10), 5)).toBe('éé');
  });
});

describe('diff within a budget', () => {
  it('falls back to a whole-file replacement for texts too different to compare in time', () => {
    const lines = 8_000;
    const before = Array.from({ length: lines }, (_, index) => `old line ${index}`).join('\n') + '\n';
    const after = Array.from({ length: lines }, (_, index) => `new line ${index}`).join('\n');
    const started = performance.now();
    const result = textDiff({ before, after, name: 'big.txt', existed: true, context: 3 });
    // Generous: the budget, the fallback and a loaded machine.
    expect(performance.now() - started).toBeLessThan(diffBudgetMs + 2_000);
    expect(result).toMatchObject({ replaced: true, identical: false, additions: lines, deletions: lines });
    expect(result.patch).toContain(`@@ -1,${lines} +1,${lines} @@`);
    expect(result.patch.trimEnd().endsWith('\\ No newline at end of file')).toBe(true);
  });

  it('still diffs line by line when the change is small, and handles empty sides', () => {
    const before = Array.from({ length: 8_000 }, (_, index) => `line ${index}`).join('\n');
    const after = before.replace('line 4000', 'changed 4000');
    expect(textDiff({ before, after, name: 'x', existed: true, context: 3 })).toMatchObject({
      replaced: false,
      additions: 1,
      deletions: 1,
    });
    expect(textDiff({ before: '', after: 'a\n', name: 'x', existed: false, context: 3 })).toMatchObject({
      replaced: false,
      additions: 1,
    });
    expect(textDiff({ before: 'same', after: 'same', name: 'x', existed: true, context: 3 })).toMatchObject({
      identical: true,
      additions: 0,
      deletions: 0,
    });
  });
});

describe('PathLocks', () => {
  it('runs work with the same key one at a time, in order, and forgets a key when done', async () => {
    const locks = new PathLocks();
    const order: string[] = [];
    const slow = (label: string) => async () => {
      order.push(`start ${label}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push(`end ${label}`);
      return label;
    };
    // A failing holder still releases the key.
    const failing = expect(locks.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const results = await Promise.all([locks.run('a', slow('1')), locks.run('a', slow('2')), locks.run('b', slow('3'))]);
    await failing;
    expect(results).toEqual(['1', '2', '3']);
    expect(order.indexOf('end 1')).toBeLessThan(order.indexOf('start 2'));
    expect(order.indexOf('start 3')).toBeLessThan(order.indexOf('end 1'));
    expect(locks.size).toBe(0);
  });
});

describe('saving', () => {
  let fx: Awaited<ReturnType<typeof fileFixture>>;
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: unknown) => (error instanceof LocalBrainError ? error.code : `thrown ${String(error)}`),
    );

  beforeEach(async () => {
    fx = await fileFixture();
  });
  afterEach(() => fx.remove());

  it('refuses a file the running user may not write, by its mode bits, unless forced', async () => {
    // Another identity through the seam: the test runs as root, which the kernel lets write anything.
    const files = new FileOperations(fx.roots, fx.trash, { user: alice });
    const target = path.join(fx.workspace, 'readme.md');
    const run = (op: FileOp) => files.run({ op, path: 'readme.md' });
    await chmod(target, 0o644);
    if (isRoot) await chown(target, 2000, 2000);
    await expect(run({ kind: 'write', content: 'x' })).rejects.toMatchObject({
      code: 'PermissionDenied',
      details: { reason: 'read-only', mode: '0644' },
    });
    expect(await readFile(target, 'utf8')).toBe('# hello\n');
    await chmod(target, 0o646);
    expect(await code(run({ kind: 'write', content: 'other may write\n' }))).toBe('ok');
  });

  it('keeps a read-only file read-only when a forced save replaces it', async () => {
    const target = path.join(fx.workspace, 'readme.md');
    await chmod(target, 0o444);
    await expect(fx.files.run({ op: { kind: 'write', content: 'x' }, path: 'readme.md' })).rejects.toMatchObject({
      code: 'PermissionDenied',
      details: { reason: 'read-only' },
    });
    await fx.files.run({ op: { kind: 'write', content: 'forced\n', force: true }, path: 'readme.md' });
    expect(await readFile(target, 'utf8')).toBe('forced\n');
    expect((await stat(target)).mode & 0o7777).toBe(0o444);
    // A new file has nothing to respect.
    expect(await code(fx.files.run({ op: { kind: 'write', content: 'new' }, path: 'fresh.md' }))).toBe('ok');
  });

  it.runIf(isRoot)('keeps the owner, group and mode, set-group-ID bit included', async () => {
    const target = path.join(fx.workspace, 'readme.md');
    await chown(target, 1234, 5678);
    await chmod(target, 0o2664);
    await fx.files.run({ op: { kind: 'write', content: 'kept\n' }, path: 'readme.md' });
    const after = await stat(target);
    expect([after.uid, after.gid, after.mode & 0o7777]).toEqual([1234, 5678, 0o2664]);
  });

  it('writes a hard-linked file in place, so every name sees the new text, and leaves no backup', async () => {
    const target = path.join(fx.workspace, 'readme.md');
    const other = path.join(fx.workspace, 'docs', 'same-file.md');
    await link(target, other);
    const inode = (await stat(target)).ino;
    await fx.files.run({ op: { kind: 'write', content: 'both names\n', expectedSha256: sha('# hello\n') }, path: 'readme.md' });
    expect(await readFile(other, 'utf8')).toBe('both names\n');
    expect((await stat(target)).ino).toBe(inode);
    expect((await stat(target)).nlink).toBe(2);
    // Shorter than before: the old tail is cut off.
    await fx.files.run({ op: { kind: 'write', content: 'b' }, path: 'docs/same-file.md' });
    expect(await readFile(target, 'utf8')).toBe('b');
    expect((await readdir(fx.workspace)).filter(isTempName)).toEqual([]);
    expect((await readdir(path.join(fx.workspace, 'docs'))).filter(isTempName)).toEqual([]);
  });

  it('backs up a large hard-linked file in chunks before writing it in place', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 'x');
    await writeFile(path.join(fx.workspace, 'big.bin'), big);
    await link(path.join(fx.workspace, 'big.bin'), path.join(fx.workspace, 'big-link.bin'));
    await fx.files.run({ op: { kind: 'write', content: 'small' }, path: 'big.bin' });
    expect(await readFile(path.join(fx.workspace, 'big-link.bin'), 'utf8')).toBe('small');
    expect((await readdir(fx.workspace)).filter(isTempName)).toEqual([]);
  });

  it('writes another user’s file in place when it cannot give it back its owner', async () => {
    // As alice, a group-writable file of uid 2000 in her group 50: a rename would make it hers.
    const files = new FileOperations(fx.roots, fx.trash, { user: alice });
    const target = path.join(fx.workspace, 'readme.md');
    if (isRoot) await chown(target, 2000, 50);
    await chmod(target, 0o664);
    const inode = (await stat(target)).ino;
    await files.run({ op: { kind: 'write', content: 'shared\n' }, path: 'readme.md' });
    expect(await readFile(target, 'utf8')).toBe('shared\n');
    expect((await stat(target)).ino).toBe(inode);
  });

  it('saves a file whose name is 250 bytes of CJK', async () => {
    const name = `${'文'.repeat(82)}.txt`;
    await writeFile(path.join(fx.workspace, name), 'old');
    await fx.files.run({ op: { kind: 'write', content: 'new' }, path: name });
    expect(await readFile(path.join(fx.workspace, name), 'utf8')).toBe('new');
  });

  it('serializes saves of one file: with the same expectedSha256, one wins and one is a Conflict', async () => {
    const base = sha('# hello\n');
    const outcomes = await Promise.all(
      ['first\n', 'second\n'].map((content) =>
        code(fx.files.run({ op: { kind: 'write', content, expectedSha256: base }, path: 'readme.md' })),
      ),
    );
    expect(outcomes.sort()).toEqual(['Conflict', 'ok']);
  });

  it('says a workspace root cannot be deleted, renamed or copied', async () => {
    await expect(fx.files.run({ op: { kind: 'delete' }, path: '.' })).rejects.toMatchObject({
      code: 'PermissionDenied',
      message: expect.stringContaining('Cannot delete a workspace root') as unknown,
    });
    await expect(fx.files.run({ op: { kind: 'delete' }, path: fx.workspace })).rejects.toMatchObject({
      message: expect.stringContaining('Cannot delete a workspace root') as unknown,
    });
    await expect(fx.files.run({ op: { kind: 'rename', to: 'docs/x' }, path: '.' })).rejects.toMatchObject({
      code: 'PermissionDenied',
      message: expect.stringContaining('Cannot rename a workspace root') as unknown,
    });
  });

  it('moves across file systems by copy-then-delete when link and rename say EXDEV', async () => {
    const crossDevice = () => Promise.reject(Object.assign(new Error('EXDEV: cross-device link'), { code: 'EXDEV' }));
    const moveCalls: MoveCalls = { link: crossDevice, rename: crossDevice };
    const files = new FileOperations(fx.roots, fx.trash, { moveCalls });
    await chmod(path.join(fx.workspace, 'readme.md'), 0o640);
    await files.run({ op: { kind: 'rename', to: 'docs/moved.md' }, path: 'readme.md' });
    expect(await readFile(path.join(fx.workspace, 'docs', 'moved.md'), 'utf8')).toBe('# hello\n');
    expect((await stat(path.join(fx.workspace, 'docs', 'moved.md'))).mode & 0o777).toBe(0o640);
    expect(await code(lstat(path.join(fx.workspace, 'readme.md')))).toMatch(/ENOENT/);
    await files.run({ op: { kind: 'rename', to: 'moved-docs' }, path: 'docs' });
    expect(await readFile(path.join(fx.workspace, 'moved-docs', 'guide.md'), 'utf8')).toBe('a guide\n');
    expect(await code(lstat(path.join(fx.workspace, 'docs')))).toMatch(/ENOENT/);
    // Symlinks move as links.
    await files.run({ op: { kind: 'rename', to: 'link-out-moved' }, path: 'link-out' });
    expect((await lstat(path.join(fx.workspace, 'link-out-moved'))).isSymbolicLink()).toBe(true);
    // And never over an existing name.
    await writeFile(path.join(fx.workspace, 'taken.md'), 'mine');
    expect(await code(files.run({ op: { kind: 'rename', to: 'taken.md' }, path: 'moved-docs/guide.md' }))).toBe('Conflict');
    expect(await readFile(path.join(fx.workspace, 'taken.md'), 'utf8')).toBe('mine');
  });
});
