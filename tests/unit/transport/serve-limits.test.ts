import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FairDispatcher, refusedAuditType } from '../../../main/ipc/fair-dispatch';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { startServeServer, type BackPressure, type ServeServer } from '../../../main/transport/serve';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';
import { WsClient } from '../../support/ws-client';

const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } } as const;
/** A reply large enough that a client who does not read backs the server up quickly. */
const bigReplyChars = 32 * 1024;

describe('serve transport limits (in-process server, real WebSocket)', () => {
  let server: ServeServer | undefined;
  let renderer: Awaited<ReturnType<typeof tempDir>> | undefined;
  let dispatcher: FairDispatcher | undefined;

  afterEach(async () => {
    await server?.close();
    await dispatcher?.dispose();
    await renderer?.remove();
    server = undefined;
    dispatcher = undefined;
  });

  async function start(router: Router, audit: MemoryAuditSink, backPressure?: Partial<BackPressure>) {
    renderer = await tempDir();
    const { logger } = capturingLogger();
    dispatcher = new FairDispatcher({ router, audit, logger, limits: { refusalWindowMs: 50 } });
    server = await startServeServer({ dispatcher, logger, rendererDir: renderer.path, port: 0, backPressure });
    return `ws://127.0.0.1:${server.port}/ipc?token=${server.token}`;
  }

  it('answers requests past the sender’s in-flight and queue caps with Unavailable, audited as one entry', async () => {
    const audit = new MemoryAuditSink();
    const router = new Router({ audit, logger: capturingLogger().logger });
    let started = 0;
    let aborted = 0;
    router.register('HealthReport', {
      run: (_data, { signal }) => {
        started += 1;
        return new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted += 1;
            reject(new Error('aborted'));
          }),
        );
      },
    });
    const client = await WsClient.connect(await start(router, audit));
    const limits = dispatcher?.limits ?? { maxInFlightPerSender: 0, maxQueuedPerSender: 0 };
    const total = 1030;
    const overflow = total - limits.maxInFlightPerSender - limits.maxQueuedPerSender;
    for (let index = 0; index < total; index += 1) void client.request({ type: 'HealthReport', data: {} });
    const refused = await client.waitFor(() => {
      const found = client.frames.filter((frame) => frame.reply && !frame.reply.ok && frame.reply.error.code === 'Unavailable');
      return found.length >= overflow ? found : undefined;
    });
    expect(refused).toHaveLength(overflow);
    expect(started).toBe(limits.maxInFlightPerSender);
    await expect.poll(() => audit.records.filter((record) => record.type === refusedAuditType)).toHaveLength(1);
    await client.close();
    // Closing the client aborts what it started and drops what it had queued: nothing is left running.
    await expect.poll(() => aborted).toBe(limits.maxInFlightPerSender);
    expect(started).toBe(limits.maxInFlightPerSender);
    expect(dispatcher?.queuedRequests).toBe(0);
  });

  /** A router whose VoiceCommand answers with a big reply, counting how many requests the server read. */
  function bigReplies() {
    const audit = new MemoryAuditSink();
    const router = new Router({ audit, logger: capturingLogger().logger });
    const counter = { ran: 0 };
    router.register('VoiceCommand', {
      run: () => {
        counter.ran += 1;
        return { intent: 'help', understood: true, say: 'x'.repeat(bigReplyChars), plan: { id: 'p', steps: [] }, results: [] };
      },
    });
    return { audit, router, counter };
  }

  /** Sends `count` requests a few at a time, as a client that writes but never reads would. */
  async function sendSlowly(socket: WebSocket, count: number): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      socket.send(JSON.stringify({ id: index, message: help }));
      if (index % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  it('stops reading from a client that does not read its replies, and closes it when it never does', async () => {
    const { audit, router, counter } = bigReplies();
    const url = await start(router, audit, { highWaterBytes: 256 * 1024, lowWaterBytes: 64 * 1024, stalledCloseMs: 1_500 });
    const socket = new WebSocket(url);
    await once(socket, 'open');
    socket.pause();
    const closed = once(socket, 'close');
    // 3,000 replies of 32 KB are ~100 MB: far more than loopback's socket buffers hold.
    await sendSlowly(socket, 3_000);
    await expect.poll(() => counter.ran, { timeout: 10_000 }).toBeGreaterThan(0);
    // Reading stopped: the count settles well short of what was sent.
    let settled = -1;
    await expect
      .poll(
        async () => {
          const before = counter.ran;
          await new Promise((resolve) => setTimeout(resolve, 200));
          settled = counter.ran;
          return before === settled;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(settled).toBeLessThan(3_000);
    // It never drains, so the server closes it; the client sees that once it reads again.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    socket.resume();
    const [code] = (await closed) as [number];
    expect(code).toBe(1006);
  }, 30_000);

  it('resumes reading once a paused client drains, and answers everything it sent', async () => {
    const { audit, router, counter } = bigReplies();
    const url = await start(router, audit, { highWaterBytes: 256 * 1024, lowWaterBytes: 64 * 1024, stalledCloseMs: 30_000 });
    const socket = new WebSocket(url);
    await once(socket, 'open');
    const replies = new Map<number, string>();
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { id: number; reply: { ok: boolean; error?: { code: string } } };
      replies.set(frame.id, frame.reply.ok ? 'ok' : (frame.reply.error?.code ?? '?'));
    });
    socket.pause();
    const sent = 600;
    await sendSlowly(socket, sent);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whilePaused = counter.ran;
    socket.resume();
    await expect.poll(() => replies.size, { timeout: 20_000 }).toBe(sent);
    expect(counter.ran).toBeGreaterThan(whilePaused);
    // Every request was answered: run, or refused at once as too many; none lost, and the socket stays open.
    expect([...replies.values()].every((code) => code === 'ok' || code === 'Unavailable')).toBe(true);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  }, 30_000);
});
