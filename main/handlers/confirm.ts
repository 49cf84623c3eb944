import { limits } from '../../shared/limits';
import { LocalBrainError } from '../../shared/errors';
import type { AuditSummary } from '../ports/audit';
import type { Handler } from '../ipc/router';
import type { TerminalCommands } from '../services/commands/terminal-commands';
import type { PermissionsService } from '../services/permissions/permissions-service';

/** Slack beyond the confirmed command's own timeout, as for TerminalCommand. */
const deadlineSlackMs = 5_000;

/**
 * Confirm: redeems a one-time token from a ConfirmationRequired reply. `once` runs what it
 * approved, `always` also keeps a standing grant for the sender's kind (exactly this
 * program and these arguments), `deny` uses the token up; the audit entry names the decision.
 */
export function confirmHandler(commands: TerminalCommands, permissions: PermissionsService): Handler<'Confirm'> {
  return {
    async run(data, { sender, signal }) {
      const decision = data.decision ?? 'once';
      if (decision === 'deny') {
        const request = commands.decline(sender.actor, data.token);
        throw new LocalBrainError('PermissionDenied', `You declined ${[request.cmd, ...request.args].join(' ')}.`, {
          declined: true,
        });
      }
      const value = await commands.confirm(sender.actor, data.token, signal, sender, (request) => {
        if (decision !== 'always') return;
        permissions.grant(
          sender.capability.subject,
          { message: 'TerminalCommand', commands: [{ cmd: request.cmd, args: [...request.args] }] },
          'confirm',
        );
      });
      return { type: 'TerminalCommand', value };
    },
    // The token is a credential and is never audited; the command it approves and the decision are.
    summarize: (data): AuditSummary => {
      const request = commands.confirmations.peek(data.token);
      const decision = data.decision ?? 'once';
      return request
        ? { kind: 'TerminalCommand', cmd: request.cmd, argc: request.args.length, decision }
        : { kind: 'unknown', decision };
    },
    deadlineMs: () => limits.maxCommandTimeoutMs + deadlineSlackMs,
    privileged: true,
  };
}
