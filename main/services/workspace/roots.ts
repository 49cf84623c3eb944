import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { LocalBrainError } from '../../../shared/errors';

export interface ResolvedPath {
  /** The granted root the path lies in (its real path). */
  readonly root: string;
  /** The real absolute path. */
  readonly absolute: string;
  /** Relative to the root, `/`-separated; empty for the root itself. */
  readonly relative: string;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

async function realOrNotFound(target: string, shown: string): Promise<string> {
  try {
    return await realpath(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LocalBrainError('NotFound', `No such file or folder: ${shown}`, { path: shown });
    }
    throw new LocalBrainError('Io', `Could not resolve ${shown}.`, { path: shown }, { cause: error });
  }
}

/** The folders the person has granted; every file path and terminal cwd is checked against them. */
export class WorkspaceRoots {
  readonly #roots: string[] = [];

  /** Adds a root given as a real, existing folder. */
  async grant(folder: string): Promise<string> {
    const real = await realOrNotFound(path.resolve(folder), folder);
    if (!this.#roots.includes(real)) this.#roots.push(real);
    return real;
  }

  revoke(folder: string): boolean {
    const index = this.#roots.indexOf(folder);
    if (index === -1) return false;
    this.#roots.splice(index, 1);
    return true;
  }

  list(): readonly string[] {
    return this.#roots;
  }

  /**
   * Resolves a path (relative to the first root, or absolute) to its real path and
   * refuses anything that is not inside a granted root, symlinks included.
   */
  async resolveExisting(requested: string): Promise<ResolvedPath> {
    const first = this.#roots[0];
    if (first === undefined) throw new LocalBrainError('PermissionDenied', 'No workspace folder has been granted.');
    const absolute = path.resolve(first, requested);
    if (!this.#roots.some((root) => isInside(root, absolute))) {
      throw new LocalBrainError('PermissionDenied', `${requested} is outside the workspace.`, { path: requested });
    }
    const real = await realOrNotFound(absolute, requested);
    const root = this.#roots.find((candidate) => isInside(candidate, real));
    if (root === undefined) {
      throw new LocalBrainError('PermissionDenied', `${requested} leads outside the workspace.`, { path: requested });
    }
    return { root, absolute: real, relative: path.relative(root, real).split(path.sep).join('/') };
  }
}
