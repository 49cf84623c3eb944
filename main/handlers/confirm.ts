import { limits } from '../../shared/limits';
import type { AuditSummary } from '../ports/audit';
import type { Handler } from '../ipc/router';
import type { TerminalCommands } from '../services/commands/terminal-commands';

/** Slack beyond the confirmed command's own timeout, as for TerminalCommand. */
const deadlineSlackMs = 5_000;

/** Confirm: redeems a one-time token from a ConfirmationRequired reply and runs what it approved. */
export function confirmHandler(commands: TerminalCommands): Handler<'Confirm'> {
  return {
    async run(data, { sender, signal }) {
      return { type: 'TerminalCommand', value: await commands.confirm(sender.actor, data.token, signal, sender) };
    },
    // The token is a credential and is never audited; the command it approves is.
    summarize: (data): AuditSummary => {
      const request = commands.confirmations.peek(data.token);
      return request ? { kind: 'TerminalCommand', cmd: request.cmd, argc: request.args.length } : { kind: 'unknown' };
    },
    deadlineMs: () => limits.maxCommandTimeoutMs + deadlineSlackMs,
    privileged: true,
  };
}
