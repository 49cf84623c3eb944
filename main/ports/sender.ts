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
