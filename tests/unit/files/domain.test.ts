import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../shared/contract';
import { grantInitialRoots, registerFilesDomain } from '../../../main/handlers/files';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { DisposableStore } from '../../../main/lifecycle';
import { MemoryWorkspaceStore, WorkspaceRoots } from '../../../main/services/workspace/roots';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';

/** The files and workspace handlers behind a real router, as the core registers them. */
async function domain(
  options: {
    pickFolder?: () => Promise<string | undefined>;
    trashItem?: (target: string) => Promise<void>;
    dataInside?: boolean;
  } = {},
) {
  const base = await tempDir('localbrain-domain-');
  const workspace = path.join(base.path, 'workspace');
  const other = path.join(base.path, 'other');
  const dataDir = options.dataInside ? path.join(workspace, '.localbrain-data') : path.join(base.path, 'data');
  for (const folder of [workspace, other, dataDir, path.join(workspace, 'docs')]) await mkdir(folder);
  await writeFile(path.join(dataDir, 'db.key'), 'DATA-KEY-CANARY');
  await writeFile(path.join(workspace, 'readme.md'), '# hi\n');
  const { logger } = capturingLogger();
  const audit = new MemoryAuditSink();
  const router = new Router({ audit, logger });
  const roots = new WorkspaceRoots();
  const store = new MemoryWorkspaceStore();
  await grantInitialRoots(roots, store, [workspace], logger);
  const disposables = new DisposableStore(logger);
  const { dataInside: _dataInside, ...injected } = options;
  registerFilesDomain({ router, roots, store, dataDir, logger, ...injected }, disposables);
  return { base, workspace, other, dataDir, router, roots, store, audit, disposables };
}

