/**
 * Serve mode's stand-in for the preload: gives the page the same `window.localbrain`
 * API over the WebSocket, so the renderer cannot tell the two transports apart.
 */
import type { LocalBrainApi } from '../../shared/api';
import type { AppEvent, MessageType, Reply, Request } from '../../shared/contract';
import type { Envelope } from '../../shared/envelope';
import { decodePtyDataFrame, wsPath } from '../../shared/wire';
import { connectionStateEvent, type ConnectionState } from './connection';

/** How long to wait before reconnecting, doubling up to a cap so a stopped server is not hammered. */
const firstRetryMs = 250;
const maxRetryMs = 5_000;

const tokenKey = 'localbrain.token';

function readToken(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl !== null) {
    sessionStorage.setItem(tokenKey, fromUrl);
    // Keep the token out of the address bar and the history once it is stored for this tab.
    history.replaceState(null, '', location.pathname);
    return fromUrl;
  }
  return sessionStorage.getItem(tokenKey) ?? '';
}

function unavailable(message: string): Envelope<never> {
  return { ok: false, error: { code: 'Unavailable', message } };
}

function createBridge(): LocalBrainApi {
  const token = readToken();
  const url = `${location.origin.replace(/^http/, 'ws')}${wsPath}?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, (reply: Envelope<unknown>) => void>();
  const listeners = new Set<(event: AppEvent) => void>();
  const queue: string[] = [];
  const decoder = new TextDecoder();
  let nextId = 1;
  let retryMs = firstRetryMs;
  let socket: WebSocket;

  const announce = (state: ConnectionState) => window.dispatchEvent(new CustomEvent(connectionStateEvent, { detail: state }));

  function connect(): void {
    announce('connecting');
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      retryMs = firstRetryMs;
      announce('connected');
      for (const frame of queue.splice(0)) socket.send(frame);
    });
    socket.addEventListener('message', (message: MessageEvent<string | ArrayBuffer>) => {
      if (typeof message.data !== 'string') {
        // PTY output comes as a binary frame (shared/wire.ts); nothing else does.
        const data = decodePtyDataFrame(new Uint8Array(message.data), decoder);
        if (!data) return;
        const event: AppEvent = { type: 'PtyData', data };
        for (const listener of listeners) listener(event);
        return;
      }
      const frame = JSON.parse(message.data) as { id?: number | null; reply?: Envelope<unknown>; event?: AppEvent };
      if (frame.event) {
        for (const listener of listeners) listener(frame.event);
      } else if (typeof frame.id === 'number' && frame.reply) {
        pending.get(frame.id)?.(frame.reply);
        pending.delete(frame.id);
      }
    });
    socket.addEventListener('close', () => {
      announce('disconnected');
      for (const resolve of pending.values()) resolve(unavailable('The connection to LocalBrain was lost.'));
      pending.clear();
      // Frames not yet sent were answered above as lost; they must not run later behind the person's back.
      queue.length = 0;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, maxRetryMs);
    });
  }
  connect();

  return {
    invoke<T extends MessageType>(message: Request<T>): Promise<Reply<T>> {
      const id = nextId++;
      const frame = JSON.stringify({ id, message });
      return new Promise<Reply<T>>((resolve) => {
        pending.set(id, resolve as (reply: Envelope<unknown>) => void);
        if (socket.readyState === WebSocket.OPEN) socket.send(frame);
        else queue.push(frame);
      });
    },
    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

Object.defineProperty(window, 'localbrain', { value: Object.freeze(createBridge()), writable: false, configurable: false });
