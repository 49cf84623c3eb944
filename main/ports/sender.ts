import type { AppEvent, MessageType } from '../../shared/contract';

/** Who sent a message: a window in Electron, a WebSocket client in serve mode. */
export interface Sender {
  /** Stable id written to the audit log, such as `window:1` or `serve:3`. */
  readonly actor: string;
  /** The message types this sender may use. */
  readonly capabilities: ReadonlySet<MessageType> | 'all';
  /** Pushes an event to this sender only. */
  emit(event: AppEvent): void;
  /** Aborted when the window closes or the client disconnects; services release what the sender owned. */
  readonly closed: AbortSignal;
}

export function canSend(sender: Sender, type: MessageType): boolean {
  return sender.capabilities === 'all' || sender.capabilities.has(type);
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
 * capabilities, events delivered to the parent, and closed when the parent closes or
 * `signal` aborts. Every sender derived from another (the voice planner for the window
 * that spoke) is made here, so how capabilities pass on is decided in one place.
 */
export function deriveSender(parent: Sender, options: DerivedSenderOptions): Sender {
  const closed = options.signal ? AbortSignal.any([parent.closed, options.signal]) : parent.closed;
  const { intercept } = options;
  return {
    actor: options.actor,
    capabilities: parent.capabilities,
    emit: (event) => {
      if (intercept?.(event) === false) return;
      parent.emit(event);
    },
    closed,
  };
}
