import type { Stats } from 'node:fs';
import type { FileEntry } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';

export function typeOf(stats: Stats): FileEntry['type'] {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

export function entryOf(name: string, relative: string, stats: Stats): FileEntry {
  return { name, path: relative, type: typeOf(stats), size: stats.size, mtimeMs: stats.mtimeMs };
}

export function childPath(parentRelative: string, name: string): string {
  return parentRelative === '' ? name : `${parentRelative}/${name}`;
}

/** Turns a file system error into a coded error that names the path the person asked for. */
export function ioError(error: unknown, shown: string): LocalBrainError {
  if (error instanceof LocalBrainError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new LocalBrainError('NotFound', `No such file or folder: ${shown}`, { path: shown });
  if (code === 'EEXIST' || code === 'ENOTEMPTY')
    return new LocalBrainError('Conflict', `${shown} already exists.`, { path: shown });
  if (code === 'EACCES' || code === 'EPERM')
    return new LocalBrainError('PermissionDenied', `The system refused access to ${shown}.`, { path: shown });
  if (code === 'EISDIR') return new LocalBrainError('ValidationFailed', `${shown} is a folder, not a file.`, { path: shown });
  if (code === 'ENOTDIR') return new LocalBrainError('ValidationFailed', `${shown} is not a folder.`, { path: shown });
  if (code === 'EINVAL') return new LocalBrainError('ValidationFailed', `${shown} cannot be moved into itself.`, { path: shown });
  if (code === 'ENOSPC') return new LocalBrainError('Io', `The disk is full; ${shown} was not changed.`, { path: shown });
  return new LocalBrainError('Io', `Could not access ${shown}.`, { path: shown, errno: code }, { cause: error });
}

/** Folders first, then names in a natural, case-insensitive order (`file2` before `file10`). */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function sortEntries(entries: FileEntry[]): FileEntry[] {
  return entries.sort((a, b) => {
    const aDir = a.type === 'directory';
    const bDir = b.type === 'directory';
    if (aDir !== bDir) return aDir ? -1 : 1;
    return collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
}
