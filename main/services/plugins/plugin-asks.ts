import type { ReplyValue, Request } from '../../../shared/contract';
import type { ConfirmationDetails, ConfirmDecision } from '../../../shared/contract/confirm';
import type { Envelope } from '../../../shared/envelope';
import { LocalBrainError } from '../../../shared/errors';
import { onAbort } from '../../ports/abort-fanout';
import type { AuditSummary } from '../../ports/audit';
import type { Sender } from '../../ports/sender';
import { ConfirmationStore } from '../commands/confirmations';
import type { Permission } from '../../../shared/contract/permissions';
import type { PermissionsService } from '../permissions/permissions-service';

/** As for every other confirmation: long enough to read and decide, and the longest a plugin's command waits paused. */
const defaultTtlMs = 2 * 60_000;

type ApprovingDecision = Exclude<ConfirmDecision, 'deny'>;

/**
 * What is held: the message, in words, and whose it is. `permission` is the `ask`
 * permission it met ("always" keeps it as an allow for the plugin); absent when the
 * command policy asked about a TerminalCommand, where "always" is not offered.
 */
export interface HeldMessage {
  readonly request: Request;
  readonly action: string;
  readonly subject: string;
  readonly permission?: Permission;
}

/** What the plugin host hands over when one of a plugin's invokes met an `ask` permission or the command policy asked. */
export interface AskParts {
  /** The held message (the plugin's own token for it is used up; the host keeps the one-time approval). */
  readonly held: HeldMessage;
  /** What was shown for the ask (the paths after the real-path check, the command, its arguments and folder, the reason). */
  readonly shown: ConfirmationDetails;
  /** Sends the held message through the router as the plugin, with its one-time approval, audited with the decision and the caller. */
  readonly send: (audit: AuditSummary) => Promise<Envelope<unknown>>;
  /** Pauses the plugin's command deadline while the person decides; returns the function that resumes it. */
  readonly pause: () => () => void;
  /** False once the plugin's sandbox has stopped (a crash, a reload, disable): nothing is sent for it then. */
  readonly alive: () => boolean;
}

interface Hold extends AskParts {
  readonly run: CommandRun;
  /** Answers the plugin's waiting invoke (once) and resumes its deadline. */
  readonly answer: (reply: Envelope<unknown>) => void;
  token?: string;
  timer?: NodeJS.Timeout;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * One run of a plugin command (a PluginRun), as its asks see it: who ran it (the only
 * sender its asks may reach), the asks not yet shown, the ones waiting for the person,
 * and how the command ended.
 */
export class CommandRun {
  readonly queue: Hold[] = [];
  readonly shown = new Set<Hold>();
  readonly wakers = new Set<() => void>();
  outcome: Outcome | undefined;
  /** True once the person declined, an ask expired or the caller went away: later asks are refused at once. */
  abandoned = false;
  release: () => void = () => undefined;

  constructor(
    readonly caller: Sender,
    readonly pluginId: string,
    readonly command: string,
  ) {}

  get actor(): string {
    return `plugin:${this.pluginId}`;
  }

  wake(): void {
    for (const waker of this.wakers) waker();
    this.wakers.clear();
  }
}

function refusal(message: string, details: Record<string, unknown>): Envelope<unknown> {
  return { ok: false, error: { code: 'PermissionDenied', message, details } };
}

/**
 * A plugin's own "ask": the plugin cannot hold Confirm, so when one of its invokes meets an
 * `ask` permission, or is a TerminalCommand the command policy asks about, the invoke waits (the command's deadline paused) and the PluginRun that
 * is running the command answers ConfirmationRequired with a token bound to *its* sender.
 * Confirm `once` sends exactly the held message as the plugin with a one-time approval,
 * `always` first keeps the asked permission as an allow for `plugin:<id>` (it is refused for
 * a policy's ask, whose token stays usable for `once` or `deny`); either way the
 * plugin's invoke gets the message's real reply and the command goes on, and Confirm
 * answers with what the command returned (or with its next ask). `deny`, an expiry, a
 * Cancel or the caller going away answer the invoke with PermissionDenied; the command
 * goes on without it and its result reaches no one. Nothing is run twice.
 */
export class PluginAsks {
  readonly #store: ConfirmationStore<Hold>;
  readonly #permissions: PermissionsService;
  readonly #ttlMs: number;
  readonly #runs = new Set<CommandRun>();

