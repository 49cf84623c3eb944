import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileOp, SearchMatch } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';
import { limits } from '../../../shared/limits';
import { testSender } from '../../support/sender';
import { fileFixture } from './support';

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('FileOperations', () => {
  let fx: Awaited<ReturnType<typeof fileFixture>>;
  const run = (op: FileOp, requested: string) => fx.files.run({ op, path: requested });
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: unknown) => (error instanceof LocalBrainError ? error.code : `thrown ${String(error)}`),
    );

  beforeEach(async () => {
    fx = await fileFixture();
  });
  afterEach(() => fx.remove());

  describe('list', () => {
    it('sorts folders first, then names naturally, and hides dotfiles unless asked', async () => {
      for (const name of ['file10.txt', 'file2.txt', 'B.txt', 'a.txt', '.hidden'])
        await writeFile(path.join(fx.workspace, name), name);
      await mkdir(path.join(fx.workspace, 'zeta'));
      const listing = await run({ kind: 'list' }, '.');
      if (listing.kind !== 'list') throw new Error('not a list');
      expect(listing.entries.map((entry) => entry.name)).toEqual([
        'docs',
        'zeta',
        'a.txt',
        'B.txt',
        'dir-out',
        'file2.txt',
        'file10.txt',
        'link-in',
        'link-out',
        'readme.md',
      ]);
      expect(listing.entries.find((entry) => entry.name === 'link-out')?.type).toBe('symlink');
      const withHidden = await run({ kind: 'list', includeHidden: true }, '.');
      expect(withHidden.kind === 'list' && withHidden.entries.some((entry) => entry.name === '.hidden')).toBe(true);
    });

    it('says where each symlink leads, without following one that leads out', async () => {
      await symlink('docs', path.join(fx.workspace, 'docs-link'));
      await symlink('missing.md', path.join(fx.workspace, 'broken-link'));
      await symlink(path.join(fx.outside, 'not-there'), path.join(fx.workspace, 'broken-out'));
      const listing = await run({ kind: 'list' }, '.');
      const targets = Object.fromEntries(
        (listing.kind === 'list' ? listing.entries : [])
          .filter((entry) => entry.type === 'symlink')
          .map((entry) => [entry.name, entry.linkTarget]),
      );
      expect(targets).toEqual({
        'docs-link': 'directory',
        'link-in': 'file',
        'link-out': 'outside',
        'dir-out': 'outside',
        'broken-link': 'broken',
        'broken-out': 'outside',
      });
      const throughLink = await run({ kind: 'list' }, 'docs-link');
      expect(throughLink.kind === 'list' && throughLink.entries.map((entry) => entry.path)).toEqual(['docs/guide.md']);
    });

    it('refuses a file as a folder', async () => {
      expect(await code(run({ kind: 'list' }, 'readme.md'))).toBe('ValidationFailed');
    });
  });

  describe('read', () => {
    it('detects UTF-8, UTF-8 with BOM and UTF-16 text, and sends binary as base64', async () => {
      await writeFile(path.join(fx.workspace, 'bom.txt'), Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]));
      await writeFile(
        path.join(fx.workspace, 'le.txt'),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')]),
      );
      await writeFile(
        path.join(fx.workspace, 'be.txt'),
        Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('héllo', 'utf16le').swap16()]),
      );
      const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff]);
      await writeFile(path.join(fx.workspace, 'image.png'), binary);
      await writeFile(path.join(fx.workspace, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
      expect(await run({ kind: 'read' }, 'bom.txt')).toMatchObject({ encoding: 'utf8', charset: 'utf-8-bom', content: 'hi' });
      expect(await run({ kind: 'read' }, 'le.txt')).toMatchObject({ encoding: 'utf8', charset: 'utf-16le', content: 'héllo' });
      expect(await run({ kind: 'read' }, 'be.txt')).toMatchObject({ encoding: 'utf8', charset: 'utf-16be', content: 'héllo' });
      expect(await run({ kind: 'read' }, 'image.png')).toMatchObject({
        encoding: 'base64',
        content: binary.toString('base64'),
        sha256: sha(binary),
      });
      expect(await run({ kind: 'read' }, 'latin1.txt')).toMatchObject({ encoding: 'base64' });
    });

    it('refuses a folder, a FIFO and a file over the size cap with clear errors', async () => {
      expect(await code(run({ kind: 'read' }, 'docs'))).toBe('ValidationFailed');
      await writeFile(path.join(fx.workspace, 'big.bin'), Buffer.alloc(limits.maxReadBytes + 1));
      await expect(run({ kind: 'read' }, 'big.bin')).rejects.toMatchObject({
        code: 'ValidationFailed',
        details: { size: limits.maxReadBytes + 1, limit: limits.maxReadBytes },
      });
      const { execFileSync } = await import('node:child_process');
      execFileSync('mkfifo', [path.join(fx.workspace, 'pipe')]);
      expect(await code(run({ kind: 'read' }, 'pipe'))).toBe('ValidationFailed');
      expect(await code(run({ kind: 'read' }, 'missing.txt'))).toBe('NotFound');
    });
  });

  describe('write', () => {
    it('replaces a file atomically, keeps its permissions and leaves no temp file', async () => {
      const target = path.join(fx.workspace, 'readme.md');
      const { chmod } = await import('node:fs/promises');
      await chmod(target, 0o640);
      const reply = await run({ kind: 'write', content: 'new text\n' }, 'readme.md');
      expect(reply).toMatchObject({ kind: 'write', sha256: sha('new text\n'), entry: { path: 'readme.md', size: 9 } });
      expect(await readFile(target, 'utf8')).toBe('new text\n');
      expect((await stat(target)).mode & 0o777).toBe(0o640);
      expect((await readdir(fx.workspace)).filter((name) => name.includes('localbrain'))).toEqual([]);
    });

    it('answers Conflict when the file changed underneath, and writes when the hash matches', async () => {
      const original = await readFile(path.join(fx.workspace, 'readme.md'));
      await writeFile(path.join(fx.workspace, 'readme.md'), 'someone else saved\n');
      await expect(run({ kind: 'write', content: 'mine', expectedSha256: sha(original) }, 'readme.md')).rejects.toMatchObject({
        code: 'Conflict',
        details: { actualSha256: sha('someone else saved\n') },
      });
      expect(await readFile(path.join(fx.workspace, 'readme.md'), 'utf8')).toBe('someone else saved\n');
      await run({ kind: 'write', content: 'mine', expectedSha256: sha('someone else saved\n') }, 'readme.md');
      expect(await readFile(path.join(fx.workspace, 'readme.md'), 'utf8')).toBe('mine');
    });

    it('creates a new file, refuses createOnly over an existing one, and writes base64 and UTF-16', async () => {
      await run({ kind: 'write', content: 'fresh', createOnly: true }, 'docs/new.md');
      expect(await code(run({ kind: 'write', content: 'again', createOnly: true }, 'docs/new.md'))).toBe('Conflict');
      await run({ kind: 'write', content: Buffer.from([0, 1, 2]).toString('base64'), encoding: 'base64' }, 'raw.bin');
      expect(await readFile(path.join(fx.workspace, 'raw.bin'))).toEqual(Buffer.from([0, 1, 2]));
      await run({ kind: 'write', content: 'hé', charset: 'utf-16le' }, 'wide.txt');
      expect(await run({ kind: 'read' }, 'wide.txt')).toMatchObject({ charset: 'utf-16le', content: 'hé' });
      expect(await code(run({ kind: 'write', content: 'x' }, 'docs'))).toBe('ValidationFailed');
      expect(await code(run({ kind: 'write', content: 'x' }, 'missing/new.md'))).toBe('NotFound');
    });

    it('writes through a symlink that stays inside to its target, keeping the link', async () => {
      await run({ kind: 'write', content: 'via link\n' }, 'link-in');
      expect(await readFile(path.join(fx.workspace, 'readme.md'), 'utf8')).toBe('via link\n');
      const { lstat } = await import('node:fs/promises');
      expect((await lstat(path.join(fx.workspace, 'link-in'))).isSymbolicLink()).toBe(true);
    });
  });

  describe('diff', () => {
    it('gives a unified diff with counts and the base hash to save against', async () => {
      const reply = await run({ kind: 'diff', content: '# hello\nmore\n' }, 'readme.md');
      expect(reply).toMatchObject({ kind: 'diff', additions: 1, deletions: 0, identical: false, baseSha256: sha('# hello\n') });
      if (reply.kind === 'diff') expect(reply.patch).toContain('+more');
      expect(await run({ kind: 'diff', content: '# hello\n' }, 'readme.md')).toMatchObject({ identical: true, additions: 0 });
      const created = await run({ kind: 'diff', content: 'a\nb\n' }, 'docs/new.md');
      expect(created).toMatchObject({ additions: 2, deletions: 0 });
      expect(created).not.toHaveProperty('baseSha256');
      await writeFile(path.join(fx.workspace, 'blob.bin'), Buffer.from([0, 0, 1]));
      expect(await code(run({ kind: 'diff', content: 'x' }, 'blob.bin'))).toBe('ValidationFailed');
    });
  });

  describe('mkdir, rename, copy', () => {
    it('makes folders and refuses an existing name', async () => {
      await run({ kind: 'mkdir' }, 'src');
      expect((await stat(path.join(fx.workspace, 'src'))).isDirectory()).toBe(true);
      expect(await code(run({ kind: 'mkdir' }, 'src'))).toBe('Conflict');
      expect(await code(run({ kind: 'mkdir' }, 'a/b/c'))).toBe('NotFound');
    });

    it('renames and moves without overwriting, and refuses moving a folder into itself', async () => {
      await run({ kind: 'rename', to: 'docs/readme-moved.md' }, 'readme.md');
      expect(await readFile(path.join(fx.workspace, 'docs', 'readme-moved.md'), 'utf8')).toBe('# hello\n');
      expect(await code(run({ kind: 'rename', to: 'docs/guide.md' }, 'docs/readme-moved.md'))).toBe('Conflict');
      expect(await code(run({ kind: 'rename', to: 'docs/inner' }, 'docs'))).toBe('ValidationFailed');
      expect(await code(run({ kind: 'rename', to: 'x' }, 'missing'))).toBe('NotFound');
      // Renaming a symlink renames the link, not what it points at.
      await run({ kind: 'rename', to: 'renamed-link' }, 'link-out');
      expect(await readFile(path.join(fx.outside, 'canary.txt'), 'utf8')).toBe(fx.canary);
    });

    it('copies files and folders, never over an existing name and never into itself', async () => {
      await run({ kind: 'copy', to: 'readme-copy.md' }, 'readme.md');
      expect(await readFile(path.join(fx.workspace, 'readme-copy.md'), 'utf8')).toBe('# hello\n');
      await run({ kind: 'copy', to: 'docs-copy' }, 'docs');
      expect(await readFile(path.join(fx.workspace, 'docs-copy', 'guide.md'), 'utf8')).toBe('a guide\n');
      expect(await code(run({ kind: 'copy', to: 'readme-copy.md' }, 'readme.md'))).toBe('Conflict');
      expect(await code(run({ kind: 'copy', to: 'docs/inside' }, 'docs'))).toBe('ValidationFailed');
    });

    it('copies a symlink that points out as a link, which stays unreadable', async () => {
      await symlink(path.join(fx.outside, 'canary.txt'), path.join(fx.workspace, 'docs', 'sneaky'));
      await run({ kind: 'copy', to: 'docs-copy' }, 'docs');
      expect(await code(run({ kind: 'read' }, 'docs-copy/sneaky'))).toBe('PermissionDenied');
    });
  });

  describe('delete and the data-dir trash', () => {
    it('moves a file to the trash, lists it, and restores it to where it was', async () => {
      const reply = await run({ kind: 'delete' }, 'docs/guide.md');
      if (reply.kind !== 'delete' || reply.trashed.id === undefined) throw new Error('expected a trash id');
      expect(reply.trashed.where).toBe('data-dir');
      expect(await code(run({ kind: 'read' }, 'docs/guide.md'))).toBe('NotFound');
      const items = await fx.trash.list();
      expect(items).toEqual([
        expect.objectContaining({
          id: reply.trashed.id,
          originalPath: path.join(fx.workspace, 'docs', 'guide.md'),
          type: 'file',
        }),
      ]);
      const { mode } = await stat(fx.trash.folder);
      expect(mode & 0o777).toBe(0o700);
      await fx.trash.restoreTo(reply.trashed.id, path.join(fx.workspace, 'docs', 'guide.md'));
      expect(await readFile(path.join(fx.workspace, 'docs', 'guide.md'), 'utf8')).toBe('a guide\n');
      expect(await fx.trash.list()).toEqual([]);
    });

    it('deletes a symlink itself, not its target, and refuses the root', async () => {
      await run({ kind: 'delete' }, 'link-out');
      expect(await readFile(path.join(fx.outside, 'canary.txt'), 'utf8')).toBe(fx.canary);
      expect(await code(run({ kind: 'delete' }, '.'))).toBe('PermissionDenied');
      expect(await code(run({ kind: 'delete' }, 'missing'))).toBe('NotFound');
    });

    it('leaves no trash entry behind when the item cannot be moved', async () => {
      await expect(
        fx.trash.put(path.join(fx.workspace, 'vanished.md'), path.join(fx.workspace, 'vanished.md')),
      ).rejects.toMatchObject({
        code: 'ENOENT',
      });
      await mkdir(fx.trash.folder, { recursive: true });
      expect(await readdir(fx.trash.folder)).toEqual([]);
      expect(await fx.trash.list()).toEqual([]);
    });

    it('refuses a restore over a name that exists again', async () => {
      const reply = await run({ kind: 'delete' }, 'readme.md');
      await writeFile(path.join(fx.workspace, 'readme.md'), 'new one');
      if (reply.kind !== 'delete' || reply.trashed.id === undefined) throw new Error('expected a trash id');
      await expect(fx.trash.restoreTo(reply.trashed.id, path.join(fx.workspace, 'readme.md'))).rejects.toMatchObject({
        code: 'Conflict',
      });
      expect(await readFile(path.join(fx.workspace, 'readme.md'), 'utf8')).toBe('new one');
    });
  });

  describe('search', () => {
    async function search(query: Record<string, unknown>, extra: Record<string, unknown> = {}, signal?: AbortSignal) {
      const found: SearchMatch[] = [];
      const reply = await fx.files.run(
        { op: { kind: 'search', searchId: 's', query, ...extra }, path: '.' },
        { signal, onSearchResults: (_id, matches) => found.push(...matches) },
      );
      return { reply, found };
    }

    beforeEach(async () => {
      await mkdir(path.join(fx.workspace, 'src', 'lib'), { recursive: true });
      await mkdir(path.join(fx.workspace, 'node_modules', 'dep'), { recursive: true });
      await mkdir(path.join(fx.workspace, '.git'));
      await writeFile(path.join(fx.workspace, 'src', 'main.ts'), 'const needle = 1;\nconst other = 2;\n// NEEDLE again\n');
      await writeFile(path.join(fx.workspace, 'src', 'lib', 'util.ts'), 'export const needle = 3;\n');
      await writeFile(path.join(fx.workspace, 'src', 'notes.md'), 'needle in markdown\n');
      await writeFile(path.join(fx.workspace, 'node_modules', 'dep', 'index.js'), 'needle\n');
      await writeFile(path.join(fx.workspace, '.git', 'config'), 'needle\n');
      await writeFile(path.join(fx.workspace, 'src', 'blob.bin'), Buffer.concat([Buffer.from('needle'), Buffer.from([0, 1])]));
    });

    it('finds text case-insensitively by default, with line and column, skipping .git, node_modules, binaries and symlinks', async () => {
      const { reply, found } = await search({ text: 'needle' });
      expect(reply).toMatchObject({ kind: 'search', matches: 4, truncated: false, cancelled: false });
      expect(found.map((match) => `${match.path}:${match.line}:${match.column}`).sort()).toEqual([
        'src/lib/util.ts:1:14',
        'src/main.ts:1:7',
        'src/main.ts:3:4',
        'src/notes.md:1:1',
      ]);
    });

    it('ignores case around non-ASCII text and reports columns in characters', async () => {
      await writeFile(path.join(fx.workspace, 'src', 'intl.md'), 'Straße → NEEDLE\nÜber Needle\n');
      const { found } = await search({ text: 'needle', names: 'intl.md' });
      expect(found.map((match) => `${match.line}:${match.column}`)).toEqual(['1:10', '2:6']);
      const accented = await search({ text: 'ÜBER', names: 'intl.md' });
      expect(accented.found.map((match) => match.line)).toEqual([2]);
    });

    it('property: ignoring case finds an ASCII needle in any casing, whatever bytes surround it', async () => {
      const ascii = fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
        minLength: 1,
        maxLength: 12,
      });
      const filler = fc.string({ unit: 'grapheme', maxLength: 60 }).map((text) => text.replace(/\n/g, ' '));
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          ascii,
          filler,
          filler,
          fc.array(fc.boolean(), { maxLength: 12 }),
          async (needle, before, after, flips) => {
            fc.pre(needle.trim() !== '' && !before.includes('\0') && !after.includes('\0'));
            const cased = Array.from({ length: needle.length }, (_, index) =>
              flips[index] ? needle.charAt(index).toUpperCase() : needle.charAt(index).toLowerCase(),
            ).join('');
            run += 1;
            const name = `p${run}.txt`;
            await writeFile(path.join(fx.workspace, 'src', name), `${before}${cased}${after}\n`);
            const { found } = await search({ text: needle, names: name });
            expect(found.length).toBe(1);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('honours case, regex and a names glob', async () => {
      expect((await search({ text: 'NEEDLE', caseSensitive: true })).found.map((match) => match.path)).toEqual(['src/main.ts']);
      expect((await search({ text: 'needle = \\d', regex: true })).reply).toMatchObject({ matches: 2 });
      expect((await search({ text: 'needle', names: '*.ts' })).reply).toMatchObject({ matches: 3 });
      expect((await search({ names: 'src/**/*.ts' })).found.map((match) => match.path).sort()).toEqual([
        'src/lib/util.ts',
        'src/main.ts',
      ]);
      await expect(search({ text: '(', regex: true })).rejects.toMatchObject({ code: 'ValidationFailed' });
    });

    it('stops a runaway regex with a clear error instead of freezing', async () => {
      await writeFile(path.join(fx.workspace, 'src', 'trap.txt'), `${'a'.repeat(40)}b\n`);
      await expect(search({ text: '(a+)+$', regex: true })).rejects.toMatchObject({
        code: 'ValidationFailed',
        message: expect.stringContaining('backtracks') as unknown,
      });
      // The same search as plain text is linear and fine.
      expect((await search({ text: '(a+)+$' })).reply).toMatchObject({ matches: 0 });
    });

    it('stops at the cap and says so', async () => {
      expect((await search({ text: 'needle' }, { maxResults: 2 })).reply).toMatchObject({ matches: 2, truncated: true });
    });

    it('stops when cancelled, by its id or by the request signal', async () => {
      for (let index = 0; index < 300; index += 1) await writeFile(path.join(fx.workspace, 'src', `f${index}.txt`), 'needle\n');
      const controller = new AbortController();
      controller.abort();
      expect((await search({ text: 'needle' }, {}, controller.signal)).reply).toMatchObject({ cancelled: true });
      const { sender } = testSender();
      const running = fx.files.run(
        { op: { kind: 'search', searchId: 'cancel-me', query: { text: 'needle' } }, path: '.' },
        { sender, onSearchResults: () => fx.files.cancelSearch('cancel-me', sender) },
      );
      expect(fx.files.cancelSearch('cancel-me', testSender().sender)).toBe(false);
      expect(await running).toMatchObject({ cancelled: true });
    });
  });

  it('property: a read of any generated path is refused or returns inside content, never the canary', async () => {
    const segment = fc.constantFrom(
      '..',
      '.',
      'docs',
      'guide.md',
      'readme.md',
      'link-out',
      'dir-out',
      'link-in',
      'canary.txt',
      'outside',
      '',
    );
    const requested = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('/')),
      fc.array(segment, { minLength: 1, maxLength: 8 }).map((parts) => `${fx.workspace}/${parts.join('/')}`),
    );
    await fc.assert(
      fc.asyncProperty(requested, async (candidate) => {
        const outcome = await fx.files.run({ op: { kind: 'read' }, path: candidate }).catch((error: unknown) => error);
        if (outcome instanceof LocalBrainError) {
          expect(['PermissionDenied', 'NotFound', 'ValidationFailed']).toContain(outcome.code);
        } else {
          expect(JSON.stringify(outcome)).not.toContain('CANARY');
        }
      }),
      { numRuns: 500 },
    );
  });
});
