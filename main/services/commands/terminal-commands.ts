import { homedir } from 'node:os';
import type { AppEvent, MessageData, ReplyValue } from '../../../shared/contract';
import { LocalBrainError } from '../../../shared/errors';
import type { WorkspaceRoots } from '../workspace/roots';
import { ConfirmationStore } from './confirmations';
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
 * TerminalCommand end to end: the cwd must be inside a workspace, the policy decides
 * allow / ask / deny, "ask" hands out a one-time token, and a redeemed token runs
 * exactly the command it was issued for.
 */
export class TerminalCommands {
  readonly confirmations: ConfirmationStore<CommandRequest>;
  readonly #roots: WorkspaceRoots;
  readonly #home: string;
  readonly #grants: (actor: string) => readonly CommandGrant[];
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
   * allow", a plugin's approved commands) turn an ask into allow, never a deny.
   */
  async check(actor: string, request: CommandRequest, scopeGrants: readonly CommandGrant[] = []): Promise<PolicyDecision> {
    const decision = await this.decide(actor, request, scopeGrants);
    if (decision.verdict === 'deny') throw denied(request, decision);
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
