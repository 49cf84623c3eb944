import path from 'node:path';

/** True when `candidate` is `root` or lies under it; both must be absolute and normalized. */
export function isInside(root: string, candidate: string, foldCase = false): boolean {
  const a = foldCase ? root.toLowerCase() : root;
  const b = foldCase ? candidate.toLowerCase() : candidate;
  const relative = path.relative(a, b);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
