import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Links followed before giving up, as the kernel's own limit (ELOOP) does. */
const maxLinks = 40;

/**
 * Where a lexical absolute path really leads: the real path of its longest existing prefix
 * joined with the rest, so `link/new-file` is judged where `link` points. A dangling symlink
 * is followed to where it would create its target (`touch dangling` writes there). A loop
 * or too many links stops following; the
 * policy is a check before the command, not a sandbox.
 */
export function realPathOfLongestPrefix(absolute: string, linksLeft = maxLinks): string {
  let existing = absolute;
  const missing: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync.native(existing), ...missing.reverse());
    } catch {
      const dangling = danglingTarget(existing);
      if (dangling !== undefined && linksLeft > 0)
        return realPathOfLongestPrefix(path.join(dangling, ...missing.reverse()), linksLeft - 1);
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** The absolute target of a symlink whose target does not exist; undefined for anything else. */
function danglingTarget(candidate: string): string | undefined {
  try {
    if (!lstatSync(candidate).isSymbolicLink()) return undefined;
    return path.resolve(path.dirname(candidate), readlinkSync(candidate));
  } catch {
    return undefined;
  }
}
