import type { AppEvent } from '../../../shared/contract';
import { ptyFlow } from '../../../shared/limits';
import { api } from '../api';

type PtyEvent = Extract<AppEvent, { type: 'PtyData' | 'PtyExit' | 'PtyDetached' }>;
type Listener = (event: PtyEvent) => void;

/**
 * Output can reach the window before the PtySpawn reply that names its session; it waits
 * here until a pane claims it. Flow control stops a session once a window of characters is
 * unacknowledged (plus one batch in flight), so this bound, twice that, only guards against
 * a session nobody ever claims.
 */
const maxEarlyChars = ptyFlow.windowChars * 2;

const listeners = new Map<string, Listener>();
const early = new Map<string, { events: PtyEvent[]; chars: number }>();
let unsubscribe: (() => void) | undefined;

function isPtyEvent(event: AppEvent): event is PtyEvent {
  return event.type === 'PtyData' || event.type === 'PtyExit' || event.type === 'PtyDetached';
}

function route(event: AppEvent): void {
  if (!isPtyEvent(event)) return;
  const listener = listeners.get(event.data.sessionId);
  if (listener) return listener(event);
  const queue = early.get(event.data.sessionId) ?? { events: [], chars: 0 };
  const chars = event.type === 'PtyData' ? event.data.data.length : 0;
  if (queue.chars + chars > maxEarlyChars) return;
  queue.events.push(event);
  queue.chars += chars;
  early.set(event.data.sessionId, queue);
}

/** Routes one session's events to `listener`, first delivering any that arrived before it; returns the unsubscribe. */
export function listenToSession(sessionId: string, listener: Listener): () => void {
  unsubscribe ??= api().on(route);
  listeners.set(sessionId, listener);
  const waiting = early.get(sessionId);
  early.delete(sessionId);
  for (const event of waiting?.events ?? []) listener(event);
  return () => {
    if (listeners.get(sessionId) === listener) listeners.delete(sessionId);
  };
}

/** Starts listening before the first spawn, so nothing is missed. */
export function ensureSessionEvents(): void {
  unsubscribe ??= api().on(route);
}

/** Forgets early output of sessions that will never be claimed (closed before their pane existed). */
export function dropEarly(sessionId: string): void {
  early.delete(sessionId);
}
