import { describe, expect, it } from 'vitest';
import { FairDispatcher, refusedAuditType, type FairnessLimits } from '../../../main/ipc/fair-dispatch';
import { Router } from '../../../main/ipc/router';
import { MemoryAuditSink } from '../../../main/ports/audit';
import type { Envelope } from '../../../shared/envelope';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';

const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } } as const;
const voiceReply = { intent: 'help', understood: true, say: 'hi', plan: { id: 'p', steps: [] }, results: [] };

/** A real router whose VoiceCommand handler waits until the test releases it, recording who started when. */
function setup(limits: Partial<FairnessLimits> = {}) {
  const audit = new MemoryAuditSink();
  const { logger } = capturingLogger();
  const router = new Router({ audit, logger });
  const started: string[] = [];
  const waiting: (() => void)[] = [];
  let hold = true;
  router.register('VoiceCommand', {
    run: (_data, { sender }) => {
      started.push(sender.actor);
      if (!hold) return voiceReply;
      return new Promise((resolve) => waiting.push(() => resolve(voiceReply)));
    },
  });
  const dispatcher = new FairDispatcher({ router, audit, logger, limits });
  return {
    dispatcher,
    audit,
    started,
    release: () => {
      hold = false;
      for (const wake of waiting.splice(0)) wake();
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

function code(reply: Envelope<unknown>): string {
  return reply.ok ? 'ok' : reply.error.code;
}

describe('FairDispatcher', () => {
  it('runs up to the in-flight cap, queues up to the queue cap and answers the rest Unavailable at once', async () => {
    const { dispatcher, started, release } = setup({ maxInFlightPerSender: 4, maxQueuedPerSender: 6 });
    const { sender } = testSender({ actor: 'serve:1' });
    const settled: string[] = [];
    const replies = Array.from({ length: 15 }, () =>
      dispatcher.dispatch(help, sender).then((reply) => {
        settled.push(code(reply));
        return reply;
      }),
    );
    await turn();
    await turn();
    expect(started).toHaveLength(4);
    expect(dispatcher.queuedRequests).toBe(6);
    // The five past the queue were answered without waiting for anything.
    expect(settled).toEqual(['Unavailable', 'Unavailable', 'Unavailable', 'Unavailable', 'Unavailable']);
    const refused = await replies[14];
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'Unavailable', message: expect.stringMatching(/too many requests/i) as unknown },
    });
    release();
    const all = await Promise.all(replies);
    expect(all.map(code)).toEqual([...Array<string>(10).fill('ok'), ...Array<string>(5).fill('Unavailable')]);
    expect(started).toHaveLength(10);
    expect(dispatcher.queuedRequests).toBe(0);
  });

  it('starts queued requests round-robin across senders, a bounded number per turn', async () => {
    const { dispatcher, started, release } = setup({ maxInFlightPerSender: 1, maxQueuedPerSender: 100, startsPerTurn: 3 });
    const flood = testSender({ actor: 'flood' });
    const quiet = testSender({ actor: 'quiet' });
    const replies: Promise<Envelope<unknown>>[] = [];
    for (let index = 0; index < 60; index += 1) replies.push(dispatcher.dispatch(help, flood.sender));
    for (let index = 0; index < 5; index += 1) replies.push(dispatcher.dispatch(help, quiet.sender));
    await turn();
    expect(started).toEqual(['flood', 'quiet']);
    release();
    await Promise.all(replies);
    // The quiet sender's five ran among the first ten, alternating with the flood, not after its 60.
    expect(started.slice(0, 10)).toEqual([
      'flood',
      'quiet',
      'flood',
      'quiet',
      'flood',
      'quiet',
      'flood',
      'quiet',
      'flood',
      'quiet',
    ]);
    expect(started.filter((actor) => actor === 'flood')).toHaveLength(60);
  });

  it('never starts more than startsPerTurn queued requests in one turn', async () => {
    const { dispatcher, started, release } = setup({ maxInFlightPerSender: 100, maxQueuedPerSender: 100, startsPerTurn: 5 });
    const { sender } = testSender({ actor: 'a' });
    // Fill the in-flight slots, then queue 40 more behind them.
    const first = Array.from({ length: 100 }, () => dispatcher.dispatch(help, sender));
    const queued = Array.from({ length: 40 }, () => dispatcher.dispatch(help, sender));
    await turn();
    expect(started).toHaveLength(100);
    release();
    await Promise.all(first);
    const perTurn: number[] = [];
    let before = started.length;
    while (started.length < 140) {
      await turn();
      perTurn.push(started.length - before);
      before = started.length;
    }
    await Promise.all(queued);
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(5);
  });

  it('audits a flood of refusals as one entry per sender per window, with counts by type, never one per request', async () => {
    const { dispatcher, audit, release } = setup({ maxInFlightPerSender: 1, maxQueuedPerSender: 1, refusalWindowMs: 50 });
    const { sender } = testSender({ actor: 'serve:7' });
    const replies: Promise<Envelope<unknown>>[] = [];
    for (let index = 0; index < 1000; index += 1) replies.push(dispatcher.dispatch(help, sender));
    // Twelve distinct unknown tags: eight are named, the rest counted as "(other)"; a huge tag is cut.
    for (let index = 0; index < 12; index += 1)
      replies.push(dispatcher.dispatch({ type: `Bogus${index}${'x'.repeat(100)}` }, sender));
    replies.push(dispatcher.dispatch(42, sender));
    await expect.poll(() => audit.records.filter((record) => record.type === refusedAuditType)).toHaveLength(1);
    const entry = audit.records.find((record) => record.type === refusedAuditType);
    expect(entry).toMatchObject({ actor: 'serve:7', outcome: 'Unavailable', summary: { refused: 1011, dropped: 0 } });
    const types = String(entry?.summary.types);
    expect(types.startsWith('VoiceCommand×998')).toBe(true);
    expect(types).toContain('(other)×');
    expect(types.split(', ')).toHaveLength(9);
    expect(types.length).toBeLessThan(9 * 80);
    release();
    await Promise.all(replies);
    // The two that ran are audited by the router as usual, one entry each.
    expect(audit.records.filter((record) => record.type === 'VoiceCommand')).toHaveLength(2);
    await dispatcher.dispose();
  });

  it('drops the queue of a sender that goes away, answering and auditing it, and keeps serving others', async () => {
    const { dispatcher, audit, started, release } = setup({ maxInFlightPerSender: 2, maxQueuedPerSender: 50 });
    const leaving = testSender({ actor: 'leaving' });
    const staying = testSender({ actor: 'staying' });
    const gone = Array.from({ length: 12 }, () => dispatcher.dispatch(help, leaving.sender));
    leaving.close();
    const dropped = await Promise.all(gone.slice(2));
    expect(dropped.map(code)).toEqual(Array<string>(10).fill('Unavailable'));
    release();
    await expect(dispatcher.dispatch(help, staying.sender)).resolves.toMatchObject({ ok: true });
    expect(started.filter((actor) => actor === 'leaving')).toHaveLength(2);
    await dispatcher.dispose();
    expect(audit.records.find((record) => record.type === refusedAuditType)).toMatchObject({
      actor: 'leaving',
      summary: { refused: 0, dropped: 10 },
    });
  });

  it('on dispose, writes the pending refusal entry at once and still answers what was queued', async () => {
    const { dispatcher, audit, release } = setup({ maxInFlightPerSender: 1, maxQueuedPerSender: 2, refusalWindowMs: 60_000 });
    const { sender } = testSender({ actor: 'a' });
    const replies = Array.from({ length: 5 }, () => dispatcher.dispatch(help, sender));
    await dispatcher.dispose();
    expect(audit.records.filter((record) => record.type === refusedAuditType)).toHaveLength(1);
    release();
    expect((await Promise.all(replies)).map(code)).toEqual(['ok', 'ok', 'ok', 'Unavailable', 'Unavailable']);
  });
});
