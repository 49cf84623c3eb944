import { describe, expect, it } from 'vitest';
import { LocalBrainError } from '../../../shared/errors';
import { MemoryAuditSink, type AuditRecord, type AuditSink } from '../../../main/ports/audit';
import { Router, type Handler } from '../../../main/ipc/router';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';

const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } } as const;
const voiceReply = { intent: 'help', understood: true, say: 'hi', plan: { id: 'p', steps: [] }, results: [] };

function setup(options: { audit?: AuditSink; defaultDeadlineMs?: number; maxMessageBytes?: number } = {}) {
  const audit = new MemoryAuditSink();
  const { logger, lines } = capturingLogger();
  const router = new Router({
    audit: options.audit ?? audit,
    logger,
    defaultDeadlineMs: options.defaultDeadlineMs,
    maxMessageBytes: options.maxMessageBytes,
  });
  return { router, audit, lines };
}

describe('Router', () => {
  it('runs validate → authorize → run → audit → reply, in that order', async () => {
    const steps: string[] = [];
    const audit: AuditSink = {
      append: (record) => {
        steps.push(`audit:${record.outcome}`);
      },
    };
    const { router } = setup({ audit });
    const handler: Handler<'VoiceCommand'> = {
      summarize: () => {
        steps.push('summarize');
        return {};
      },
      authorize: () => {
        steps.push('authorize');
      },
      run: () => {
        steps.push('run');
        return voiceReply;
      },
    };
    router.register('VoiceCommand', handler);
    const reply = await router.dispatch(help, testSender().sender);
    steps.push('reply');
    expect(reply).toEqual({ ok: true, value: voiceReply });
    expect(steps).toEqual(['summarize', 'authorize', 'run', 'audit:ok', 'reply']);
  });

  it('hands the handler the parsed data, not the raw message', async () => {
    const { router } = setup();
    let seen: unknown;
    router.register('VoiceCommand', {
      run: (data) => {
        seen = data;
        return voiceReply;
      },
    });
    await router.dispatch(help, testSender().sender);
    expect(seen).toEqual(help.data);
  });

  it('refuses an invalid message with ValidationFailed and zod issues, without running anything, and audits it', async () => {
    const { router, audit } = setup();
    let ran = false;
    router.register('VoiceCommand', {
      run: () => {
        ran = true;
        return voiceReply;
      },
    });
    const reply = await router.dispatch(
      { type: 'VoiceCommand', data: { text: 'x'.repeat(10_001), metadata: { source: 'keyboard' } } },
      testSender().sender,
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'ValidationFailed', details: [{ path: ['data', 'text'] }] } });
    expect(ran).toBe(false);
    expect(audit.records.at(-1)).toMatchObject({ type: 'VoiceCommand', outcome: 'ValidationFailed', actor: 'test:1' });
  });

  it('refuses unknown types and non-objects, auditing them under a bounded type name', async () => {
    const { router, audit } = setup();
    expect(await router.dispatch({ type: 'x'.repeat(500), data: {} }, testSender().sender)).toMatchObject({
      ok: false,
      error: { code: 'ValidationFailed' },
    });
    expect(audit.records.at(-1)?.type.length).toBe(64);
    expect(await router.dispatch(42, testSender().sender)).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    expect(audit.records.at(-1)).toMatchObject({ type: '(invalid)', outcome: 'ValidationFailed' });
  });

  it('refuses a message over the size cap before parsing it', async () => {
    const { router } = setup({ maxMessageBytes: 1024 });
    const reply = await router.dispatch({ ...help, data: { ...help.data, text: 'y'.repeat(2000) } }, testSender().sender);
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'ValidationFailed', message: expect.stringContaining('limit is 1024') as unknown },
    });
  });

  it('answers a message that cannot be serialized with Serialization, not a crash', async () => {
    const { router } = setup();
    const cyclic: Record<string, unknown> = { type: 'VoiceCommand' };
    cyclic.data = cyclic;
    expect(await router.dispatch(cyclic, testSender().sender)).toMatchObject({ ok: false, error: { code: 'Serialization' } });
    expect(await router.dispatch({ type: 'VoiceCommand', data: { n: 10n } }, testSender().sender)).toMatchObject({
      ok: false,
      error: { code: 'Serialization' },
    });
  });

  it('denies a type outside the sender’s capabilities and audits the denial', async () => {
    const { router, audit } = setup();
    let ran = false;
    router.register('VoiceCommand', {
      run: () => {
        ran = true;
        return voiceReply;
      },
    });
    const reply = await router.dispatch(
      help,
      testSender({ capability: { subject: 'test', permissions: [{ message: 'HealthReport' }] } }).sender,
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(ran).toBe(false);
    expect(audit.records.at(-1)).toMatchObject({ type: 'VoiceCommand', outcome: 'PermissionDenied' });
  });

  it('passes an authorize refusal through with its code and audits it', async () => {
    const { router, audit } = setup();
    router.register('VoiceCommand', {
      authorize: () => {
        throw new LocalBrainError('ConfirmationRequired', 'Confirm first.', { token: 't' });
      },
      run: () => voiceReply,
    });
    expect(await router.dispatch(help, testSender().sender)).toEqual({
      ok: false,
      error: { code: 'ConfirmationRequired', message: 'Confirm first.', details: { token: 't' } },
    });
    expect(audit.records.at(-1)?.outcome).toBe('ConfirmationRequired');
  });

  it('turns an unexpected throw into Internal without leaking its message, logs the stack, and audits the failure', async () => {
    const { router, audit, lines } = setup();
    router.register('VoiceCommand', {
      run: () => {
        throw new Error('secret path /home/me/.ssh/id_rsa');
      },
    });
    const reply = await router.dispatch(help, testSender().sender);
    expect(reply).toMatchObject({ ok: false, error: { code: 'Internal' } });
    expect(JSON.stringify(reply)).not.toContain('id_rsa');
    expect(audit.records.at(-1)?.outcome).toBe('Internal');
    const logged = lines().find((line) => line.msg === 'handler failed');
    expect((logged?.err as { stack?: string } | undefined)?.stack).toContain('secret path');
  });

  it('times out a handler at its deadline and aborts its signal', async () => {
    const { router, audit } = setup({ defaultDeadlineMs: 50 });
    let signal: AbortSignal | undefined;
    router.register('VoiceCommand', {
      run: (_data, context) => {
        signal = context.signal;
        return new Promise<never>(() => undefined);
      },
    });
    const reply = await router.dispatch(help, testSender().sender);
    expect(reply).toMatchObject({ ok: false, error: { code: 'Timeout', details: { deadlineMs: 50 } } });
    expect(signal?.aborted).toBe(true);
    expect(audit.records.at(-1)?.outcome).toBe('Timeout');
  });

  it('uses a handler’s own deadline over the default', async () => {
    const { router } = setup({ defaultDeadlineMs: 60_000 });
    router.register('VoiceCommand', { deadlineMs: () => 20, run: () => new Promise<never>(() => undefined) });
    expect(await router.dispatch(help, testSender().sender)).toMatchObject({ ok: false, error: { code: 'Timeout' } });
  });

  it('aborts the handler when the sender goes away', async () => {
    const { router } = setup();
    const client = testSender();
    let signal: AbortSignal | undefined;
    router.register('VoiceCommand', {
      run: (_data, context) => {
        signal = context.signal;
        return new Promise<never>(() => undefined);
      },
    });
    const pending = router.dispatch(help, client.sender);
    await Promise.resolve();
    client.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
    expect(signal?.aborted).toBe(true);
  });

  it('ends a handler’s signal with the request, and hands an aborted one after the sender went away', async () => {
    const { router } = setup();
    let finished: AbortSignal | undefined;
    router.register('VoiceCommand', {
      run: (_data, context) => {
        finished = context.signal;
        expect(finished.aborted).toBe(false);
        return voiceReply;
      },
    });
    expect(await router.dispatch(help, testSender().sender)).toMatchObject({ ok: true });
    expect(finished?.aborted).toBe(true);

    const gone = testSender();
    gone.close();
    const { router: second } = setup();
    let late: AbortSignal | undefined;
    second.register('VoiceCommand', {
      run: async (_data, context) => {
        await Promise.resolve();
        late = context.signal;
        return voiceReply;
      },
    });
    expect(await second.dispatch(help, gone.sender)).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(late?.aborted).toBe(true);
  });

  it('answers Unavailable for a known type with no handler', async () => {
    const { router } = setup();
    expect(await router.dispatch(help, testSender().sender)).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
  });

  it('fails closed when the audit entry cannot be written', async () => {
    const failing: AuditSink = {
      append: () => Promise.reject(new Error('disk full')),
    };
    const { router, lines } = setup({ audit: failing });
    router.register('VoiceCommand', { run: () => voiceReply });
    const reply = await router.dispatch(help, testSender().sender);
    expect(reply).toMatchObject({ ok: false, error: { code: 'Database', details: { completed: true } } });
    expect(lines().some((line) => line.msg === 'audit append failed')).toBe(true);
  });

  it('tells the audit sink which requests are privileged', async () => {
    const seen: [AuditRecord, boolean][] = [];
    const { router } = setup({ audit: { append: (record, options) => void seen.push([record, options.privileged]) } });
    router.register('VoiceCommand', { run: () => voiceReply, privileged: true });
    await router.dispatch(help, testSender().sender);
    await router.dispatch({ type: 'Nope', data: {} }, testSender().sender);
    expect(seen.map(([record, privileged]) => [record.type, privileged])).toEqual([
      ['VoiceCommand', true],
      ['Nope', false],
    ]);
  });

  it('keeps latency and outcome counts per type for the health report', async () => {
    const { router } = setup();
    router.register('VoiceCommand', { run: () => voiceReply });
    await router.dispatch(help, testSender().sender);
    await router.dispatch(help, testSender().sender);
    await router.dispatch({ type: 'VoiceCommand', data: {} }, testSender().sender);
    const stats = router.metrics.snapshot().VoiceCommand;
    expect(stats?.latency.count).toBe(3);
    expect(stats?.outcomes).toEqual({ ok: 2, ValidationFailed: 1 });
    expect(stats?.latency.p99Ms).toBeGreaterThanOrEqual(stats?.latency.p50Ms ?? 0);
  });

  it('records a refusal given by the transport without parsing the message', async () => {
    const { router, audit } = setup();
    router.register('VoiceCommand', { run: () => voiceReply });
    const reply = await router.dispatch(help, testSender().sender, {
      refusal: new LocalBrainError('PermissionDenied', 'untrusted frame'),
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(audit.records.at(-1)?.outcome).toBe('PermissionDenied');
  });

  it('refuses a second handler for the same type, and unregisters', async () => {
    const { router } = setup();
    const unregister = router.register('VoiceCommand', { run: () => voiceReply });
    expect(() => router.register('VoiceCommand', { run: () => voiceReply })).toThrow(/already registered/);
    unregister();
    expect(await router.dispatch(help, testSender().sender)).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
  });
});
