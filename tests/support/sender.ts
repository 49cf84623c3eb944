import type { AppEvent } from '../../shared/contract';
import type { Capability } from '../../shared/contract/permissions';
import type { Sender } from '../../main/ports/sender';
import { personCapability } from '../../main/services/permissions/defaults';

/** A sender as a transport would build one, recording the events pushed to it; by default the main window's capability. */
export function testSender(options: { actor?: string; capability?: Capability } = {}) {
  const events: AppEvent[] = [];
  const closed = new AbortController();
  const sender: Sender = {
    actor: options.actor ?? 'test:1',
    capability: options.capability ?? personCapability('window'),
    emit: (event) => events.push(event),
    closed: closed.signal,
  };
  return { sender, events, close: () => closed.abort() };
}
