import type { ReplyValue } from '../../shared/contract';
import type { ConfirmDecision } from '../../shared/contract/confirm';
import { limits } from '../../shared/limits';
import { LocalBrainError } from '../../shared/errors';
import type { AuditSummary } from '../ports/audit';
import type { Sender } from '../ports/sender';
import type { Handler, Router } from '../ipc/router';
import type { TerminalCommands } from '../services/commands/terminal-commands';
import type { PermissionsService } from '../services/permissions/permissions-service';

/** Slack beyond the confirmed command's own timeout, as for TerminalCommand. */
const deadlineSlackMs = 5_000;

/** A decision that runs what the token approved. */
export type ApprovingDecision = Exclude<ConfirmDecision, 'deny'>;

/**
 * One kind of confirmation (a terminal command, a spoken plan): recognises its own tokens
 * and runs what they approved. The Confirm handler asks each in turn.
 */
export interface Confirmer {
  /** The audit summary of a live token this kind issued; undefined when the token is not its own. */
  summarize(token: string): AuditSummary | undefined;
  /** True for a token this kind issued, even an expired one; without it, a token is its own while summarize knows it. */
  owns?(token: string): boolean;
  confirm(token: string, decision: ApprovingDecision, sender: Sender, signal: AbortSignal): Promise<ReplyValue<'Confirm'>>;
  /** Uses the token up without running anything (the person chose deny); returns what was declined, in words. */
  decline(actor: string, token: string): string;
  /** Forgets a token its owner cancelled. */
  drop(actor: string, token: string): boolean;
}

/**
 * Terminal commands: `once` runs the command, `always` also keeps a standing grant for the
 * sender's kind (exactly this program and these arguments).
 */
export function terminalConfirmer(commands: TerminalCommands, permissions: PermissionsService): Confirmer {
  return {
    summarize(token) {
      const request = commands.confirmations.peek(token);
      return request && { kind: 'TerminalCommand', cmd: request.cmd, argc: request.args.length };
    },
    confirm: async (token, decision, sender, signal) => ({
      type: 'TerminalCommand',
      value: await commands.confirm(sender.actor, token, signal, sender, (request) => {
        if (decision !== 'always') return;
        permissions.grant(
          sender.capability.subject,
          { message: 'TerminalCommand', commands: [{ cmd: request.cmd, args: [...request.args] }] },
          'confirm',
        );
      }),
    }),
    decline(actor, token) {
      const request = commands.decline(actor, token);
      return [request.cmd, ...request.args].join(' ');
    },
    drop: (actor, token) => commands.confirmations.drop(actor, token),
  };
}

/**
 * Messages a capability's `ask` permission held back: `once` dispatches the held message
 * through the router again (validated, authorized with this one ask answered, audited
 * with the sender's actor), `always` first keeps the asked permission as an allow for the
 * sender's kind. Denies and revocations still win, since the message is authorized anew.
 */
export function messageConfirmer(router: Router): Confirmer {
  const { permissions } = router;
  return {
    summarize(token): AuditSummary | undefined {
      const request = permissions.peekAsk(token)?.request;
      if (!request) return undefined;
      // As for TerminalCommand: the program and the argument count, never the arguments.
      return request.type === 'TerminalCommand'
        ? { kind: 'Message', message: request.type, cmd: request.data.cmd, argc: request.data.args.length }
        : { kind: 'Message', message: request.type };
    },
    owns: (token) => permissions.holdsAsk(token),
    async confirm(token, decision, sender) {
      const { held, approval } = permissions.redeemAsk(sender.actor, token);
      if (decision === 'always') permissions.grant(held.subject, { ...held.permission, effect: 'allow' }, 'confirm');
      const reply = await router.dispatch(held.request, sender, { approval, auditExtra: { confirmed: decision } });
      if (!reply.ok) throw new LocalBrainError(reply.error.code, reply.error.message, reply.error.details);
      return { type: 'Message', value: { type: held.request.type, value: reply.value } };
    },
    decline: (actor, token) => permissions.redeemAsk(actor, token).held.action,
    drop: (actor, token) => permissions.dropAsk(actor, token),
  };
}

/** The kind that issued a token; an unknown, used or expired token goes to the first kind, which refuses it. */
function ownerOf(confirmers: readonly [Confirmer, ...Confirmer[]], token: string): Confirmer {
  return (
    confirmers.find((confirmer) => confirmer.summarize(token) !== undefined) ??
    confirmers.find((confirmer) => confirmer.owns?.(token) === true) ??
    confirmers[0]
  );
}

/**
 * Confirm: redeems a one-time token from a ConfirmationRequired reply. `once` (the default)
 * runs what it approved, `always` also keeps a standing grant where the kind has one,
 * `deny` uses the token up; the audit entry names the decision.
 */
export function confirmHandler(confirmers: readonly [Confirmer, ...Confirmer[]]): Handler<'Confirm'> {
  return {
    run(data, { sender, signal }) {
      const owner = ownerOf(confirmers, data.token);
      const decision = data.decision ?? 'once';
      if (decision === 'deny') {
        const declined = owner.decline(sender.actor, data.token);
        throw new LocalBrainError('PermissionDenied', `You declined ${declined}.`, { declined: true });
      }
      return owner.confirm(data.token, decision, sender, signal);
    },
    // The token is a credential and is never audited; what it approves and the decision are.
    summarize: (data): AuditSummary => ({
      ...(ownerOf(confirmers, data.token).summarize(data.token) ?? { kind: 'unknown' }),
      decision: data.decision ?? 'once',
    }),
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
