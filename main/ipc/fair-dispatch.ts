import type { Logger } from 'pino';
import { errorEnvelope, type Envelope } from '../../shared/envelope';
import type { AuditSink } from '../ports/audit';
import type { Sender } from '../ports/sender';
import type { DispatchOptions } from './router';

/** What a transport hands its requests to: the router itself, or the fair dispatcher in front of it. */
export interface RequestDispatcher {
  dispatch(raw: unknown, sender: Sender, options?: DispatchOptions): Promise<Envelope<unknown>>;
}

export interface FairnessLimits {
  /** Requests of one sender running at once. */
  readonly maxInFlightPerSender: number;
  /** Requests of one sender waiting for one of its slots; past this they are refused at once. */
  readonly maxQueuedPerSender: number;
  /** Queued requests started in one event-loop turn, across all senders, so a backlog never holds the thread for long. */
  readonly startsPerTurn: number;
  /** One sender's refusals are audited as one entry per window of this length. */
  readonly refusalWindowMs: number;
  /** How long a refused sender is told to wait; a transport that can stop reading (serve mode) stops for this long. */
  readonly retryAfterMs: number;
}

export const defaultFairnessLimits: FairnessLimits = {
  // A window keeps a handful of requests in flight (a search, a watch, acks, keystrokes); 64 is ten times that.
  maxInFlightPerSender: 64,
  // Four times the in-flight slots: a burst (a paste of many keystrokes, a plan of many steps) queues rather than fails.
  maxQueuedPerSender: 256,
  // About 32 × 30 µs of router work (bench: routed p50 ≈ 20–30 µs): about 1 ms of the thread per turn at most.
  startsPerTurn: 32,
  // One entry a second per flooding sender: the audit of a flood must not itself become a flood.
  refusalWindowMs: 1_000,
  // A client past its queue is not waiting for replies; a quarter second off the wire turns its flood into a trickle
  // (one socket read, a few hundred frames, per pause) while a client that waits for its replies never meets it.
  retryAfterMs: 250,
};

export interface FairDispatcherOptions {
  readonly router: RequestDispatcher;
  /** Where aggregated refusals are recorded (the router's own sink). */
  readonly audit: AuditSink;
  readonly logger: Logger;
  readonly limits?: Partial<FairnessLimits>;
}

/** The audit entry type of a sender's refused (and dropped) requests, one per window. */
export const refusedAuditType = 'RequestsRefused';
/** Distinct message types counted by name in one refusal entry; the rest are counted together. */
const maxCountedTypes = 8;
/** The router's cut for an unparsed type tag, so an attacker's tag cannot bloat an entry. */
const maxTypeChars = 64;

interface Queued {
  readonly raw: unknown;
  readonly sender: Sender;
  readonly options: DispatchOptions | undefined;
  readonly resolve: (reply: Envelope<unknown>) => void;
}

interface SenderState {
  readonly actor: string;
  readonly closed: AbortSignal;
  readonly onClosed: () => void;
  inFlight: number;
  /** FIFO with a moving head, so taking the next request is O(1). */
  queue: Queued[];
  head: number;
  ready: boolean;
}

interface RefusalTally {
  readonly firstAt: number;
  lastAt: number;
  refused: number;
  dropped: number;
  readonly types: Map<string, number>;
  readonly timer: NodeJS.Timeout;
}

function tooManyRequests(limits: FairnessLimits): Envelope<never> {
  return errorEnvelope({
    code: 'Unavailable',
    message: 'Too many requests: wait for earlier replies before sending more.',
    details: {
      maxInFlight: limits.maxInFlightPerSender,
      maxQueued: limits.maxQueuedPerSender,
      retryAfterMs: limits.retryAfterMs,
    },
  });
}

/** The wait a "too many requests" refusal asks for, or undefined for any other reply. */
export function retryAfterMs(reply: Envelope<unknown>): number | undefined {
  if (reply.ok || reply.error.code !== 'Unavailable') return undefined;
  const details: unknown = reply.error.details;
  if (typeof details !== 'object' || details === null || !('retryAfterMs' in details)) return undefined;
  return typeof details.retryAfterMs === 'number' ? details.retryAfterMs : undefined;
}

