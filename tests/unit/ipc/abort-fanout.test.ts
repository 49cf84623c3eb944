import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { onAbort } from '../../../main/ports/abort-fanout';
import { Router } from '../../../main/ipc/router';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';

const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } } as const;
const voiceReply = { intent: 'help', understood: true, say: 'hi', plan: { id: 'p', steps: [] }, results: [] };

describe('onAbort', () => {
  it('calls each waiter once when the signal aborts, and not those that stopped waiting', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    onAbort(controller.signal, () => calls.push('first'));
    const stop = onAbort(controller.signal, () => calls.push('gone'));
    onAbort(controller.signal, () => calls.push('third'));
    stop();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['first', 'third']);
  });

  it('puts one listener on a signal however many wait on it', () => {
    const controller = new AbortController();
    const stops = Array.from({ length: 100 }, () => onAbort(controller.signal, () => undefined));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const stop of stops) stop();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
  });
});

describe('Router and a long-lived sender', () => {
  it('leaves nothing waiting on the sender after a thousand requests, and still ends a pending one when the sender goes away', async () => {
    const router = new Router({ audit: new MemoryAuditSink(), logger: capturingLogger().logger });
    let release: (() => void) | undefined;
    router.register('VoiceCommand', {
      run: async (data) => {
        if (data.text === 'wait') await new Promise<void>((resolve) => (release = resolve));
        return voiceReply;
      },
    });
    const client = testSender();
    for (let index = 0; index < 1_000; index++) expect(await router.dispatch(help, client.sender)).toMatchObject({ ok: true });
    expect(getEventListeners(client.sender.closed, 'abort').length).toBeLessThanOrEqual(1);

    const pending = router.dispatch({ ...help, data: { ...help.data, text: 'wait' } }, client.sender);
    client.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
    release?.();
  });
});
