import { randomBytes } from 'node:crypto';
import type { ConfirmationDetails } from '../../../shared/contract/confirm';
import { LocalBrainError } from '../../../shared/errors';

/** How long a confirmation stays valid: long enough to read a prompt and decide, short enough that a stale one is not lying around. */
const defaultTtlMs = 2 * 60_000;
/** Outstanding tokens per sender; older ones are dropped first, so a looping client cannot grow this without bound. */
const maxPendingPerActor = 32;

/**
 * The person's "allow once" for exactly one held message of one actor, made by the service
 * that asked once its token is redeemed: what was shown is what may pass, not another
 * message of its type or another command of its program. That service keeps the approvals
 * it made and spends each on first use, so a forged or reused one passes nothing.
 */
export class ExactApproval<M> {
  /** The held message as JSON, compared whole. */
  readonly #message: string;

  constructor(
    readonly actor: string,
    message: M,
  ) {
    this.#message = JSON.stringify(message);
  }

  /** True for the very message this approval was made for. */
  covers(message: M): boolean {
    return JSON.stringify(message) === this.#message;
  }
}

interface Pending<T> {
  readonly actor: string;
  readonly action: T;
  readonly expiresAt: number;
}

/**
 * One-time approvals: a token for an action that needs the person's consent, bound to
 * the sender it was issued to, usable once, until it expires. The action itself is kept
 * here, so redeeming runs exactly what was shown and nothing the client sends later.
 */
export class ConfirmationStore<T> {
  readonly #pending = new Map<string, Pending<T>>();

  constructor(
    private readonly ttlMs = defaultTtlMs,
    private readonly now: () => number = Date.now,
  ) {}

  issue(actor: string, action: T, shown: { action: string; reason: string; rule?: string }): ConfirmationDetails {
    this.#prune();
    const mine = [...this.#pending.entries()].filter(([, entry]) => entry.actor === actor);
    for (const [token] of mine.slice(0, Math.max(0, mine.length - maxPendingPerActor + 1))) this.#pending.delete(token);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    this.#pending.set(token, { actor, action, expiresAt });
    return {
      token,
      action: shown.action,
      reason: shown.reason,
      ...(shown.rule === undefined ? {} : { rule: shown.rule }),
      expiresAt,
    };
  }

  /** Returns the approved action and forgets the token; throws PermissionDenied for an unknown, used, expired or foreign one. */
  redeem(actor: string, token: string): T {
    const entry = this.#pending.get(token);
    if (!entry) throw new LocalBrainError('PermissionDenied', 'That confirmation is not valid or was already used.');
    if (entry.expiresAt <= this.now()) {
      this.#pending.delete(token);
      throw new LocalBrainError('PermissionDenied', 'That confirmation has expired; run the command again.');
    }
    // A token shown to one window is no use to another; it stays valid for its owner.
    if (entry.actor !== actor) throw new LocalBrainError('PermissionDenied', 'That confirmation was issued to another window.');
    this.#pending.delete(token);
    return entry.action;
  }

  /** Forgets a token its owner chose not to use (Cancel); false when it was not theirs or not pending. */
  drop(actor: string, token: string): boolean {
    const entry = this.#pending.get(token);
    if (entry?.actor !== actor) return false;
    return this.#pending.delete(token);
  }

  /** The action behind a live token, without using it (for the audit summary). */
  peek(token: string): T | undefined {
    const entry = this.#pending.get(token);
    return entry && entry.expiresAt > this.now() ? entry.action : undefined;
  }

  /** The action behind a live token of `actor`, without using it; undefined for anyone else's, used or expired. */
  peekFor(actor: string, token: string): T | undefined {
    const entry = this.#pending.get(token);
    return entry?.actor === actor && entry.expiresAt > this.now() ? entry.action : undefined;
  }

  /** True for a token this store issued and still remembers, expired or not (so its refusal can say it expired). */
  holds(token: string): boolean {
    return this.#pending.has(token);
  }

  get size(): number {
    return this.#pending.size;
  }

  #prune(): void {
    const now = this.now();
    for (const [token, entry] of this.#pending) if (entry.expiresAt <= now) this.#pending.delete(token);
  }
}
