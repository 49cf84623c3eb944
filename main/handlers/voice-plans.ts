import { randomUUID } from 'node:crypto';
import type { MessageData } from '../../shared/contract';
import type { ConfirmationDetails } from '../../shared/contract/confirm';
import type { SearchMatch } from '../../shared/contract/files';
import type { PtySessionInfo } from '../../shared/contract/pty';
import type { StepResult, VoiceCommandReply, VoicePlan, VoiceShow } from '../../shared/contract/voice';
import type { Envelope } from '../../shared/envelope';
import { LocalBrainError, type ErrorPayload } from '../../shared/errors';
import type { AuditSummary } from '../ports/audit';
import { deriveSender, type Sender } from '../ports/sender';
import { ConfirmationStore } from '../services/commands/confirmations';
import type { ApprovingDecision } from './confirm';
import type { IntentEngine } from '../services/voice/engine';
import type { PlanContext } from '../services/voice/registry';
import type { DispatchOptions } from '../ipc/router';

/** The router's entry point, injected so this module never reaches into the message layer itself. */
export type Dispatch = (raw: unknown, sender: Sender, options?: DispatchOptions) => Promise<Envelope<unknown>>;

/** Search hits kept per step in the reply: the same screenful the search step asks for. */
const maxHitsPerSearch = 200;

interface PendingPlan {
  readonly intent: string;
  readonly say: string;
  readonly conclude: ((results: readonly StepResult[]) => string) | undefined;
  readonly plan: VoicePlan;
  readonly show: VoiceShow | undefined;
  /** The first step still to run. */
  readonly from: number;
  /** A TerminalCommand step the policy asked about, with the token the terminal domain issued to the voice sender. */
  readonly innerTokens: ReadonlyMap<number, string>;
}

interface RunningPlan {
  readonly planId: string;
  readonly controller: AbortController;
}

function cancelledError(): LocalBrainError {
  return new LocalBrainError('Unavailable', 'The plan was cancelled.', { cancelled: true });
}

function planAction(plan: VoicePlan): string {
  return plan.steps.map((step, index) => `${index + 1}. ${step.describe}`).join('\n');
}

/**
 * Runs spoken plans: each step is an ordinary message dispatched through the router as
 * a sender of its own (`voice:<caller>`), with the caller's capabilities, its events going
 * to the caller, and the plan id in each step's audit summary. Steps that ask are not run:
 * the whole plan waits behind one Confirm token. VoiceCancel stops a running plan.
 */
export class VoicePlans {
  readonly confirmations = new ConfirmationStore<PendingPlan>();
  readonly #running = new Map<string, Set<RunningPlan>>();

  constructor(
    private readonly engine: IntentEngine,
    private readonly dispatch: Dispatch,
    /**
     * Drops the token a stopped step holds (issued to the voice sender) when the plan is
     * declined or cancelled, so a plugin waiting on its ask hears "no" at once instead of
     * at the token's expiry. A terminal command's token holds nothing running and may expire.
     */
    private readonly dropInner: (actor: string, token: string) => void = () => undefined,
  ) {}