const wentAway: Envelope<never> = errorEnvelope({
  code: 'Unavailable',
  message: 'The client went away before this request ran.',
});

function typeTag(raw: unknown): string {
  const tag = typeof raw === 'object' && raw !== null && 'type' in raw ? raw.type : undefined;
  return typeof tag === 'string' ? tag.slice(0, maxTypeChars) : '(invalid)';
}

function queued(state: SenderState): number {
  return state.queue.length - state.head;
}

/**
 * Fairness and back-pressure in front of the router, for every transport. Each sender
 * (keyed by its actor) has a few requests running and a bounded queue; past the queue a
 * request is answered `Unavailable` at once, so a flood costs a counter, not memory.
 * Queued requests start in event-loop turns, round-robin across senders, a bounded
 * number per turn: a sender with a backlog never delays one without. Refusals are
 * audited as one aggregated entry per sender per window.
 */
export class FairDispatcher implements RequestDispatcher {
  readonly limits: FairnessLimits;
  readonly #router: RequestDispatcher;
  readonly #audit: AuditSink;
  readonly #logger: Logger;
  readonly #senders = new Map<string, SenderState>();
  readonly #tallies = new Map<string, RefusalTally>();
  /** Senders with queued requests and a free slot, in round-robin order. */
  #ready: SenderState[] = [];
  #turn: NodeJS.Immediate | undefined;
  #disposed = false;

  constructor(options: FairDispatcherOptions) {
    this.#router = options.router;
    this.#audit = options.audit;
    this.#logger = options.logger;
    this.limits = { ...defaultFairnessLimits, ...options.limits };
  }

  /** Requests waiting across all senders (for the health report and tests). */
  get queuedRequests(): number {
    let total = 0;
    for (const state of this.#senders.values()) total += queued(state);
    return total;
  }

  dispatch(raw: unknown, sender: Sender, options?: DispatchOptions): Promise<Envelope<unknown>> {
    if (this.#disposed) return this.#router.dispatch(raw, sender, options);
    const state = this.#stateFor(sender);
    if (queued(state) === 0 && state.inFlight < this.limits.maxInFlightPerSender) {
      return this.#start(state, raw, sender, options);
    }
    if (queued(state) >= this.limits.maxQueuedPerSender) {
      this.#tally(state.actor, typeTag(raw), 'refused');
      return Promise.resolve(tooManyRequests(this.limits));
    }
    return new Promise((resolve) => {
      state.queue.push({ raw, sender, options, resolve });
      this.#markReady(state);
    });
  }

  /** Writes pending refusal entries and stops the turn; later requests go straight to the router. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#turn) clearImmediate(this.#turn);
    this.#turn = undefined;
    // Queued requests still run, unscheduled: shutdown must not leave a caller without a reply.
    for (const state of this.#senders.values()) {
      for (const item of state.queue.splice(state.head)) {
        void this.#router.dispatch(item.raw, item.sender, item.options).then(item.resolve);
      }
      state.head = 0;
    }
    await Promise.all([...this.#tallies.keys()].map((actor) => this.#writeTally(actor)));
  }

  #stateFor(sender: Sender): SenderState {
    const known = this.#senders.get(sender.actor);
    if (known) return known;
    const state: SenderState = {
      actor: sender.actor,
      closed: sender.closed,
      onClosed: () => this.#dropQueue(state),
      inFlight: 0,
      queue: [],
      head: 0,
      ready: false,
    };
    // A sender that is already closed (a refused frame's stand-in) keeps its requests: the router refuses them.
    if (!sender.closed.aborted) sender.closed.addEventListener('abort', state.onClosed, { once: true });
    this.#senders.set(sender.actor, state);
    return state;
  }

  #start(state: SenderState, raw: unknown, sender: Sender, options: DispatchOptions | undefined): Promise<Envelope<unknown>> {
    state.inFlight += 1;
    return this.#router
      .dispatch(raw, sender, options)
      .catch((error: unknown): Envelope<unknown> => {
        // The router answers with envelopes; a rejection is a bug, never shown raw to the client.
        this.#logger.error({ err: error }, 'dispatch rejected');
        return errorEnvelope({
          code: 'Internal',
          message: 'Something went wrong inside LocalBrain; the details are in its log.',
        });
      })
      .finally(() => {
        state.inFlight -= 1;
        if (queued(state) > 0) this.#markReady(state);
        else this.#forgetIfIdle(state);
      });
  }

  #markReady(state: SenderState): void {
    if (state.ready || state.inFlight >= this.limits.maxInFlightPerSender || queued(state) === 0) return;
    state.ready = true;
    this.#ready.push(state);
    this.#turn ??= setImmediate(() => this.#runTurn());
  }

  /** Starts up to `startsPerTurn` queued requests, one per ready sender in rotation. */
  #runTurn(): void {
    this.#turn = undefined;
    let budget = this.limits.startsPerTurn;
    while (budget > 0) {
      const state = this.#ready.shift();
      if (state === undefined) break;
      state.ready = false;
      const item = state.inFlight < this.limits.maxInFlightPerSender ? this.#take(state) : undefined;
      if (item === undefined) {
        this.#forgetIfIdle(state);
        continue;
      }
      budget -= 1;
      void this.#start(state, item.raw, item.sender, item.options).then(item.resolve);
      // Back of the line: every other ready sender starts one before this one starts its next.
      this.#markReady(state);
    }
    if (this.#ready.length > 0) this.#turn ??= setImmediate(() => this.#runTurn());
  }

  #take(state: SenderState): Queued | undefined {
    const item = state.queue[state.head];
    if (item === undefined) return undefined;
    state.head += 1;
    if (state.head === state.queue.length) {
      state.queue = [];
      state.head = 0;
    } else if (state.head >= 1024 && state.head * 2 >= state.queue.length) {
      state.queue = state.queue.slice(state.head);
      state.head = 0;
    }
    return item;
  }

  #dropQueue(state: SenderState): void {
    for (const item of state.queue.splice(state.head)) {
      this.#tally(state.actor, typeTag(item.raw), 'dropped');
      item.resolve(wentAway);
    }
    state.queue = [];
    state.head = 0;
    this.#forgetIfIdle(state);
  }

