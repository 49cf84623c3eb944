import type { AppEvent, MessageType, Reply, Request } from './contract';

/**
 * The only capability the renderer has: `window.localbrain`. The preload gives it in
 * Electron and the browser bridge gives it in serve mode, so the renderer cannot tell
 * the two apart.
 */
export interface LocalBrainApi {
  invoke<T extends MessageType>(message: Request<T>): Promise<Reply<T>>;
  /** Returns a function that removes the listener. */
  on(listener: (event: AppEvent) => void): () => void;
}

/** Electron IPC channel names: one for requests, one for pushed events. */
export const ipcChannels = {
  invoke: 'localbrain:invoke',
  event: 'localbrain:event',
} as const;
