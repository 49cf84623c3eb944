import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBrainError } from '../../../shared/errors';
import { isInside } from '../../../main/services/workspace/inside';
import { MemoryWorkspaceStore, WorkspaceRoots } from '../../../main/services/workspace/roots';
import { tempDir } from '../../support/temp';

const refused = new Set(['PermissionDenied', 'NotFound', 'ValidationFailed']);

describe('WorkspaceRoots', () => {
  let base: Awaited<ReturnType<typeof tempDir>>;
  let workspace: string;
  let second: string;
  let outside: string;

  beforeAll(async () => {
    base = await tempDir('localbrain-roots-');
    workspace = path.join(base.path, 'workspace');
    second = path.join(base.path, 'second');
    outside = path.join(base.path, 'outside');
    for (const folder of [workspace, second, outside, path.join(workspace, 'docs'), path.join(workspace, 'docs', 'deep')])
      await mkdir(folder);
    await writeFile(path.join(outside, 'canary.txt'), 'canary');
    await writeFile(path.join(workspace, 'readme.md'), 'inside');
    await writeFile(path.join(second, 'other.md'), 'second root');
    await symlink(path.join(outside, 'canary.txt'), path.join(workspace, 'link-out'));
    await symlink(outside, path.join(workspace, 'dir-out'));
    await symlink(path.join(workspace, 'readme.md'), path.join(workspace, 'link-in'));
    await symlink(second, path.join(workspace, 'to-second'));
    await symlink('../../..', path.join(workspace, 'docs', 'deep', 'up-three'));
  });

  afterAll(() => base.remove());

  it('grants real folders only, once each, and never a drive root', async () => {
    const roots = new WorkspaceRoots();
    expect(await roots.grant(`${workspace}/docs/..`)).toBe(workspace);
    await roots.grant(workspace);
    expect(roots.list()).toEqual([workspace]);
    await expect(roots.grant(path.join(workspace, 'readme.md'))).rejects.toMatchObject({ code: 'ValidationFailed' });
    await expect(roots.grant(path.join(base.path, 'missing'))).rejects.toMatchObject({ code: 'NotFound' });
    await expect(roots.grant('/')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(roots.grant('a\0b')).rejects.toMatchObject({ code: 'ValidationFailed' });
  });

  it('revokes a root, after which its paths are refused, and tells listeners', async () => {
    const roots = new WorkspaceRoots();
    const seen: (readonly string[])[] = [];
    const stop = roots.onChange((list) => seen.push([...list]));
    await roots.grant(workspace);
    await roots.grant(second);
    expect((await roots.resolveExisting(path.join(second, 'other.md'))).root).toBe(second);
    expect(roots.revoke(second)).toBe(true);
    expect(roots.revoke(second)).toBe(false);
    await expect(roots.resolveExisting(path.join(second, 'other.md'))).rejects.toMatchObject({ code: 'PermissionDenied' });
    stop();
    expect(seen).toEqual([[workspace], [workspace, second], [workspace]]);
  });

  it('refuses everything when nothing is granted', async () => {
    await expect(new WorkspaceRoots().resolveExisting('.')).rejects.toMatchObject({ code: 'PermissionDenied' });
  });

  it('follows symlinks that stay inside a granted root and refuses those that lead out', async () => {
    const roots = new WorkspaceRoots();
    await roots.grant(workspace);
    expect((await roots.resolveExisting('link-in')).absolute).toBe(path.join(workspace, 'readme.md'));
    await expect(roots.resolveExisting('link-out')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(roots.resolveExisting('dir-out/canary.txt')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(roots.resolveExisting('docs/deep/up-three/outside')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(roots.resolveExisting('to-second/other.md')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await roots.grant(second);
    const granted = await roots.resolveExisting('to-second/other.md');
    expect(granted).toMatchObject({ root: second, relative: 'other.md' });
  });

  it('resolves on this thread exactly as it does on the thread pool', async () => {
    const roots = new WorkspaceRoots();
    await roots.grant(workspace);
    for (const requested of [
      '.',
      'link-in',
      'docs',
      'link-out',
      'dir-out/canary.txt',
      'docs/deep/up-three/outside',
      'missing',
      '../x',
    ]) {
      const pooled = await roots.resolveExisting(requested).then(
        (resolved) => ({ resolved }),
        (error: unknown) => ({ code: (error as LocalBrainError).code }),
      );
      let now;
      try {
        now = { resolved: roots.resolveExistingNow(requested) };
      } catch (error) {
        now = { code: (error as LocalBrainError).code };
      }
      expect(now, requested).toEqual(pooled);
    }
    expect(() => new WorkspaceRoots().resolveExistingNow('.')).toThrow(expect.objectContaining({ code: 'PermissionDenied' }));
  });

  it('resolves a new entry by its real parent without following the entry itself', async () => {
    const roots = new WorkspaceRoots();
    await roots.grant(workspace);
    expect(await roots.resolveChild('docs/new.md')).toMatchObject({
      parent: path.join(workspace, 'docs'),
      name: 'new.md',
      relative: 'docs/new.md',
    });
    expect(await roots.resolveChild('link-out')).toMatchObject({ parent: workspace, name: 'link-out' });
    await expect(roots.resolveChild('dir-out/new.md')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(roots.resolveChild('.')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(roots.resolveChild('missing/new.md')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('is persisted through a WorkspaceStore (in memory here; never a plaintext file)', async () => {
    const store = new MemoryWorkspaceStore([workspace]);
    await store.save([workspace, second]);
    expect(await store.load()).toEqual([workspace, second]);
  });

  describe('property: any generated path stays inside a root or is refused', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '',
        'docs',
        'deep',
        'up-three',
        'readme.md',
        'link-out',
        'dir-out',
        'link-in',
        'to-second',
        'outside',
        'canary.txt',
      ),
      fc.constantFrom('%2e%2e', '..%2f', '\\..', '..\\..', '．．', '...', '.. ', 'C:', '~', 'CON'),
      fc.string({ maxLength: 6 }),
    );
    const relativePath = fc.array(segment, { minLength: 1, maxLength: 10 }).map((parts) => parts.join('/'));
    const anyPath = fc.oneof(
      relativePath,
      relativePath.map((rest) => `${workspace}/${rest}`),
      relativePath.map((rest) => `${outside}/${rest}`),
      relativePath.map((rest) => `/${rest}`),
      fc.string({ maxLength: 40 }),
    );

    it('resolveExisting', async () => {
      const roots = new WorkspaceRoots();
      await roots.grant(workspace);
      await fc.assert(
        fc.asyncProperty(anyPath, async (requested) => {
          try {
            const resolved = await roots.resolveExisting(requested);
            expect(isInside(workspace, resolved.absolute)).toBe(true);
            expect(isInside(workspace, await realpath(resolved.absolute))).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(LocalBrainError);
            expect(refused.has((error as LocalBrainError).code)).toBe(true);
          }
        }),
        { numRuns: 1500 },
      );
    });

    it('resolveChild', async () => {
      const roots = new WorkspaceRoots();
      await roots.grant(workspace);
      await fc.assert(
        fc.asyncProperty(anyPath, async (requested) => {
          try {
            const resolved = await roots.resolveChild(requested);
            expect(isInside(workspace, await realpath(resolved.parent))).toBe(true);
            expect(resolved.name).not.toContain('/');
            expect(['', '.', '..']).not.toContain(resolved.name);
            expect(path.join(resolved.parent, resolved.name)).toBe(resolved.absolute);
          } catch (error) {
            expect(error).toBeInstanceOf(LocalBrainError);
            expect(refused.has((error as LocalBrainError).code)).toBe(true);
          }
        }),
        { numRuns: 1500 },
      );
    });
  });
});
