import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { startServeServer, type ServeServer } from '../../../main/transport/serve';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';
import { WsClient } from '../../support/ws-client';

describe('serve transport limits (in-process server, real WebSocket)', () => {
  let server: ServeServer | undefined;
  let renderer: Awaited<ReturnType<typeof tempDir>> | undefined;

  afterEach(async () => {
    await server?.close();
    await renderer?.remove();
  });

  it('answers requests past the in-flight cap with Unavailable instead of queueing without bound', async () => {
    renderer = await tempDir();
    const router = new Router({ audit: new MemoryAuditSink(), logger: capturingLogger().logger });
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
    server = await startServeServer({ router, logger: capturingLogger().logger, rendererDir: renderer.path, port: 0 });
    const client = await WsClient.connect(`ws://127.0.0.1:${server.port}/ipc?token=${server.token}`);
    for (let index = 0; index < 1030; index += 1) void client.request({ type: 'HealthReport', data: {} });
    const refused = await client.waitFor(() => {
      const found = client.frames.filter((frame) => frame.reply && !frame.reply.ok && frame.reply.error.code === 'Unavailable');
      return found.length >= 6 ? found : undefined;
    });
    expect(refused).toHaveLength(6);
    expect(started).toBe(1024);
    await client.close();
    // Closing the client aborts its 1024 waiting handlers: nothing it started is left running.
    await expect.poll(() => aborted).toBe(1024);
  });
});
