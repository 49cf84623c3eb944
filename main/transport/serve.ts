import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AppEvent } from '../../shared/contract';
import { errorEnvelope } from '../../shared/envelope';
import { limits } from '../../shared/limits';
import { clientFrameSchema } from '../../shared/frames';
import { wsPath } from '../../shared/wire';
import { retryAfterMs, type RequestDispatcher } from '../ipc/fair-dispatch';
import type { Sender } from '../ports/sender';
import { personCapability } from '../services/permissions/defaults';
import { encodePtyDataFrame } from './pty-frame';
import { serveStatic } from './static-files';

/** Serve clients are the person at a browser: the same built-in permissions as the desktop window. */
const serveCapability = personCapability('serve');

export interface ServeOptions {
  /** The core's fair dispatcher (or a bare router in tests). */
  readonly dispatcher: RequestDispatcher;
  readonly logger: Logger;
  /** Folder of the built renderer (index.html, assets/, bridge.js). */
  readonly rendererDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Given for tests; otherwise 256 random bits. */
  readonly token?: string;
  /** Given for tests; otherwise `defaultBackPressure`. */
  readonly backPressure?: Partial<BackPressure>;
}

/** When the server stops reading from a client that does not read its replies, and when it gives up on it. */
export interface BackPressure {
  /** Stop reading the client's frames once this much is waiting to be sent to it. */
  readonly highWaterBytes: number;
  /** Read again once it has drained below this. */
  readonly lowWaterBytes: number;
  /** A client that stays above the low mark this long after reading stopped is closed. */
  readonly stalledCloseMs: number;
}

export const defaultBackPressure: BackPressure = {
  // Above a PTY's credit window (main/services/pty/flow.ts) plus a page of replies, so a client that reads is never paused by its own terminal output.
  highWaterBytes: 4 * 1024 * 1024,
  lowWaterBytes: 1024 * 1024,
  // A page whose thread is stuck this long is hung; its requests are not worth holding memory for (the bridge reconnects).
  stalledCloseMs: 15_000,
};

export interface ServeServer {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const host = '127.0.0.1';
/** A frame wraps one message plus its id; frames this much over the message limit still get a typed reply rather than a close. */
const maxFrameBytes = limits.maxMessageBytes * 4;
/** Pushed events wait while a client's socket has this much unsent; beyond it the client is too slow and is dropped. */
const maxBufferedBytes = 64 * 1024 * 1024;
/** Listeners on one client's "gone" signal: its requests in flight (64) and what services hold for it (sessions, watches, searches). */
const maxClosedListeners = 1024;
/** Longest a flooding client's frames are left unread at a time; its own replies still flow. */
const maxHoldMs = 2_000;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison; hashing first makes the lengths equal. */
function tokenMatches(expected: string, given: string | null): boolean {
  return given !== null && timingSafeEqual(digest(expected), digest(given));
}

function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    // xterm.js's <style> elements; see contentSecurityPolicy in main/electron/security.ts for why this is safe here.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Serve mode: the built renderer over HTTP and the router over a WebSocket, both on
 * loopback only, guarded by a random token, the Origin header and the Host header.
 */
export async function startServeServer(options: ServeOptions): Promise<ServeServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const backPressure = { ...defaultBackPressure, ...options.backPressure };
  const rendererDir = path.resolve(options.rendererDir);
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
  let origin = '';
  let clientCount = 0;

