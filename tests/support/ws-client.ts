import WebSocket from 'ws';
import type { AppEvent, MessageType, Reply, Request } from '../../shared/contract';
import type { Envelope } from '../../shared/envelope';
import { decodePtyDataFrame } from '../../shared/wire';

export interface ServerFrame {
  readonly id?: number | null;
  readonly reply?: Envelope<unknown>;
  readonly event?: AppEvent;
}

const decoder = new TextDecoder();

/** PTY output arrives as a binary frame (shared/wire.ts); it reads as the `{ event }` the bridge hands the page. */
function binaryFrame(data: Buffer): ServerFrame {
  const payload = decodePtyDataFrame(data, decoder);
  if (!payload) throw new Error('unknown binary frame');
  return { event: { type: 'PtyData', data: payload } };
}

/** A real WebSocket client speaking serve mode's frames, as the browser bridge does. */
export class WsClient {
  readonly frames: ServerFrame[] = [];
  readonly events: AppEvent[] = [];
  readonly #pending = new Map<number, (reply: Envelope<unknown>) => void>();
  readonly #waiters = new Set<() => void>();
  #nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? binaryFrame(data) : (JSON.parse(data.toString('utf8')) as ServerFrame);
      this.frames.push(frame);
      if (frame.event) this.events.push(frame.event);
      if (typeof frame.id === 'number' && frame.reply) {
        this.#pending.get(frame.id)?.(frame.reply);
        this.#pending.delete(frame.id);
      }
      for (const wake of this.#waiters) wake();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    return new WsClient(socket);
  }

  request<T extends MessageType>(message: Request<T>): Promise<Reply<T>>;
  request(message: unknown): Promise<Envelope<unknown>>;
  request(message: unknown): Promise<Envelope<unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, message }));
    });
  }

  sendRaw(text: string | Buffer): void {
    this.socket.send(text);
  }

  /** Waits until a frame satisfying the predicate has arrived. */
  async waitFor<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const found = find();
    if (found !== undefined) return found;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        const value = find();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(value);
      };
      this.#waiters.add(check);
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.close();
    await closed;
  }
}

/** Tries to open a WebSocket and reports the HTTP status it was refused with, or 101 when it opened. */
export async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const socket = new WebSocket(url, { headers });
  return new Promise<number>((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', () => resolve(0));
  });
}