  /** Understands a sentence and runs its plan; throws ConfirmationRequired (with the plan) when a step must ask first. */
  async command(data: MessageData<'VoiceCommand'>, caller: Sender): Promise<VoiceCommandReply> {
    return this.#withPlan(caller, async (planId, voice) => {
      const understanding = await this.engine.understand(data.text, this.#context(planId, voice.sender));
      if (!understanding.understood) {
        return {
          intent: 'unknown',
          understood: false,
          say: understanding.say,
          plan: { id: planId, steps: [] },
          results: [],
          suggestions: [...understanding.suggestions],
        };
      }
      const { draft, intent } = understanding;
      const plan: VoicePlan = {
        id: planId,
        steps: draft.steps.map((step) => ({
          message: step.message,
          describe: step.describe,
          ...(step.confirm ? { confirm: true } : {}),
        })),
      };
      const pending: PendingPlan = {
        intent,
        say: draft.say,
        conclude: draft.conclude,
        plan,
        show: draft.show,
        from: 0,
        innerTokens: new Map(),
      };
      if (plan.steps.some((step) => step.confirm === true)) {
        throw this.#ask(caller.actor, pending, 'Deleting always asks first.');
      }
      return this.#execute(pending, caller, voice);
    });
  }

  /**
   * Redeems a VoicePlan token and runs the rest of its plan; the router still checks every
   * step. The decision passes on to the terminal command the plan stopped at, so `always`
   * keeps the same standing grant as in the terminal's own dialog; a delete asks every time.
   */
  async confirm(token: string, caller: Sender, decision: ApprovingDecision = 'once'): Promise<VoiceCommandReply> {
    const pending = this.confirmations.redeem(caller.actor, token);
    return this.#withPlan(caller, (_planId, voice) => this.#execute(pending, caller, voice, decision), pending.plan.id);
  }

  /** Refuses a pending plan: its token is used up and nothing runs; a stopped step's own token is dropped with it. */
  decline(actor: string, token: string): string {
    const pending = this.confirmations.redeem(actor, token);
    this.#dropInner(actor, pending);
    return `the plan to ${planAction(pending.plan)}`;
  }

  /** Forgets a pending plan its caller cancelled, with the token of the step it stopped at. */
  drop(actor: string, token: string): boolean {
    const pending = this.confirmations.peek(token);
    if (!this.confirmations.drop(actor, token)) return false;
    if (pending) this.#dropInner(actor, pending);
    return true;
  }

  #dropInner(actor: string, pending: PendingPlan): void {
    for (const inner of pending.innerTokens.values()) this.dropInner(`voice:${actor}`, inner);
  }

  /** The kill switch: aborts the caller's running plans (or the one named); their commands are killed with them. */
  cancel(caller: Sender, planId?: string): number {
    let cancelled = 0;
    for (const running of this.#running.get(caller.actor) ?? []) {
      if (planId !== undefined && running.planId !== planId) continue;
      running.controller.abort(cancelledError());
      cancelled++;
    }
    return cancelled;
  }

  summarizeToken(token: string): AuditSummary | undefined {
    const pending = this.confirmations.peek(token);
    return pending && { kind: 'VoicePlan', planId: pending.plan.id, intent: pending.intent, steps: pending.plan.steps.length };
  }

  async #withPlan<T>(
    caller: Sender,
    work: (planId: string, voice: { sender: Sender; hits: Map<string, SearchMatch[]>; signal: AbortSignal }) => Promise<T>,
    planId: string = randomUUID(),
  ): Promise<T> {
    // Never aborted when the plan ends: a terminal the plan opened lives on with its window.
    const controller = new AbortController();
    const running: RunningPlan = { planId, controller };
    const mine = this.#running.get(caller.actor) ?? new Set<RunningPlan>();
    mine.add(running);
    this.#running.set(caller.actor, mine);
    const hits = new Map<string, SearchMatch[]>();
    const sender = deriveSender(caller, {
      actor: `voice:${caller.actor}`,
      signal: controller.signal,
      intercept: (event) => {
        // The window took over a terminal the plan opened: news for the voice sender, not for the window.
        if (event.type === 'PtyDetached') return false;
        if (event.type !== 'FileSearchResults') return true;
        const kept = hits.get(event.data.searchId);
        if (!kept) return true;
        kept.push(...event.data.matches.slice(0, maxHitsPerSearch - kept.length));
        return false;
      },
    });
    try {
      return await work(planId, { sender, hits, signal: controller.signal });
    } finally {
      mine.delete(running);
      if (mine.size === 0) this.#running.delete(caller.actor);
    }
  }

  #context(planId: string, voice: Sender): PlanContext {
    let next = 0;
    return {
      sessions: async (): Promise<readonly PtySessionInfo[]> => {
        const reply = await this.dispatch({ type: 'PtyList', data: {} }, voice, { auditExtra: { planId } });
        return reply.ok ? (reply.value as { sessions: PtySessionInfo[] }).sessions : [];
      },
      nextId: (prefix) => `${prefix}-${planId.slice(0, 8)}-${++next}`,
      pluginExamples: () => this.engine.pluginExamples(),
    };
  }

  #ask(actor: string, pending: PendingPlan, reason: string, step?: ConfirmationDetails): LocalBrainError {
    const issued = this.confirmations.issue(actor, pending, { action: planAction(pending.plan), reason });
    const details: ConfirmationDetails = {
      // Who asks inside the step and exactly what (a plugin's message: its path and operation, or program and arguments).
      ...(step ? whatTheStepAsks(step) : {}),
      ...issued,
      kind: 'VoicePlan',
      plan: pending.plan,
      intent: pending.intent,
      say: pending.say,
    };
    return new LocalBrainError('ConfirmationRequired', `${reason} Confirm to run the plan.`, details);
  }

  async #execute(
    pending: PendingPlan,
    caller: Sender,
    voice: { sender: Sender; hits: Map<string, SearchMatch[]>; signal: AbortSignal },
    confirmed?: ApprovingDecision,
  ): Promise<VoiceCommandReply> {
    const { plan } = pending;
    const results: StepResult[] = [];
    let show = pending.show;
    // Read afresh after each await: VoiceCancel may have aborted the plan meanwhile.
    const stopped = () => voice.signal.aborted;
    for (let index = pending.from; index < plan.steps.length; index++) {
      const step = plan.steps[index];
      if (!step) break;
      if (stopped()) return this.#cancelled(pending, results);
      const inner = confirmed === undefined ? undefined : pending.innerTokens.get(index);
      const message = inner === undefined ? step.message : { type: 'Confirm', data: { token: inner, decision: confirmed } };
      if (step.message.type === 'FileOperation') {
        const op = (step.message.data as MessageData<'FileOperation'>).op;
        if (op.kind === 'search') voice.hits.set(op.searchId, []);
      }
      const reply = await this.dispatch(message, voice.sender, { auditExtra: { planId: plan.id, step: index } });
      if (stopped()) return this.#cancelled(pending, results);
      if (!reply.ok) {
        // A terminal command the policy asked about, or a plugin command whose plugin asked (its token is the voice
        // sender's): the plan waits behind its own token, and Confirm passes the decision on. A step confirmed once
        // may ask again (a plugin's next ask): that is a new question, asked the same way.
        if (reply.error.code === 'ConfirmationRequired' && passesOn(step.message.type, reply.error.details, inner)) {
          const details = reply.error.details as ConfirmationDetails;
          throw this.#ask(
            caller.actor,
            { ...pending, from: index, innerTokens: new Map([[index, details.token]]) },
            details.reason,
            step.message.type === 'PluginRun' ? details : undefined,
          );
        }
        // The step's own token may outlive a refused decision (a plugin's policy ask refuses `always` and keeps it):
        // the plan fails here, so it is dropped and a plugin waiting on it hears "no" now, not at its expiry.
        if (inner !== undefined) this.dropInner(voice.sender.actor, inner);
        results.push({ step: index, type: step.message.type, ok: false, error: reply.error });
        throw this.#failed(pending, results, reply.error);
      }
      // A confirmed plugin step answers with Confirm's reply; the step's own value is the command's return value.
      const own =
        inner !== undefined && step.message.type === 'PluginRun' ? (reply.value as { value: unknown }).value : reply.value;
      const value = this.#withHits(step.message, own, voice.hits);
      results.push({ step: index, type: step.message.type, ok: true, value });
      if (step.message.type === 'PtySpawn') {
        show = { view: 'terminals', sessionId: (reply.value as { sessionId: string }).sessionId };
      }
    }
    const say = pending.conclude?.(results) ?? pending.say;
    return { intent: pending.intent, understood: true, say, plan, results, ...(show ? { show } : {}) };
  }

  #withHits(message: VoicePlan['steps'][number]['message'], value: unknown, hits: Map<string, SearchMatch[]>): unknown {
    if (message.type !== 'FileOperation') return value;
    const op = (message.data as MessageData<'FileOperation'>).op;
    if (op.kind !== 'search') return value;
    return { ...(value as object), hits: hits.get(op.searchId) ?? [] };
  }

  #cancelled(pending: PendingPlan, results: StepResult[]): VoiceCommandReply {
    return { intent: pending.intent, understood: true, say: 'Stopped.', plan: pending.plan, results, cancelled: true };
  }

  /** A failed step fails the plan with the step's own code (PermissionDenied from the files domain stays PermissionDenied). */
  #failed(pending: PendingPlan, results: StepResult[], error: ErrorPayload): LocalBrainError {
    return new LocalBrainError(error.code, error.message, {
      planId: pending.plan.id,
      intent: pending.intent,
      plan: pending.plan,
      results,
      stepDetails: error.details,
    });
  }
}

/** True when a step's ConfirmationRequired is one the plan passes on: a terminal command's, or a plugin command's ask. */
function passesOn(type: string, details: unknown, inner: string | undefined): boolean {
  const token = (details as ConfirmationDetails | undefined)?.token;
  if (token === undefined) return false;
  if (type === 'TerminalCommand') return inner === undefined;
  return type === 'PluginRun';
}

function whatTheStepAsks(step: ConfirmationDetails): Partial<ConfirmationDetails> {
  const { asker, via, plugin, command, message, file, keys, always } = step;
  return { asker, via, plugin, command, message, file, keys, always };
}