  #forgetIfIdle(state: SenderState): void {
    if (state.inFlight > 0 || queued(state) > 0 || state.ready) return;
    if (this.#senders.get(state.actor) !== state) return;
    state.closed.removeEventListener('abort', state.onClosed);
    this.#senders.delete(state.actor);
  }

  #tally(actor: string, type: string, kind: 'refused' | 'dropped'): void {
    let tally = this.#tallies.get(actor);
    if (!tally) {
      const timer = setTimeout(() => void this.#writeTally(actor), this.limits.refusalWindowMs);
      tally = { firstAt: Date.now(), lastAt: Date.now(), refused: 0, dropped: 0, types: new Map(), timer };
      this.#tallies.set(actor, tally);
    }
    tally.lastAt = Date.now();
    tally[kind] += 1;
    const key = tally.types.has(type) || tally.types.size < maxCountedTypes ? type : '(other)';
    tally.types.set(key, (tally.types.get(key) ?? 0) + 1);
  }

  async #writeTally(actor: string): Promise<void> {
    const tally = this.#tallies.get(actor);
    if (!tally) return;
    this.#tallies.delete(actor);
    clearTimeout(tally.timer);
    const types = [...tally.types]
      .sort((a, b) => b[1] - a[1])
      .map(([type, count]) => `${type}×${count}`)
      .join(', ');
    try {
      await this.#audit.append(
        {
          time: tally.firstAt,
          actor,
          type: refusedAuditType,
          summary: {
            refused: tally.refused,
            dropped: tally.dropped,
            reason: 'too many requests',
            types,
            spanMs: tally.lastAt - tally.firstAt,
          },
          outcome: 'Unavailable',
          durationMs: 0,
        },
        { privileged: false },
      );
    } catch (error) {
      this.#logger.error({ err: error, actor }, 'audit of refused requests failed');
    }
  }
}
