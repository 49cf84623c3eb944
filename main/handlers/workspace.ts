import path from 'node:path';
import { LocalBrainError } from '../../shared/errors';
import type { Handler } from '../ipc/router';
import type { FileOperations } from '../services/files/operations';
import type { FolderWatchers } from '../services/files/watchers';
import type { WorkspaceRoots, WorkspaceStore } from '../services/workspace/roots';

/** The OS folder picker, injected by main/index.ts; undefined in serve mode, which has no dialog. */
export type PickFolder = () => Promise<string | undefined>;

function describeRoot(root: string) {
  return { path: root, name: path.basename(root) || root };
}

export function workspaceListHandler(roots: WorkspaceRoots): Handler<'WorkspaceList'> {
  return { run: () => ({ roots: roots.list().map(describeRoot) }) };
}

/**
 * The renderer never names the folder: the person picks it in the OS dialog, so a
 * compromised page cannot grant itself `/`.
 */
export function workspaceGrantHandler(
  roots: WorkspaceRoots,
  store: WorkspaceStore,
  pickFolder: PickFolder | undefined,
): Handler<'WorkspaceGrant'> {
  return {
    async run() {
      if (pickFolder === undefined) {
        throw new LocalBrainError(
          'Unavailable',
          'This LocalBrain runs without a folder dialog (serve mode): grant folders with --workspace when starting it.',
        );
      }
      const picked = await pickFolder();
      if (picked === undefined) return { root: null };
      const real = await roots.grant(picked);
      // Only folders picked in the dialog persist; `--workspace` folders are for that run alone.
      const saved = await store.load();
      if (!saved.includes(real)) await store.save([...saved, real]);
      return { root: describeRoot(real) };
    },
    // No deadline worth having while a person browses a dialog; an hour bounds a forgotten one.
    deadlineMs: () => 60 * 60_000,
    privileged: true,
  };
}

export function workspaceRevokeHandler(
  roots: WorkspaceRoots,
  store: WorkspaceStore,
  watchers: FolderWatchers,
  files: FileOperations,
): Handler<'WorkspaceRevoke'> {
  return {
    async run(data) {
      const revoked = roots.revoke(data.path);
      if (revoked) {
        const saved = await store.load();
        if (saved.includes(data.path)) await store.save(saved.filter((root) => root !== data.path));
        files.cancelSearchesIn(data.path);
        await watchers.removeUnder(data.path);
      }
      return { revoked };
    },
    summarize: (data) => ({ path: data.path }),
    privileged: true,
  };
}
