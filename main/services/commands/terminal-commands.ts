import { homedir } from 'node:os';
import type { AppEvent, MessageData, ReplyValue } from '../../../shared/contract';
import { LocalBrainError } from '../../../shared/errors';
import type { WorkspaceRoots } from '../workspace/roots';
import { commandGrantMatches } from '../permissions/match';
import { ConfirmationStore } from './confirmations';
import type { CommandGrant } from '../../../shared/contract/permissions';
import { evaluateCommand, type PolicyDecision } from './policy';
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
  /** Streaming commands by sender and streamId, so CommandCancel can stop them. */
  readonly #running = new Map<string, AbortController>();

  constructor(options: TerminalCommandsOptions) {
    this.#roots = options.roots;
    this.#home = options.home ?? homedir();
    this.confirmations = options.confirmations ?? new ConfirmationStore<CommandRequest>();
  }

  /**
   * Throws PermissionDenied for a denied command or a cwd outside the workspace,
   * ConfirmationRequired (with a token) for "ask". Standing grants (the person's "always
   * allow") turn an ask into allow, never a deny.
   */
  async check(actor: string, request: CommandRequest, grants: readonly CommandGrant[] = []): Promise<void> {
    const verdict = await this.#verdict(request, grants);
    if (verdict.verdict === 'deny') throw new LocalBrainError('PermissionDenied', verdict.reason, { cmd: request.cmd });
    if (verdict.verdict === 'ask') {
      const details = this.confirmations.issue(actor, request, {
        action: [request.cmd, ...request.args].join(' '),
        reason: verdict.reason,
      });
      throw new LocalBrainError('ConfirmationRequired', `${verdict.reason} Confirm to run it.`, {
        ...details,
        kind: 'TerminalCommand',
        asker: actor,
        command: { cmd: request.cmd, args: request.args, ...(request.cwd === undefined ? {} : { cwd: request.cwd }) },
      });
    }
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
    const verdict = await this.#verdict(request);
    if (verdict.verdict === 'deny') throw new LocalBrainError('PermissionDenied', verdict.reason, { cmd: request.cmd });
    approved?.(request);
    return this.run(request, signal, stream);
  }

  /** Refuses a pending confirmation: the token is used up and nothing runs. */
  decline(actor: string, token: string): CommandRequest {
    return this.confirmations.redeem(actor, token);
  }

  async #verdict(request: CommandRequest, grants: readonly CommandGrant[] = []): Promise<PolicyDecision> {
    const cwd = await this.#roots.resolveExisting(request.cwd ?? '.');
    const verdict = evaluateCommand(request.cmd, request.args, {
      cwd: cwd.absolute,
      roots: this.#roots.list(),
      home: this.#home,
    });
    // Seam for the command-policy grammar (branch `policy`): its decision function takes these grants itself.
    if (verdict.verdict === 'ask' && grants.some((grant) => commandGrantMatches(grant, request.cmd, request.args))) {
      return { verdict: 'allow' };
    }
    return verdict;
  }
}
