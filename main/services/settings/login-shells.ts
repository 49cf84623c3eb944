import { readFileSync } from 'node:fs';
import { LocalBrainError } from '../../../shared/errors';

/** Where the system lists the programs that may be login shells (shells(5)). */
export const etcShells = '/etc/shells';

/**
 * The login shells the system lists, read fresh on each call (a few hundred bytes): a shell
 * removed from the list stops being accepted without a restart. No file (Windows, a bare
 * container) means an empty list, so only the account's own login shell is ever started.
 */
export function readListedShells(file: string = etcShells): ReadonlySet<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Set();
  }
  return new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('/')),
  );
}

/**
 * Refuses a `terminal.defaultShell` that /etc/shells does not list. PermissionDenied, as for a
 * `shell` named in PtySpawn: the value is well formed (the schema checked that), but choosing
 * which program main runs under a PTY is a privilege the system's list grants, not a client.
 */
export function assertListedShell(shell: string, listed: ReadonlySet<string> = readListedShells()): void {
  if (listed.has(shell)) return;
  throw new LocalBrainError(
    'PermissionDenied',
    `${shell} is not a login shell listed in ${etcShells}; the default shell must be one of those.`,
    { setting: 'terminal.defaultShell', shell },
  );
}
