import { homedir } from 'node:os';
import type { AppEvent, MessageData, ReplyValue } from '../../../shared/contract';
import { LocalBrainError } from '../../../shared/errors';
import type { WorkspaceRoots } from '../workspace/roots';
import { ConfirmationStore, ExactApproval } from './confirmations';
import type { CommandGrant, PolicyDecision } from './decision';
import { decide } from './policy';
import { realPathOfLongestPrefix } from './real-path';
import { runCommand } from './run-command';

type CommandRequest = MessageData<'TerminalCommand'>;

/** Where a streaming command's output goes: the sender that asked. */
export interface CommandStream {
  readonly actor: string;
  emit(event: AppEvent): void;
}

export interface TerminalCommandsOptions {
  readonly roots: WorkspaceRoots;
  readonly home?: string;
  readonly confirmations?: ConfirmationStore<CommandRequest>;
  /** The sender's standing "always allow" grants (kept by the permissions service); none when absent. */
  readonly grants?: (actor: string) => readonly CommandGrant[];
}

/**
 * The person's "allow once" for one command the policy asked a plugin about: made only by
 * {@link TerminalCommands.takeAsk}, good for one policy check of the same actor and exactly
 * the same command (program, arguments, folder, timeout, stream), then spent. The policy is
 * still asked, so a deny (a revoked workspace, a new rule) wins over it.
 */
export class CommandApproval extends ExactApproval<CommandRequest> {}

/**
 * TerminalCommand end to end: the cwd must be inside a workspace, the policy decides
 * allow / ask / deny, "ask" hands out a one-time token, and a redeemed token runs
 * exactly the command it was issued for.
 */
export class TerminalCommands {
  readonly confirmations: ConfirmationStore<CommandRequest>;
  readonly #roots: WorkspaceRoots;
  readonly #home: string;
  readonly #grants: (actor: string) => readonly CommandGrant[];
  /** Approvals this service made and has not seen spent; a forged CommandApproval is not among them. */
  readonly #approvals = new WeakSet<CommandApproval>();
  /** Streaming commands by sender and streamId, so CommandCancel can stop them. */
  readonly #running = new Map<string, AbortController>();

  constructor(options: TerminalCommandsOptions) {
    this.#roots = options.roots;
    this.#home = options.home ?? homedir();
    this.#grants = options.grants ?? (() => []);
    this.confirmations = options.confirmations ?? new ConfirmationStore<CommandRequest>();
  }

  /**
   * Throws PermissionDenied for a denied command or a cwd outside the workspace,
   * ConfirmationRequired (with a token) for "ask". Standing grants (the person's "always
   * allow", a plugin's approved commands) turn an ask into allow, never a deny. `approval`
   * (from {@link takeAsk}) answers the ask once, for exactly the command it was made for.
   */
  async check(
    actor: string,
    request: CommandRequest,
    scopeGrants: readonly CommandGrant[] = [],
    approval?: CommandApproval,
  ): Promise<PolicyDecision> {
    const decision = await this.decide(actor, request, scopeGrants);
    if (decision.verdict === 'deny') throw denied(request, decision);
    if (decision.verdict === 'ask' && approval && this.#spend(approval, actor, request)) {
      return { verdict: 'allow', rule: 'confirmed', reason: `Allowed once by the person; without it: ${decision.reason}` };
    }
    if (decision.verdict === 'ask') {
      const details = this.confirmations.issue(actor, request, {
        action: [request.cmd, ...request.args].join(' '),
        reason: decision.reason,
        rule: decision.rule,
      });
      throw new LocalBrainError('ConfirmationRequired', `${decision.reason} Confirm to run it.`, {
        ...details,
        kind: 'TerminalCommand',
        asker: actor,
        command: { cmd: request.cmd, args: request.args, ...(request.cwd === undefined ? {} : { cwd: request.cwd }) },
      });
    }
    return decision;
  }

  async run(request: CommandRequest, signal: AbortSignal, stream?: CommandStream): Promise<ReplyValue<'TerminalCommand'>> {
    const cwd = await this.#roots.resolveExisting(request.cwd ?? '.');
    if (request.streamId === undefined || !stream) return runCommand(request, { cwd: cwd.absolute, signal });
    const { streamId } = request;
    const key = `${stream.actor}\u0000${streamId}`;
    if (this.#running.has(key)) {
      throw new LocalBrainError('Conflict', 'A command with this streamId is already running.', { streamId });
    }
    const cancel = new AbortController();
    this.#running.set(key, cancel);
    try {
      return await runCommand(request, {
        cwd: cwd.absolute,
        signal,
        cancel: cancel.signal,
        onOutput: (which, data) => stream.emit({ type: 'CommandOutput', data: { streamId, stream: which, data } }),
      });
    } finally {
      this.#running.delete(key);
    }
  }

  /** Stops a streaming command this sender started; false when none is running under that id. */
  cancel(actor: string, streamId: string): boolean {
    const running = this.#running.get(`${actor}\u0000${streamId}`);
    running?.abort();
    return running !== undefined;
  }

  /**
   * Redeems a token and runs its command; the policy is asked again so a revoked workspace
   * or a new deny rule still wins. `approved` sees the command before it runs (to keep an
   * "always allow" grant).
   */
  async confirm(
    actor: string,
    token: string,
    signal: AbortSignal,
    stream?: CommandStream,
    approved?: (request: CommandRequest) => void,
  ): Promise<ReplyValue<'TerminalCommand'>> {
    const request = this.confirmations.redeem(actor, token);
    const decision = await this.decide(actor, request);
    if (decision.verdict === 'deny') throw denied(request, decision);
    approved?.(request);
    return this.run(request, signal, stream);
  }

  /**
   * Uses up the token of a command the policy asked `actor` about, for someone else to
   * decide (a plugin's ask goes to who ran its command): the held command and a one-time
   * approval for it. Throws PermissionDenied for an unknown, used, expired or foreign token.
   */
  takeAsk(actor: string, token: string): { request: CommandRequest; approval: CommandApproval } {
    const request = this.confirmations.redeem(actor, token);
    const approval = new CommandApproval(actor, request);
    this.#approvals.add(approval);
    return { request, approval };
  }

  /** True (and the approval spent) when it is this service's own, unspent, for this actor and exactly this command. */
  #spend(approval: CommandApproval, actor: string, request: CommandRequest): boolean {
    if (!this.#approvals.has(approval) || approval.actor !== actor || !approval.covers(request)) return false;
    return this.#approvals.delete(approval);
  }

  /** Refuses a pending confirmation: the token is used up and nothing runs. */
  decline(actor: string, token: string): CommandRequest {
    return this.confirmations.redeem(actor, token);
  }

  /** The policy's decision for this sender (its grants, and those of the request's scope, included), without acting on it. */
  async decide(actor: string, request: CommandRequest, scopeGrants: readonly CommandGrant[] = []): Promise<PolicyDecision> {
    const cwd = await this.#roots.resolveExisting(request.cwd ?? '.');
    return decide(request, {
      cwd: cwd.absolute,
      roots: this.#roots.list(),
      home: this.#home,
      grants: [...this.#grants(actor), ...scopeGrants],
      realPath: realPathOfLongestPrefix,
      allows: (real) => this.#roots.allows(real),
    });
  }
}

function denied(request: CommandRequest, decision: PolicyDecision): LocalBrainError {
  return new LocalBrainError('PermissionDenied', decision.reason, {
    cmd: request.cmd,
    rule: decision.rule,
    reason: decision.reason,
  });
}
