import type { AppEvent, MessageType } from '../../shared/contract';
import type { Sender } from '../../main/ports/sender';

/** A sender as a transport would build one, recording the events pushed to it. */
export function testSender(options: { actor?: string; capabilities?: ReadonlySet<MessageType> | 'all' } = {}) {
  const events: AppEvent[] = [];
  const closed = new AbortController();
  const sender: Sender = {
    actor: options.actor ?? 'test:1',
    capabilities: options.capabilities ?? 'all',
    emit: (event) => events.push(event),
    closed: closed.signal,
  };
  return { sender, events, close: () => closed.abort() };
}
