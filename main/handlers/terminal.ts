import { limits } from '../../shared/limits';
import type { Handler } from '../ipc/router';
import { runCommand } from '../services/commands/run-command';
import type { WorkspaceRoots } from '../services/workspace/roots';

/** Slack beyond the command's own timeout, so the process is killed and reported before the router's deadline fires. */
const deadlineSlackMs = 5_000;

export function terminalCommandHandler(roots: WorkspaceRoots): Handler<'TerminalCommand'> {
  return {
    async run(data, { signal }) {
      const cwd = await roots.resolveExisting(data.cwd ?? '.');
      return runCommand(data, { cwd: cwd.absolute, signal });
    },
    summarize: (data) => ({ cmd: data.cmd, argc: data.args.length, cwd: data.cwd ?? null }),
    deadlineMs: (data) => (data.timeoutMs ?? limits.defaultCommandTimeoutMs) + deadlineSlackMs,
    privileged: true,
  };
}
