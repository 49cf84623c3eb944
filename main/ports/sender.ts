import type { AppEvent } from '../../shared/contract';
import type { Capability } from '../../shared/contract/permissions';

/** Who sent a message: a window in Electron, a WebSocket client in serve mode, a plugin. */
export interface Sender {
  /** Stable id written to the audit log, such as `window:1`, `serve:3` or `plugin:word-count`. */
  readonly actor: string;
  /**
   * What this sender's kind may do: its subject (`window`, `serve`, `plugin:<id>`) and base
   * permissions. The permissions service adds the grants stored for the subject on every
   * message; a sender derived from this one (a voice plan) copies the value.
   */
  readonly capability: Capability;
  /** Pushes an event to this sender only. */
  emit(event: AppEvent): void;
  /** Aborted when the window closes or the client disconnects; services release what the sender owned. */
  readonly closed: AbortSignal;
}

export interface DerivedSenderOptions {
  /** The derived sender's own actor, e.g. `voice:window:1`. */
  readonly actor: string;
  /** Closes the derived sender (a cancelled plan) besides the parent closing. */
  readonly signal?: AbortSignal;
  /** Sees each event first; returning false keeps it from the parent (a plan collecting its search hits). */
  readonly intercept?: (event: AppEvent) => boolean;
}

/**
 * A sender acting for another one: its own actor in the audit log, the parent's
 * capability, events delivered to the parent, and closed when the parent closes or
 * `signal` aborts. Every sender derived from another (the voice planner for the window
 * that spoke) is made here, so how capabilities pass on is decided in one place.
 */
export function deriveSender(parent: Sender, options: DerivedSenderOptions): Sender {
  const closed = options.signal ? AbortSignal.any([parent.closed, options.signal]) : parent.closed;
  const { intercept } = options;
  return {
    actor: options.actor,
    capability: parent.capability,
    emit: (event) => {
      if (intercept?.(event) === false) return;
      parent.emit(event);
    },
    closed,
  };
}
