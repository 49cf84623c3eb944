import { realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { LocalBrainError } from '../../../shared/errors';
import { isInside, type Containment } from './inside';
import { checkRequestedPath, isCaseInsensitivePlatform } from './path-policy';

export interface ResolvedPath {
  /** The granted root the path lies in (its real path). */
  readonly root: string;
  /** The real absolute path (for `resolveForCreate`: the real parent joined with the new name). */
  readonly absolute: string;
  /** Relative to the root, `/`-separated; empty for the root itself. */
  readonly relative: string;
}

export interface ResolvedChild extends ResolvedPath {
  /** The real path of the folder that holds (or will hold) the entry. */
  readonly parent: string;
  /** The entry's own name in that folder. */
  readonly name: string;
}

/** Where granted roots are kept between runs; the lead connects it to the encrypted settings. */
export interface WorkspaceStore {
  load(): Promise<string[]>;
  save(roots: readonly string[]): Promise<void>;
}

/** Keeps roots for the life of the process only; nothing reaches the disk. */
export class MemoryWorkspaceStore implements WorkspaceStore {
  #roots: string[] = [];

  constructor(initial: readonly string[] = []) {
    this.#roots = [...initial];
  }

  load(): Promise<string[]> {
    return Promise.resolve([...this.#roots]);
  }

  save(roots: readonly string[]): Promise<void> {
    this.#roots = [...roots];
    return Promise.resolve();
  }
}

function fsError(error: unknown, shown: string): LocalBrainError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new LocalBrainError('NotFound', `No such file or folder: ${shown}`, { path: shown });
  if (code === 'ENOTDIR')
    return new LocalBrainError('NotFound', `No such file or folder: ${shown} (a part of it is not a folder)`, { path: shown });
  if (code === 'ELOOP') return new LocalBrainError('PermissionDenied', `${shown} is a symlink loop.`, { path: shown });
  if (code === 'EACCES' || code === 'EPERM')
    return new LocalBrainError('PermissionDenied', `The system refused access to ${shown}.`, { path: shown });
  if (code === 'ENAMETOOLONG') return new LocalBrainError('ValidationFailed', `The path ${shown} is too long.`, { path: shown });
  return new LocalBrainError('Io', `Could not resolve ${shown}.`, { path: shown, errno: code }, { cause: error });
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

/**
 * The folders the person has granted; every file path and terminal cwd is checked against
 * them twice: lexically (no `..` or absolute path elsewhere) and by real path (no symlink,
 * or symlinked parent, pointing out). File operations then verify what they opened
 * (see confined.ts), so a swap after this check cannot escape either.
 */
export class WorkspaceRoots implements Containment {
  readonly #roots: string[] = [];
  readonly #excluded: string[] = [];
  readonly #listeners = new Set<(roots: readonly string[]) => void>();
  readonly #foldCase: boolean;

  constructor(private readonly platform: NodeJS.Platform = process.platform) {
    this.#foldCase = isCaseInsensitivePlatform(platform);
  }

  /** Adds a root given as an existing folder; returns its real path. */
  async grant(folder: string): Promise<string> {
    if (folder.includes('\0')) throw new LocalBrainError('ValidationFailed', 'A folder path must not contain NUL.');
    const real = await realpath(path.resolve(folder)).catch((error: unknown) => Promise.reject(fsError(error, folder)));
    const stats = await stat(real).catch((error: unknown) => Promise.reject(fsError(error, folder)));
    if (!stats.isDirectory()) throw new LocalBrainError('ValidationFailed', `${folder} is not a folder.`, { path: folder });
    if (path.dirname(real) === real) {
      // Granting `/` or `C:\` would make containment meaningless.
      throw new LocalBrainError('PermissionDenied', 'The root of a drive cannot be a workspace.', { path: folder });
    }
    if (!this.#roots.includes(real)) {
      this.#roots.push(real);
      this.#changed();
    }
    return real;
  }

  /** Removes a root, given by the path WorkspaceList returned. */
  revoke(folder: string): boolean {
    const index = this.#roots.indexOf(folder);
    if (index === -1) return false;
    this.#roots.splice(index, 1);
    this.#changed();
    return true;
  }

  list(): readonly string[] {
    return this.#roots;
  }

  /** Called with the new list after every grant or revoke; returns an unsubscribe function. */
  onChange(listener: (roots: readonly string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener(this.#roots);
  }

  /**
   * Puts a folder out of reach even inside a granted root: LocalBrain's data dir, whose
   * key file and database an XSS would otherwise read through FileOperation if the person
   * granted their home folder.
   */
  exclude(folder: string): void {
    const absolute = path.resolve(folder);
    let real = absolute;
    try {
      real = realpathSync(absolute);
    } catch {
      // Not created yet: its resolved path is what it will be.
    }
    if (!this.#excluded.includes(real)) this.#excluded.push(real);
  }

  /** True when a real path is inside a granted root and outside every excluded folder. */
  allows(real: string): boolean {
    return this.rootOf(real) !== undefined && !this.#isExcluded(real);
  }

  #isExcluded(real: string): boolean {
    return this.#excluded.some((folder) => isInside(folder, real));
  }

  /** True when an excluded folder lies inside `real` (or is it). */
  #holdsExcluded(real: string): boolean {
    return this.#excluded.some((folder) => isInside(real, folder));
  }

  /** The root a real path lies in, or undefined. */
  rootOf(real: string): string | undefined {
    return this.#roots.find((root) => isInside(root, real));
  }

  #lexical(requested: string): { absolute: string } {
    checkRequestedPath(requested, this.platform);
    const first = this.#roots[0];
    if (first === undefined) throw new LocalBrainError('PermissionDenied', 'No workspace folder has been granted.');
    const absolute = path.resolve(first, requested);
    if (!this.#roots.some((root) => isInside(root, absolute, this.#foldCase))) {
      throw new LocalBrainError('PermissionDenied', `${requested} is outside the workspace.`, { path: requested });
    }
    return { absolute };
  }

  #contained(real: string, requested: string): string {
    const root = this.rootOf(real);
    if (root === undefined) {
      throw new LocalBrainError('PermissionDenied', `${requested} leads outside the workspace.`, { path: requested });
    }
    if (this.#isExcluded(real)) throw this.#offLimits(requested);
    return root;
  }

  #isRoot(requested: string, action: string): LocalBrainError {
    return new LocalBrainError(
      'PermissionDenied',
      `Cannot ${action} a workspace root (${requested}); remove it from the workspace instead.`,
      { path: requested },
    );
  }

  #offLimits(requested: string): LocalBrainError {
    return new LocalBrainError('PermissionDenied', `${requested} is LocalBrain's own data folder, which files cannot open.`, {
      path: requested,
    });
  }

  /**
   * Resolves a path (relative to the first root, or absolute) to its real path and
   * refuses anything that is not inside a granted root, symlinks included.
   */
  async resolveExisting(requested: string): Promise<ResolvedPath> {
    const { absolute } = this.#lexical(requested);
    const real = await realpath(absolute).catch((error: unknown) => Promise.reject(fsError(error, requested)));
    const root = this.#contained(real, requested);
    return { root, absolute: real, relative: toPosix(path.relative(root, real)) };
  }

  /**
   * `resolveExisting` on this thread: one realpath(3) call instead of a trip to the thread
   * pool and back, for callers that read a little and are waited on (the voice planner's
   * folder listings), where each trip costs milliseconds when the machine is busy.
   */
  resolveExistingNow(requested: string): ResolvedPath {
    const { absolute } = this.#lexical(requested);
    let real: string;
    try {
      real = realpathSync.native(absolute);
    } catch (error) {
      throw fsError(error, requested);
    }
    const root = this.#contained(real, requested);
    return { root, absolute: real, relative: toPosix(path.relative(root, real)) };
  }

  /**
   * Resolves an entry by its folder's real path and its own name, without following the
   * entry itself: for creating it, or for renaming or deleting a symlink rather than its target.
   * Every operation that copies, moves, deletes or creates an entry comes through here, so an
   * entry that *holds* LocalBrain's data folder is refused too: copying it would copy the key
   * file out of reach of the exclusion, and moving or deleting it would take the live database away.
   */
  async resolveChild(requested: string, action = 'change'): Promise<ResolvedChild> {
    const { absolute } = this.#lexical(requested);
    // Checked before the parent is resolved: a root's parent is outside, which would be the wrong refusal.
    if (this.#roots.some((root) => isInside(root, absolute, this.#foldCase) && isInside(absolute, root, this.#foldCase)))
      throw this.#isRoot(requested, action);
    const name = path.basename(absolute);
    const parentPath = path.dirname(absolute);
    if (parentPath === absolute || name === '' || name === '.' || name === '..') {
      throw new LocalBrainError('ValidationFailed', `${requested} does not name an entry inside a folder.`, { path: requested });
    }
    const parent = await realpath(parentPath).catch((error: unknown) => Promise.reject(fsError(error, requested)));
    const root = this.#contained(parent, requested);
    const target = path.join(parent, name);
    if (this.#isExcluded(target)) throw this.#offLimits(requested);
    if (this.#holdsExcluded(target)) {
      throw new LocalBrainError(
        'PermissionDenied',
        `${requested} holds LocalBrain's own data folder (its database and key), so it cannot be copied, moved or deleted.`,
        { path: requested, reason: 'holds-data-dir' },
      );
    }
    if (this.#roots.includes(target)) throw this.#isRoot(requested, action);
    return { root, parent, name, absolute: target, relative: toPosix(path.relative(root, target)) };
  }
}
