import { realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a lexical absolute path really leads: the real path of its longest existing prefix
 * joined with the rest, so `link/new-file` is judged where `link` points. Missing parts
 * cannot be symlinks yet; the policy is a check before the command, not a sandbox.
 */
export function realPathOfLongestPrefix(absolute: string): string {
  let existing = absolute;
  const missing: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync.native(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}
