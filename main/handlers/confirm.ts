import type { ReplyValue } from '../../shared/contract';
import { limits } from '../../shared/limits';
import type { AuditSummary } from '../ports/audit';
import type { Sender } from '../ports/sender';
import type { Handler } from '../ipc/router';
import type { TerminalCommands } from '../services/commands/terminal-commands';

/** Slack beyond the confirmed command's own timeout, as for TerminalCommand. */
const deadlineSlackMs = 5_000;

/**
 * One kind of confirmation (a terminal command, a spoken plan): recognises its own tokens
 * and runs what they approved. The Confirm handler asks each in turn.
 */
export interface Confirmer {
  /** The audit summary of a live token this kind issued; undefined when the token is not its own. */
  summarize(token: string): AuditSummary | undefined;
  confirm(token: string, sender: Sender, signal: AbortSignal): Promise<ReplyValue<'Confirm'>>;
  /** Forgets a token its owner cancelled. */
  drop(actor: string, token: string): boolean;
}

export function terminalConfirmer(commands: TerminalCommands): Confirmer {
  return {
    summarize(token) {
      const request = commands.confirmations.peek(token);
      return request && { kind: 'TerminalCommand', cmd: request.cmd, argc: request.args.length };
    },
    confirm: async (token, sender, signal) => ({
      type: 'TerminalCommand',
      value: await commands.confirm(sender.actor, token, signal, sender),
    }),
    drop: (actor, token) => commands.confirmations.drop(actor, token),
  };
}

/** The kind that issued a token; an unknown, used or expired token goes to the first kind, which refuses it. */
function ownerOf(confirmers: readonly [Confirmer, ...Confirmer[]], token: string): Confirmer {
  return confirmers.find((confirmer) => confirmer.summarize(token) !== undefined) ?? confirmers[0];
}

/** Confirm: redeems a one-time token from a ConfirmationRequired reply and runs what it approved. */
export function confirmHandler(confirmers: readonly [Confirmer, ...Confirmer[]]): Handler<'Confirm'> {
  return {
    run: (data, { sender, signal }) => ownerOf(confirmers, data.token).confirm(data.token, sender, signal),
    // The token is a credential and is never audited; what it approves is.
    summarize: (data): AuditSummary => ownerOf(confirmers, data.token).summarize(data.token) ?? { kind: 'unknown' },
    deadlineMs: () => limits.maxCommandTimeoutMs + deadlineSlackMs,
    privileged: true,
  };
}

/** ConfirmCancel: the person chose Cancel; the token is forgotten and nothing it approved runs. */
export function confirmCancelHandler(confirmers: readonly Confirmer[]): Handler<'ConfirmCancel'> {
  return {
    run: (data, { sender }) => ({ dropped: confirmers.some((confirmer) => confirmer.drop(sender.actor, data.token)) }),
  };
}
