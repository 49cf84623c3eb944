/** Shared by the wire benches: a bare `ws` echo server in its own process, and a PTY stream over serve mode. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import WebSocket from 'ws';
import type { ServeProcess } from '../support/serve-process';
import { decodePtyDataFrame } from '../../shared/wire';
import { producerScript } from './pty-throughput';

const decoder = new TextDecoder();

/** A bare `ws` echo server as its own Node process, as serve mode is: the floor for a round trip. */
export async function startEchoServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = `
    import { WebSocketServer } from 'ws';
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
    server.on('listening', () => process.stdout.write('PORT=' + server.address().port + '\\n'));
  `;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: import.meta.dirname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /PORT=(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  return {
    url: `ws://127.0.0.1:${port}/`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export interface WireRun {
  readonly chars: number;
  readonly seconds: number;
  /** PtyData events received. */
  readonly events: number;
}

/**
 * The PTY producer through serve mode to a Node WebSocket client that acknowledges as the
 * renderer does (per batch of `ackChars`), timed from the write of the command to PtyExit.
 */
export async function wireThroughput(serve: ServeProcess, bytes: number, ackChars: number): Promise<WireRun> {
  const socket = new WebSocket(serve.wsUrl);
  await once(socket, 'open');
  let nextId = 1;
  const replies = new Map<number, (reply: unknown) => void>();
  const request = (message: unknown) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      socket.send(JSON.stringify({ id, message }));
    });
  let sessionId = '';
  let chars = 0;
  let events = 0;
  let unacked = 0;
  let resolveExit: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (resolveExit = resolve));
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    // PTY output comes as binary frames (shared/wire.ts), decoded to text as the browser bridge does.
    const output = isBinary ? decodePtyDataFrame(data, decoder) : undefined;
    if (isBinary && !output) throw new Error('unknown binary frame');
    const frame: {
      id?: number;
      reply?: unknown;
      event?: { type: string; data: { sessionId: string; data?: string } };
    } = output ? { event: { type: 'PtyData', data: output } } : (JSON.parse(data.toString('utf8')) as object);
    if (frame.event?.type === 'PtyData' && frame.event.data.sessionId === sessionId) {
      const length = frame.event.data.data?.length ?? 0;
      chars += length;
      events += 1;
      unacked += length;
      if (unacked >= ackChars) {
        void request({ type: 'PtyAck', data: { sessionId, bytes: unacked } });
        unacked = 0;
      }
    } else if (frame.event?.type === 'PtyExit' && frame.event.data.sessionId === sessionId) {
      resolveExit();
    } else if (typeof frame.id === 'number') {
      replies.get(frame.id)?.(frame.reply);
      replies.delete(frame.id);
    }
  });
  try {
    const spawned = (await request({ type: 'PtySpawn', data: { cols: 120, rows: 40, shell: '/bin/sh' } })) as {
      ok: boolean;
      value: { sessionId: string };
    };
    if (!spawned.ok) throw new Error('PtySpawn failed');
    sessionId = spawned.value.sessionId;
    // Let the prompt arrive, then start the clock at the command.
    await new Promise((resolve) => setTimeout(resolve, 100));
    chars = 0;
    const started = performance.now();
    await request({ type: 'PtyWrite', data: { sessionId, data: `${producerScript(bytes)}; exit\n` } });
    await exited;
    return { chars, events, seconds: (performance.now() - started) / 1000 };
  } finally {
    socket.close();
  }
}
