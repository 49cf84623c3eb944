import type { AppEvent } from '../../shared/contract';
import type { Capability } from '../../shared/contract/permissions';
import { onAbort } from './abort-fanout';

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

/** Keeps each derived signal's controller alive exactly as long as the signal itself (an ephemeron). */
const controllerKeptBySignal = new WeakMap<AbortSignal, AbortController>();
/** Once a derived signal is collected nobody can see it abort: its sources stop calling for it. */
const unlinkWhenCollected = new FinalizationRegistry<() => void>((unlink) => unlink());

/**
 * Aborts `target` when `source` aborts, without `source` keeping `target` alive. Not
 * `AbortSignal.any`: Node keeps a combined signal that has listeners alive until it aborts, so
 * every voice plan's sender (never aborted, listened to by each request it made) lived as long
 * as its window, about 16 KB a command in the soak.
 */
function follow(source: AbortSignal, target: AbortController): void {
  if (source.aborted) {
    target.abort(source.reason);
    return;
  }
  const weak = new WeakRef(target);
  const unlink = onAbort(source, () => weak.deref()?.abort(source.reason));
  unlinkWhenCollected.register(target.signal, unlink);
}

/**
 * A sender acting for another one: its own actor in the audit log, the parent's
 * capability, events delivered to the parent, and closed when the parent closes or
 * `signal` aborts. Every sender derived from another (the voice planner for the window
 * that spoke) is made here, so how capabilities pass on is decided in one place. Whoever
 * still holds it (a terminal a plan opened) sees it close with its parent, however long
 * after the plan; once nobody does, the parent forgets it.
 */
export function deriveSender(parent: Sender, options: DerivedSenderOptions): Sender {
  let closed = parent.closed;
  if (options.signal) {
    const controller = new AbortController();
    controllerKeptBySignal.set(controller.signal, controller);
    follow(parent.closed, controller);
    follow(options.signal, controller);
    closed = controller.signal;
  }
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
