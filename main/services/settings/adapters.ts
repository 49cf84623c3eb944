import type { Logger } from 'pino';
import { etcShells, readListedShells } from './login-shells';
import type { SettingsService } from './settings-service';

/**
 * The PTY service's per-spawn settings, read from the settings service each time so a
 * change applies to the next terminal. An empty default shell means the login shell.
 * The default shell is checked against /etc/shells here, at every spawn (and warm spare),
 * not only when it was set: a database written by an older LocalBrain, edited with the key,
 * or a shell since removed from the list must not start; the login shell starts instead.
 */
export function ptySettingsFrom(
  settings: SettingsService,
  logger?: Logger,
  listedShells: () => ReadonlySet<string> = readListedShells,
): () => { maxSessions: number; defaultShell?: string } {
  return () => {
    const shell = settings.get('terminal.defaultShell');
    const maxSessions = settings.get('terminal.maxSessions');
    if (shell === '') return { maxSessions };
    if (!listedShells().has(shell)) {
      logger?.warn(
        { shell },
        `terminal.defaultShell is not listed in ${etcShells}; starting the login shell instead (change it in Settings)`,
      );
      return { maxSessions };
    }
    return { maxSessions, defaultShell: shell };
  };
}