  constructor(permissions: PermissionsService, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#permissions = permissions;
    this.#ttlMs = options.ttlMs ?? defaultTtlMs;
    this.#store = new ConfirmationStore<Hold>(this.#ttlMs, options.now);
  }

  /** A command run for `caller`, before it starts, so the host knows it as running. */
  open(caller: Sender, pluginId: string, command: string): CommandRun {
    const run = new CommandRun(caller, pluginId, command);
    this.#runs.add(run);
    let stopWaiting: (() => void) | undefined;
    if (caller.closed.aborted) run.abandoned = true;
    else stopWaiting = onAbort(caller.closed, () => this.#abandon(run, 'the caller went away'));
    run.release = () => {
      stopWaiting?.();
      this.#runs.delete(run);
    };
    return run;
  }

  /**
   * Follows the sandbox's run of the command (`work`): resolves with its value, or throws
   * its failure or its first ask (ConfirmationRequired with a token for the caller).
   */
  follow(run: CommandRun, work: Promise<unknown>): Promise<unknown> {
    void work.then(
      (value) => this.#finish(run, { ok: true, value }),
      (error: unknown) => this.#finish(run, { ok: false, error }),
    );
    return this.#next(run);
  }

  /**
   * Holds one of the plugin's invokes that met an `ask`: resolves with the message's reply
   * once the person allowed it, or with PermissionDenied. `run` is the command the invoke
   * belongs to; without one (no command running, or several at once, so whose it is is
   * unknown) nobody can be asked and the invoke is refused at once.
   */
  hold(run: CommandRun | undefined, parts: AskParts): Promise<Envelope<unknown>> {
    const { action } = parts.held;
    if (!run) {
      return Promise.resolve(
        refusal(
          `${parts.held.subject} asks the person first for ${action}, but no single command of it is running to ask through.`,
          { asked: action },
        ),
      );
    }
    if (run.abandoned) return Promise.resolve(this.#declined(run, action));
    return new Promise((resolve) => {
      const resume = parts.pause();
      let answered = false;
      const hold: Hold = {
        ...parts,
        run,
        answer: (reply) => {
          if (answered) return;
          answered = true;
          resume();
          resolve(reply);
        },
      };
      run.queue.push(hold);
      run.wake();
    });
  }

  /** The audit summary of a live token of a plugin's ask; never the token, the arguments or file contents. */
  summarize(token: string): AuditSummary | undefined {
    const hold = this.#store.peek(token);
    if (!hold) return undefined;
    const { request } = hold.held;
    return {
      kind: 'PluginAsk',
      plugin: hold.run.pluginId,
      command: hold.run.command,
      message: request.type,
      // Which question it was: an `ask` permission, or the command policy (with its rule).
      asked: hold.held.permission === undefined ? 'policy' : 'permission',
      ...(hold.held.permission === undefined && hold.shown.rule !== undefined ? { rule: hold.shown.rule } : {}),
      ...(request.type === 'TerminalCommand' ? { cmd: request.data.cmd, argc: request.data.args.length } : {}),
    };
  }

  owns(token: string): boolean {
    return this.#store.holds(token);
  }

  /**
   * The person allowed the plugin's held message (`once`, or `always`, which first keeps the
   * asked permission as an allow for the plugin): it is sent as the plugin, the plugin's
   * invoke gets its reply, and this resolves with what the command returns, or throws its
   * next ask (ConfirmationRequired) or its failure. `always` on a command the policy asked
   * about is refused (PermissionDenied, `always: false`) and the token stays usable.
   */
  async confirm(token: string, decision: ApprovingDecision, caller: Sender): Promise<ReplyValue<'Confirm'>> {
    // Only the caller's own live token says so; any other token is refused by redeem below, as ever.
    const pending = decision === 'always' ? this.#store.peekFor(caller.actor, token) : undefined;
    if (pending && pending.held.permission === undefined) {
      throw new LocalBrainError(
        'PermissionDenied',
        'Always allow is not offered when the command policy asks about a plugin’s command; allow it once or deny it.',
        { always: false },
      );
    }
    const hold = this.#store.redeem(caller.actor, token);
    this.#settle(hold);
    if (!hold.alive()) {
      hold.answer(this.#declined(hold.run, hold.held.action));
      throw new LocalBrainError('Unavailable', `${hold.run.actor} stopped while it waited for your answer; nothing ran.`);
    }
    const { held } = hold;
    if (decision === 'always' && held.permission) {
      this.#permissions.grant(held.subject, { ...held.permission, effect: 'allow' }, 'confirm');
    }
    const reply = await hold.send({ confirmed: decision, via: caller.actor });
    hold.answer(reply);
    return { type: 'PluginRun', value: await this.#next(hold.run) };
  }

  /** The person declined: the plugin's invoke gets PermissionDenied, and so does every later ask of that command run. */
  decline(actor: string, token: string): string {
    const hold = this.#store.redeem(actor, token);
    this.#settle(hold);
    this.#abandon(hold.run, 'declined');
    hold.answer(this.#declined(hold.run, hold.held.action));
    return `${hold.run.actor} ${hold.held.action}`;
  }

  /** The person chose Cancel: as a decline, without an answer to the caller. */
  drop(actor: string, token: string): boolean {
    const hold = this.#store.peek(token);
    if (!hold || !this.#store.drop(actor, token)) return false;
    this.#settle(hold);
    this.#abandon(hold.run, 'cancelled');
    hold.answer(this.#declined(hold.run, hold.held.action, 'cancelled'));
    return true;
  }

  /** Refuses every ask still waiting (shutdown); their invokes get PermissionDenied and their timers stop. */
  dispose(): void {
    for (const run of [...this.#runs]) this.#abandon(run, 'LocalBrain is shutting down');
  }

  /** The next thing the caller hears from a run: its next ask (thrown, with a token for the caller), its value, or its failure. */
  async #next(run: CommandRun): Promise<unknown> {
    for (;;) {
      const hold = run.queue.shift();
      if (hold) throw this.#surface(hold);
      const outcome = run.outcome;
      if (outcome) {
        run.release();
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      await new Promise<void>((resolve) => run.wakers.add(resolve));
    }
  }

  #surface(hold: Hold): LocalBrainError {
    const { run, held } = hold;
    const policy = held.permission === undefined;
    const issued = this.#store.issue(run.caller.actor, hold, {
      action: held.action,
      reason: hold.shown.reason,
      // The policy's own rule (`unknown-program`, `write-outside`…) when the command policy asked.
      rule: policy ? (hold.shown.rule ?? 'policy-ask') : 'permission-ask',
    });
    hold.token = issued.token;
    run.shown.add(hold);
    // The person's silence is a no: the plugin is answered when the token expires, so its command does not wait forever.
    hold.timer = setTimeout(() => {
      // Still undecided (its token may already be gone: the store keeps at most 32 per sender and drops the oldest).
      if (!run.shown.has(hold)) return;
      if (hold.token !== undefined) this.#store.drop(run.caller.actor, hold.token);
      this.#settle(hold);
      this.#abandon(run, 'no answer in time');
      hold.answer(this.#declined(run, held.action, 'no answer in time'));
    }, this.#ttlMs);
    const details: ConfirmationDetails = {
      ...hold.shown,
      ...issued,
      kind: policy ? 'TerminalCommand' : 'Message',
      asker: run.actor,
      via: run.caller.actor,
      plugin: { id: run.pluginId, command: run.command },
    };
    const why = policy ? ` ${hold.shown.reason}` : '';
    return new LocalBrainError(
      'ConfirmationRequired',
      `${run.actor} asks for ${held.action} while running ${run.command}.${why} Confirm to let it run.`,
      details,
    );
  }

  /** A shown ask is decided (or gone): its timer stops and it no longer counts as waiting. */
  #settle(hold: Hold): void {
    clearTimeout(hold.timer);
    hold.timer = undefined;
    hold.run.shown.delete(hold);
  }

  #abandon(run: CommandRun, why: string): void {
    run.abandoned = true;
    for (const hold of [...run.queue.splice(0), ...run.shown]) {
      this.#settle(hold);
      if (hold.token !== undefined) this.#store.drop(run.caller.actor, hold.token);
      hold.answer(this.#declined(run, hold.held.action, why));
    }
    run.release();
  }

  #finish(run: CommandRun, outcome: Outcome): void {
    run.outcome = outcome;
    run.wake();
    // A command that ended without waiting for its asks (it did not await them) keeps them until they are decided.
    if (run.queue.length === 0 && run.shown.size === 0) run.release();
  }

  #declined(run: CommandRun, action: string, why = 'declined'): Envelope<unknown> {
    return refusal(`The person did not allow ${action} (${why}).`, { declined: true, actor: run.actor });
  }
}