  const http = createServer((request, response) => {
    if (request.headers.host !== new URL(origin).host) {
      response.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request\n');
      return;
    }
    serveStatic(
      {
        root: rendererDir,
        headers: {
          'Content-Security-Policy': contentSecurityPolicy(origin),
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Resource-Policy': 'same-origin',
        },
        transformIndex: (html) => html.replace('<head>', '<head>\n    <script type="module" src="/bridge.js"></script>'),
      },
      request,
      response,
    ).catch((error: unknown) => {
      options.logger.error({ err: error }, 'static file failed');
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname !== wsPath || request.headers.host !== new URL(origin).host) return refuse(socket, 404, 'Not Found');
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse(socket, 401, 'Unauthorized');
    const requestOrigin = request.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(request, socket, head, (ws) => {
      clientCount += 1;
      attach(ws, `serve:${clientCount}`, socket);
    });
  });

  function attach(ws: WebSocket, actor: string, socket: Duplex): void {
    sockets.add(ws);
    const gone = new AbortController();
    // Each request in flight and each service that holds something for this client (sessions, watches) listens here.
    setMaxListeners(maxClosedListeners, gone.signal);
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    // Back-pressure: while replies and events wait unsent, or for a while after the client
    // overran its queue, stop reading its requests.
    let backedUp = false;
    let stallTimer: NodeJS.Timeout | undefined;
    let holdTimer: NodeJS.Timeout | undefined;
    const readIfClear = () => {
      if (!backedUp && holdTimer === undefined && ws.isPaused && ws.readyState === ws.OPEN) ws.resume();
    };
    const onSent = () => {
      if (!backedUp || ws.bufferedAmount > backPressure.lowWaterBytes) return;
      backedUp = false;
      clearTimeout(stallTimer);
      readIfClear();
    };
    let holdMs = 0;
    let heldUntil = 0;
    const holdReading = (retryAfter: number) => {
      if (holdTimer !== undefined) return;
      // A client that overruns again right after a hold is flooding: each hold doubles, up to a cap.
      holdMs = performance.now() - heldUntil < maxHoldMs ? Math.min(maxHoldMs, holdMs * 2) : retryAfter;
      heldUntil = performance.now() + holdMs;
      ws.pause();
      holdTimer = setTimeout(() => {
        holdTimer = undefined;
        readIfClear();
      }, holdMs);
    };
    /** A JSON frame (replies, events) or a binary one (PTY output, main/transport/pty-frame.ts). */
    const sendFrame = (frame: unknown) => send(JSON.stringify(frame));
    const send = (payload: string | Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBufferedBytes) {
        options.logger.warn({ actor }, 'client too slow; closing');
        ws.close(1013, 'client too slow');
        return;
      }
      // Frames sent in one tick (a burst of replies, an event with them) leave in one write, not one system call each.
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      ws.send(payload, { binary: typeof payload !== 'string' }, onSent);
      if (!backedUp && ws.bufferedAmount > backPressure.highWaterBytes) {
        backedUp = true;
        ws.pause();
        stallTimer = setTimeout(() => {
          options.logger.warn({ actor, buffered: ws.bufferedAmount }, 'client stopped reading its replies; closing');
          ws.terminate();
        }, backPressure.stalledCloseMs);
      }
    };
    const sender: Sender = {
      actor,
      capability: serveCapability,
      emit: (event: AppEvent) => (event.type === 'PtyData' ? send(encodePtyDataFrame(event.data)) : sendFrame({ event })),
      closed: gone.signal,
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const text = isBinary ? undefined : bytes.toString('utf8');
      let parsed: unknown;
      try {
        if (text === undefined) throw new Error('binary frame');
        parsed = JSON.parse(text);
      } catch {
        sendFrame({
          id: null,
          reply: errorEnvelope({ code: 'ValidationFailed', message: 'A frame must be JSON text: {"id": n, "message": …}.' }),
        });
        return;
      }
      const frame = clientFrameSchema.safeParse(parsed);
      if (!frame.success) {
        sendFrame({
          id: null,
          reply: errorEnvelope({
            code: 'ValidationFailed',
            message: 'A frame needs a numeric id and a message.',
            details: frame.error.issues,
          }),
        });
        return;
      }
      const { id, message } = frame.data;
      // The frame's size stands for the message's: the id adds a few bytes at most. Past the
      // sender's bounded queue the dispatcher answers Unavailable at once.
      void options.dispatcher.dispatch(message, sender, { byteLength: bytes.length }).then((reply) => {
        sendFrame({ id, reply });
        const retryAfter = retryAfterMs(reply);
        if (retryAfter !== undefined) holdReading(retryAfter);
      });
    });
    ws.on('close', () => {
      clearTimeout(stallTimer);
      clearTimeout(holdTimer);
      sockets.delete(ws);
      gone.abort();
    });
    ws.on('error', (error) => options.logger.warn({ err: error, actor }, 'websocket error'));
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  origin = `http://${host}:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
