import { constants, readdirSync, type Stats } from 'node:fs';
import { open, readdir, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { LocalBrainError } from '../../../shared/errors';
import type { Containment } from './inside';

/**
 * Open first, then check what was actually opened. A path checked and then opened can be
 * swapped (a folder replaced by a symlink) between the two steps; the descriptor cannot.
 *
 * On Linux `/proc/self/fd/N` names the opened file exactly, and paths under a directory's
 * `/proc/self/fd/N/` are looked up inside that directory, like openat(2): every operation
 * then runs relative to a verified directory. Elsewhere the check falls back to comparing
 * the descriptor's device and inode with the re-resolved real path, which narrows the race
 * to the instant between those two calls.
 */

const procFd = process.platform === 'linux';
/** Windows has neither flag; Node leaves them undefined there. */
const platformFlags: Partial<typeof constants> = constants;
const noFollow = platformFlags.O_NOFOLLOW ?? 0;
const directoryFlag = platformFlags.O_DIRECTORY ?? 0;
/** A FIFO opened for reading would block until a writer appears; never wait on one. */
const nonBlock = platformFlags.O_NONBLOCK ?? 0;

export const openFlags = { noFollow, directoryFlag, nonBlock } as const;

function changedUnderneath(shown: string): LocalBrainError {
  return new LocalBrainError(
    'PermissionDenied',
    `${shown} changed while it was being opened and now leads outside the workspace.`,
    {
      path: shown,
    },
  );
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Throws PermissionDenied unless the open descriptor is a file the scope allows. */
export async function verifyDescriptor(
  handle: FileHandle,
  expectedPath: string,
  scope: Containment,
  shown: string,
): Promise<void> {
  if (procFd) {
    const actual = await readlink(`/proc/self/fd/${handle.fd}`);
    if (!path.isAbsolute(actual) || !scope.allows(actual)) throw changedUnderneath(shown);
    return;
  }
  const [opened, real] = await Promise.all([handle.stat(), realpath(expectedPath).catch(() => undefined)]);
  if (real === undefined || !scope.allows(real)) throw changedUnderneath(shown);
  const current = await stat(real).catch(() => undefined);
  if (current === undefined || !sameFile(opened, current)) throw changedUnderneath(shown);
}

function openError(error: unknown, shown: string): LocalBrainError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new LocalBrainError('NotFound', `No such file or folder: ${shown}`, { path: shown });
  // O_NOFOLLOW on a name that has become a symlink since it was resolved.
  if (code === 'ELOOP' || code === 'EMLINK') return changedUnderneath(shown);
  if (code === 'ENOTDIR') return new LocalBrainError('ValidationFailed', `${shown} is not a folder.`, { path: shown });
  if (code === 'EACCES' || code === 'EPERM')
    return new LocalBrainError('PermissionDenied', `The system refused access to ${shown}.`, { path: shown });
  return new LocalBrainError('Io', `Could not open ${shown}.`, { path: shown, errno: code }, { cause: error });
}

/** Opens a file or folder by its resolved real path without following a final symlink, then verifies the descriptor. */
export async function openVerified(
  realPath: string,
  flags: number,
  scope: Containment,
  shown: string,
  mode?: number,
): Promise<FileHandle> {
  const handle = await open(realPath, flags | noFollow, mode).catch((error: unknown) => Promise.reject(openError(error, shown)));
  try {
    await verifyDescriptor(handle, realPath, scope, shown);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A verified open folder. `join(name)` gives a path that the kernel resolves inside it. */
export class ConfinedDir {
  private constructor(
    private readonly handle: FileHandle,
    /** The folder's real path when it was opened, for messages and non-Linux fallbacks. */
    readonly realPath: string,
  ) {}

  static async open(realPath: string, scope: Containment, shown: string): Promise<ConfinedDir> {
    const handle = await openVerified(realPath, constants.O_RDONLY | directoryFlag, scope, shown);
    return new ConfinedDir(handle, realPath);
  }

  /** The path through which this folder is reached: `/proc/self/fd/N` on Linux, else its real path. */
  get path(): string {
    return procFd ? `/proc/self/fd/${this.handle.fd}` : this.realPath;
  }

  /** A child of this folder, by one name (never a path: names with separators are refused upstream). */
  join(name: string): string {
    return path.join(this.path, name);
  }

  /** Opens a direct subfolder without following a symlink, so a walk never leaves the tree. */
  async openChild(name: string, scope: Containment, shown: string): Promise<ConfinedDir> {
    const handle = await open(this.join(name), constants.O_RDONLY | directoryFlag | noFollow).catch((error: unknown) =>
      Promise.reject(openError(error, shown)),
    );
    const realPath = path.join(this.realPath, name);
    if (!procFd) {
      try {
        await verifyDescriptor(handle, realPath, scope, shown);
      } catch (error) {
        await handle.close();
        throw error;
      }
    }
    return new ConfinedDir(handle, realPath);
  }

  /** Synchronous listing, for callers that slice their work (see files/slices.ts). */
  readEntriesNow(): Dirent[] {
    return readdirSync(this.path, { withFileTypes: true });
  }

  readEntries(): Promise<Dirent[]> {
    return readdir(this.path, { withFileTypes: true });
  }

  /** Makes renames and creations in this folder durable. */
  async sync(): Promise<void> {
    await this.handle.sync().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

/** Opens a file inside a verified folder by name, without following a symlink. */
export async function openInDir(
  dir: ConfinedDir,
  name: string,
  flags: number,
  shown: string,
  mode?: number,
): Promise<FileHandle> {
  return open(dir.join(name), flags | noFollow, mode).catch((error: unknown) => Promise.reject(openError(error, shown)));
}
