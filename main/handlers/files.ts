import { lstat } from 'node:fs/promises';
import { fileLimits, mutatingFileOps } from '../../shared/contract/files';
import { limits } from '../../shared/limits';
import { LocalBrainError } from '../../shared/errors';
import type { Logger } from 'pino';
import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import type { AuditSummary } from '../ports/audit';
import { entryOf } from '../services/files/entries';
import { FileOperations } from '../services/files/operations';
import { DataDirTrash, OsTrash, type Trash, type TrashItemFn } from '../services/files/trash';
import { FolderWatchers } from '../services/files/watchers';
import { ConfinedDir } from '../services/workspace/confined';
import type { WorkspaceRoots, WorkspaceStore } from '../services/workspace/roots';
import { workspaceGrantHandler, workspaceListHandler, workspaceRevokeHandler, type PickFolder } from './workspace';
import type { MessageData } from '../../shared/contract';

/** Paths, sizes and names only: never file contents or search text. */
function summarizeOperation({ op, path }: MessageData<'FileOperation'>): AuditSummary {
  switch (op.kind) {
    case 'write':
      return {
        op: op.kind,
        path,
        bytes: op.encoding === 'base64' ? Buffer.byteLength(op.content, 'base64') : Buffer.byteLength(op.content, 'utf8'),
        encoding: op.encoding ?? 'utf8',
        checked: op.expectedSha256 !== undefined,
      };
    case 'diff':
      return { op: op.kind, path };
    case 'rename':
    case 'copy':
      return { op: op.kind, path, to: op.to };
    case 'search':
      return { op: op.kind, path, searchId: op.searchId, names: op.query.names ?? null, regex: op.query.regex ?? false };
    default:
      return { op: op.kind, path };
  }
}

export function fileOperationHandler(files: FileOperations): Handler<'FileOperation'> {
  return {
    run: (data, { sender, signal }) =>
      files.run(data, {
        sender,
        signal,
        onSearchResults: (searchId, matches) => sender.emit({ type: 'FileSearchResults', data: { searchId, matches } }),
      }),
    summarize: summarizeOperation,
    deadlineMs: (data) => (data.op.kind === 'search' ? fileLimits.searchDeadlineMs : limits.defaultDeadlineMs),
    privileged: (data) => mutatingFileOps.has(data.op.kind),
  };
}

export function fileSearchCancelHandler(files: FileOperations): Handler<'FileSearchCancel'> {
  return {
    run: (data, { sender }) => ({ cancelled: files.cancelSearch(data.searchId, sender) }),
    summarize: (data) => ({ searchId: data.searchId }),
  };
}

export function fileWatchHandler(roots: WorkspaceRoots, watchers: FolderWatchers): Handler<'FileWatch'> {
  return {
    async run(data, { sender }) {
      const target = await roots.resolveExisting(data.path);
      // Opening it verifies it is a folder inside the workspace right now.
      const dir = await ConfinedDir.open(target.absolute, roots, data.path);
      await dir.close();
      return { watchId: await watchers.add(sender, target.root, target.absolute) };
    },
    summarize: (data) => ({ path: data.path }),
  };
}

export function fileUnwatchHandler(watchers: FolderWatchers): Handler<'FileUnwatch'> {
  return {
    run: async (data, { sender }) => ({ closed: await watchers.remove(data.watchId, sender) }),
    summarize: (data) => ({ watchId: data.watchId }),
  };
}

function dataDirTrash(trash: Trash): DataDirTrash {
  if (!(trash instanceof DataDirTrash)) {
    throw new LocalBrainError('Unavailable', 'Deleted items are in the system trash; restore them from there.');
  }
  return trash;
}

export function fileTrashListHandler(trash: Trash): Handler<'FileTrashList'> {
  return { run: async () => ({ items: await dataDirTrash(trash).list() }) };
}

export function fileTrashRestoreHandler(trash: Trash, roots: WorkspaceRoots): Handler<'FileTrashRestore'> {
  return {
    async run(data) {
      const own = dataDirTrash(trash);
      const original = await own.originalPath(data.id);
      // The original place must still be inside a granted root: a revoked folder gets nothing back.
      const target = await roots.resolveChild(original);
      const dir = await ConfinedDir.open(target.parent, roots, original);
      try {
        await own.restoreTo(data.id, dir.join(target.name));
        await dir.sync();
        return { entry: entryOf(target.name, target.relative, await lstat(dir.join(target.name))) };
      } finally {
        await dir.close();
      }
    },
    summarize: (data) => ({ id: data.id }),
    privileged: true,
  };
}

export interface FilesDomainOptions {
  readonly router: Router;
  readonly roots: WorkspaceRoots;
  readonly store: WorkspaceStore;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Electron's folder dialog; absent in serve mode. */
  readonly pickFolder?: PickFolder;
  /** Electron's shell.trashItem; absent in serve mode, which keeps a trash folder in the data dir. */
  readonly trashItem?: TrashItemFn;
}

/** Builds the files and workspace services and registers their handlers; everything is released through `disposables`. */
export function registerFilesDomain(options: FilesDomainOptions, disposables: DisposableStore): { watchers: FolderWatchers } {
  const { router, roots, store } = options;
  // The app's own data (encrypted database, its key file in serve mode, the trash) is never a file to open, even when a granted folder holds it.
  roots.exclude(options.dataDir);
  const trash: Trash = options.trashItem ? new OsTrash(options.trashItem) : new DataDirTrash(options.dataDir);
  const files = new FileOperations(roots, trash);
  const watchers = new FolderWatchers(options.logger);
  disposables.add(() => watchers.dispose());
  disposables.add(() => files.dispose());
  disposables.add(router.register('FileOperation', fileOperationHandler(files)));
  disposables.add(router.register('FileSearchCancel', fileSearchCancelHandler(files)));
  disposables.add(router.register('FileWatch', fileWatchHandler(roots, watchers)));
  disposables.add(router.register('FileUnwatch', fileUnwatchHandler(watchers)));
  disposables.add(router.register('FileTrashList', fileTrashListHandler(trash)));
  disposables.add(router.register('FileTrashRestore', fileTrashRestoreHandler(trash, roots)));
  disposables.add(router.register('WorkspaceList', workspaceListHandler(roots)));
  disposables.add(router.register('WorkspaceGrant', workspaceGrantHandler(roots, store, options.pickFolder)));
  disposables.add(router.register('WorkspaceRevoke', workspaceRevokeHandler(roots, store, watchers, files)));
  return { watchers };
}

/** Grants the folders given on the command line and those the store kept; a kept folder that has gone is skipped. */
export async function grantInitialRoots(
  roots: WorkspaceRoots,
  store: WorkspaceStore,
  given: readonly string[],
  logger: Logger,
): Promise<void> {
  for (const folder of given) await roots.grant(folder);
  for (const folder of await store.load()) {
    await roots
      .grant(folder)
      .catch((error: unknown) => logger.warn({ err: error, folder }, 'a granted folder is no longer available'));
  }
}
