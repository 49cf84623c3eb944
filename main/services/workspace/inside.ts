import path from 'node:path';

/** True when `candidate` is `root` or lies under it; both must be absolute and normalized. */
export function isInside(root: string, candidate: string, foldCase = false): boolean {
  const a = foldCase ? root.toLowerCase() : root;
  const b = foldCase ? candidate.toLowerCase() : candidate;
  const relative = path.relative(a, b);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** Decides whether a real path may be touched: inside a granted root and not in an excluded folder. */
export interface Containment {
  allows(real: string): boolean;
}

/** Containment by a fixed list of roots, for callers without a WorkspaceRoots (child processes in tests). */
export function containedIn(roots: readonly string[]): Containment {
  return { allows: (real) => roots.some((root) => isInside(root, real)) };
}