describe('files and workspace handlers', () => {
  let d: Awaited<ReturnType<typeof domain>>;
  afterEach(async () => {
    await d.disposables.dispose();
    await d.base.remove();
  });

  describe('in serve mode (no dialog, no OS trash)', () => {
    beforeEach(async () => {
      d = await domain();
    });

    it('lists roots and answers WorkspaceGrant with Unavailable, naming --workspace', async () => {
      const { sender } = testSender();
      expect(await d.router.dispatch({ type: 'WorkspaceList', data: {} }, sender)).toEqual({
        ok: true,
        value: { roots: [{ path: d.workspace, name: 'workspace' }] },
      });
      const grant = await d.router.dispatch({ type: 'WorkspaceGrant', data: {} }, sender);
      expect(grant).toMatchObject({
        ok: false,
        error: { code: 'Unavailable', message: expect.stringContaining('--workspace') as unknown },
      });
      // The renderer cannot name a folder: the message has no field for one.
      const named = await d.router.dispatch({ type: 'WorkspaceGrant', data: { path: '/' } }, sender);
      expect(named).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    });

    it('revokes a root: its files are refused afterwards and the store is updated', async () => {
      const { sender } = testSender();
      expect(await d.router.dispatch({ type: 'WorkspaceRevoke', data: { path: d.workspace } }, sender)).toEqual({
        ok: true,
        value: { revoked: true },
      });
      expect(await d.store.load()).toEqual([]);
      const read = await d.router.dispatch({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'readme.md' } }, sender);
      expect(read).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    });

    it('stops a search running in a root when that root is revoked', async () => {
      // 250 matches in docs/a fill a batch; the walk then opens docs/b, giving the revoke its turn.
      for (const folder of ['a', 'b']) {
        await mkdir(path.join(d.workspace, 'docs', folder));
        for (let index = 0; index < 250; index += 1)
          await writeFile(path.join(d.workspace, 'docs', folder, `f${index}.txt`), 'needle\n');
      }
      const asker = testSender();
      let revoke: Promise<unknown> | undefined;
      const sender = {
        ...asker.sender,
        emit: (event: AppEvent) => {
          asker.sender.emit(event);
          revoke ??= d.router.dispatch({ type: 'WorkspaceRevoke', data: { path: d.workspace } }, asker.sender);
        },
      };
      const reply = await d.router.dispatch(
        { type: 'FileOperation', data: { op: { kind: 'search', searchId: 'r1', query: { text: 'needle' } }, path: '.' } },
        sender,
      );
      expect(await revoke).toEqual({ ok: true, value: { revoked: true } });
      expect(reply).toMatchObject({ ok: true, value: { cancelled: true } });
      if (reply.ok) expect((reply.value as { matches: number }).matches).toBeLessThan(500);
    });

    it('audits writes as privileged and reads as not, and never records contents', async () => {
      const privileged: boolean[] = [];
      const original = d.audit.append.bind(d.audit);
      d.audit.append = (record, options) => {
        privileged.push(options?.privileged ?? false);
        original(record, options);
      };
      const { sender } = testSender();
      await d.router.dispatch({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'readme.md' } }, sender);
      await d.router.dispatch(
        { type: 'FileOperation', data: { op: { kind: 'write', content: 'SECRET-CONTENT' }, path: 'readme.md' } },
        sender,
      );
      expect(privileged).toEqual([false, true]);
      expect(JSON.stringify(d.audit.records)).not.toContain('SECRET-CONTENT');
      expect(d.audit.records.at(-1)?.summary).toMatchObject({ op: 'write', path: 'readme.md', bytes: 14, forced: false });
      // An override of a read-only file is on the record.
      await d.router.dispatch(
        { type: 'FileOperation', data: { op: { kind: 'write', content: 'x', force: true }, path: 'readme.md' } },
        sender,
      );
      expect(d.audit.records.at(-1)?.summary).toMatchObject({ op: 'write', forced: true });
    });

    it('streams search results as events to the requesting sender only', async () => {
      await writeFile(path.join(d.workspace, 'docs', 'a.md'), 'find me\n');
      const asker = testSender();
      const bystander = testSender({ actor: 'test:2' });
      const reply = await d.router.dispatch(
        { type: 'FileOperation', data: { op: { kind: 'search', searchId: 'q1', query: { text: 'find me' } }, path: '.' } },
        asker.sender,
      );
      expect(reply).toMatchObject({ ok: true, value: { matches: 1 } });
      expect(asker.events).toEqual([
        {
          type: 'FileSearchResults',
          data: { searchId: 'q1', matches: [expect.objectContaining({ path: 'docs/a.md', line: 1 })] },
        },
      ]);
      expect(bystander.events).toEqual([]);
    });

    it('deletes into the data-dir trash and restores through FileTrashRestore', async () => {
      const { sender } = testSender();
      const deleted = await d.router.dispatch(
        { type: 'FileOperation', data: { op: { kind: 'delete' }, path: 'readme.md' } },
        sender,
      );
      expect(deleted).toMatchObject({ ok: true, value: { kind: 'delete', trashed: { where: 'data-dir' } } });
      const list = await d.router.dispatch({ type: 'FileTrashList', data: {} }, sender);
      if (!list.ok) throw new Error('list failed');
      const [item] = (list.value as { items: { id: string; originalPath: string }[] }).items;
      expect(item?.originalPath).toBe(path.join(d.workspace, 'readme.md'));
      const restored = await d.router.dispatch({ type: 'FileTrashRestore', data: { id: item?.id ?? '' } }, sender);
      expect(restored).toMatchObject({ ok: true, value: { entry: { path: 'readme.md', type: 'file' } } });
      expect(await readFile(path.join(d.workspace, 'readme.md'), 'utf8')).toBe('# hi\n');
      const again = await d.router.dispatch({ type: 'FileTrashRestore', data: { id: item?.id ?? '' } }, sender);
      expect(again).toMatchObject({ ok: false, error: { code: 'NotFound' } });
      const bad = await d.router.dispatch({ type: 'FileTrashRestore', data: { id: '../../etc' } }, sender);
      expect(bad).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    });

    it('will not restore into a root that was revoked meanwhile', async () => {
      const { sender } = testSender();
      await d.router.dispatch({ type: 'FileOperation', data: { op: { kind: 'delete' }, path: 'readme.md' } }, sender);
      const list = await d.router.dispatch({ type: 'FileTrashList', data: {} }, sender);
      const id = list.ok ? ((list.value as { items: { id: string }[] }).items[0]?.id ?? '') : '';
      await d.router.dispatch({ type: 'WorkspaceRevoke', data: { path: d.workspace } }, sender);
      const restored = await d.router.dispatch({ type: 'FileTrashRestore', data: { id } }, sender);
      expect(restored).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    });

    it('watches an open folder, pushes batched changes to its sender, and stops when the sender closes', async () => {
      const watcher = testSender();
      const reply = await d.router.dispatch({ type: 'FileWatch', data: { path: 'docs' } }, watcher.sender);
      if (!reply.ok) throw new Error(JSON.stringify(reply));
      const { watchId } = reply.value as { watchId: string };
      await writeFile(path.join(d.workspace, 'docs', 'new.md'), 'x');
      const change = await waitForEvent(watcher.events, (event) => event.type === 'FileChanged');
      expect(change).toMatchObject({
        type: 'FileChanged',
        data: { watchId, root: d.workspace, changes: [{ kind: 'add', path: 'docs/new.md' }] },
      });
      const refused = await d.router.dispatch({ type: 'FileWatch', data: { path: '..' } }, watcher.sender);
      expect(refused).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
      const other = testSender({ actor: 'test:2' });
      expect(await d.router.dispatch({ type: 'FileUnwatch', data: { watchId } }, other.sender)).toEqual({
        ok: true,
        value: { closed: false },
      });
      watcher.close();
      const count = watcher.events.length;
      await writeFile(path.join(d.workspace, 'docs', 'later.md'), 'x');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(watcher.events.length).toBe(count);
    });
    it('closes every watch when the core shuts down', async () => {
      const watcher = testSender();
      const reply = await d.router.dispatch({ type: 'FileWatch', data: { path: '.' } }, watcher.sender);
      expect(reply.ok).toBe(true);
      await writeFile(path.join(d.workspace, 'before.md'), 'x');
      await waitForEvent(watcher.events, (event) => event.type === 'FileChanged');
      await d.disposables.dispose();
      const count = watcher.events.length;
      await writeFile(path.join(d.workspace, 'after.md'), 'x');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(watcher.events.length).toBe(count);
    });
  });

  describe('when a granted folder holds the data dir', () => {
    beforeEach(async () => {
      d = await domain({ dataInside: true });
    });

    it('never opens, changes, searches or watches the data dir, and still trashes into it', async () => {
      const { sender, events } = testSender();
      const key = path.join('.localbrain-data', 'db.key');
      const attempts = [
        { op: { kind: 'read' }, path: key },
        { op: { kind: 'stat' }, path: key },
        { op: { kind: 'list' }, path: '.localbrain-data' },
        { op: { kind: 'diff', content: '' }, path: key },
        { op: { kind: 'write', content: 'x' }, path: key },
        { op: { kind: 'write', content: 'x' }, path: '.localbrain-data/new' },
        { op: { kind: 'delete' }, path: '.localbrain-data' },
        { op: { kind: 'rename', to: 'stolen' }, path: '.localbrain-data' },
        { op: { kind: 'copy', to: 'copied' }, path: key },
        { op: { kind: 'search', searchId: 'in-data', query: { text: 'CANARY' } }, path: '.localbrain-data' },
      ];
      for (const data of attempts) {
        const reply = await d.router.dispatch({ type: 'FileOperation', data }, sender);
        expect(reply, JSON.stringify(data)).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
      }
      expect(await d.router.dispatch({ type: 'FileWatch', data: { path: '.localbrain-data' } }, sender)).toMatchObject({
        ok: false,
        error: { code: 'PermissionDenied' },
      });
      const search = await d.router.dispatch(
        {
          type: 'FileOperation',
          data: { op: { kind: 'search', searchId: 'all', query: { text: 'CANARY' }, includeHidden: true }, path: '.' },
        },
        sender,
      );
      expect(search).toMatchObject({ ok: true, value: { matches: 0 } });
      expect(JSON.stringify(events)).not.toContain('CANARY');
      const deleted = await d.router.dispatch(
        { type: 'FileOperation', data: { op: { kind: 'delete' }, path: 'readme.md' } },
        sender,
      );
      expect(deleted).toMatchObject({ ok: true, value: { trashed: { where: 'data-dir' } } });
      expect(await readFile(path.join(d.dataDir, 'db.key'), 'utf8')).toBe('DATA-KEY-CANARY');
    });
  });

  describe('in the desktop app (injected dialog and OS trash)', () => {
    const trashed: string[] = [];
    let picked: string | undefined;

    beforeEach(async () => {
      trashed.length = 0;
      d = await domain({
        pickFolder: () => Promise.resolve(picked),
        trashItem: (target) => {
          trashed.push(target);
          return Promise.resolve();
        },
      });
    });

    it('grants the folder the person picked, persists it, and does nothing when they cancel', async () => {
      const { sender } = testSender();
      picked = undefined;
      expect(await d.router.dispatch({ type: 'WorkspaceGrant', data: {} }, sender)).toEqual({ ok: true, value: { root: null } });
      picked = d.other;
      expect(await d.router.dispatch({ type: 'WorkspaceGrant', data: {} }, sender)).toEqual({
        ok: true,
        value: { root: { path: d.other, name: 'other' } },
      });
      // Only the folder picked in the dialog persists; the one given at start is for this run.
      expect(await d.store.load()).toEqual([d.other]);
    });

    it('deletes through the OS trash with the real path', async () => {
      const { sender } = testSender();
      const reply = await d.router.dispatch(
        { type: 'FileOperation', data: { op: { kind: 'delete' }, path: 'readme.md' } },
        sender,
      );
      expect(reply).toEqual({ ok: true, value: { kind: 'delete', trashed: { where: 'os' } } });
      expect(trashed).toEqual([path.join(d.workspace, 'readme.md')]);
      expect(await d.router.dispatch({ type: 'FileTrashList', data: {} }, sender)).toMatchObject({
        ok: false,
        error: { code: 'Unavailable' },
      });
    });
  });
});

async function waitForEvent(events: AppEvent[], match: (event: AppEvent) => boolean): Promise<AppEvent> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const found = events.find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('event did not arrive');
}
