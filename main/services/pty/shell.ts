import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { LocalBrainError } from '../../../shared/errors';
import { childEnvironment } from '../child-env';

/** The shell used when neither the request nor the settings name one: the person's login shell. */
export function loginShell(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHELL) return env.SHELL;
  try {
    const { shell } = userInfo();
    if (shell) return shell;
  } catch {
    // No passwd entry (some containers).
  }
  return '/bin/sh';
}

async function listedShells(): Promise<Set<string>> {
  try {
    const text = await readFile('/etc/shells', 'utf8');
    return new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('/')),
    );
  } catch {
    return new Set();
  }
}

/**
 * Picks the shell for a new session. The renderer may ask for one, but only for a login
 * shell the system lists in /etc/shells (or the configured default): the window must not
 * be able to make main run an arbitrary program under a PTY.
 */
export async function chooseShell(requested: string | undefined, defaultShell: string): Promise<string> {
  if (requested === undefined || requested === defaultShell) return defaultShell;
  if ((await listedShells()).has(requested)) return requested;
  throw new LocalBrainError('PermissionDenied', `${requested} is not a login shell listed in /etc/shells.`, {
    shell: requested,
  });
}

/** A shell's environment: the allowlist of child-env plus what a modern terminal announces. */
export function shellEnvironment(shell: string, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return childEnvironment(source, { SHELL: shell, TERM: 'xterm-256color', COLORTERM: 'truecolor', TERM_PROGRAM: 'LocalBrain' });
}
