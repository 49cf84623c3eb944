import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { ipcChannels } from '../../../shared/api';
import type { Envelope } from '../../../shared/envelope';
import { builtAppLocation } from '../../../main/electron/app-origin';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { FairDispatcher } from '../../../main/ipc/fair-dispatch';
import { registerElectronTransport } from '../../../main/transport/electron';
import { capturingLogger } from '../../support/logger';

type InvokeHandler = (event: IpcMainInvokeEvent, message: unknown) => Promise<Envelope<unknown>>;

const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } };

function setup() {
  const handlers = new Map<string, InvokeHandler>();
  const ipcMain = {
    handle: (channel: string, handler: InvokeHandler) => void handlers.set(channel, handler),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
  const audit = new MemoryAuditSink();
  const { logger, lines } = capturingLogger();
  const router = new Router({ audit, logger });
  let ran = 0;
  router.register('VoiceCommand', {
    run: (_data, context) => {
      ran += 1;
      context.sender.emit({ type: 'PtyData', data: { sessionId: 's', data: 'pushed' } });
      return { intent: 'help', understood: true, say: 'hi', plan: { id: 'p', steps: [] }, results: [] };
    },
  });
  const dispatcher = new FairDispatcher({ router, audit, logger });
  const dispose = registerElectronTransport({ ipcMain: ipcMain, dispatcher, location: builtAppLocation(), logger });
  return { handlers, audit, lines, dispose, ran: () => ran };
}

/** A WebContents and frame as Electron would give them, recording what is sent to the page. */
function fakeEvent(url: string | null, options: { subframe?: boolean; id?: number } = {}) {
  const sent: unknown[] = [];
  const destroyed: (() => void)[] = [];
  const sender = {
    id: options.id ?? 1,
    isDestroyed: () => false,
    send: (channel: string, payload: unknown) => sent.push([channel, payload]),
    once: (name: string, listener: () => void) => {
      if (name === 'destroyed') destroyed.push(listener);
    },
  };
  const senderFrame = url === null ? null : { url, parent: options.subframe ? {} : null };
  return {
    event: { sender, senderFrame } as unknown as IpcMainInvokeEvent,
    sent,
    destroy: () => destroyed.forEach((listener) => listener()),
  };
}

describe('the Electron transport', () => {
  it('registers exactly one invoke channel and removes it on dispose', () => {
    const { handlers, dispose } = setup();
    expect([...handlers.keys()]).toEqual([ipcChannels.invoke]);
    dispose();
    expect(handlers.size).toBe(0);
  });

  it('dispatches from the app’s own page and pushes events to that window only', async () => {
    const { handlers, ran } = setup();
    const { event, sent } = fakeEvent('localbrain://app/index.html');
    const reply = await handlers.get(ipcChannels.invoke)?.(event, help);
    expect(reply).toEqual({
      ok: true,
      value: { intent: 'help', understood: true, say: 'hi', plan: { id: 'p', steps: [] }, results: [] },
    });
    expect(ran()).toBe(1);
    expect(sent).toEqual([[ipcChannels.event, { type: 'PtyData', data: { sessionId: 's', data: 'pushed' } }]]);
  });

  it.each([
    ['a look-alike host', 'localbrain://app.example.attacker.com/index.html', false],
    ['an attacker site', 'https://app.example.attacker.com/', false],
    ['another file: page', 'file:///tmp/evil.html', false],
    ['the built renderer opened as file:', 'file:///opt/localbrain/out/renderer/index.html', false],
    ['a sub-frame of the app', 'localbrain://app/index.html', true],
  ])('refuses %s with PermissionDenied before parsing, and audits it', async (_label, url, subframe) => {
    const { handlers, audit, ran, lines } = setup();
    const { event } = fakeEvent(url, { subframe });
    const reply = await handlers.get(ipcChannels.invoke)?.(event, help);
    expect(reply).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(ran()).toBe(0);
    expect(audit.records.at(-1)).toMatchObject({ actor: 'untrusted:1', outcome: 'PermissionDenied' });
    expect(lines().some((line) => line.msg === 'refused IPC from an untrusted frame')).toBe(true);
  });

  it('refuses a message whose frame is already gone', async () => {
    const { handlers } = setup();
    const { event } = fakeEvent(null);
    expect(await handlers.get(ipcChannels.invoke)?.(event, help)).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
  });

  it('still validates what a trusted page sends', async () => {
    const { handlers } = setup();
    const { event } = fakeEvent('localbrain://app/index.html');
    expect(await handlers.get(ipcChannels.invoke)?.(event, { type: 'VoiceCommand', data: {} })).toMatchObject({
      ok: false,
      error: { code: 'ValidationFailed' },
    });
  });

  it('aborts what a window owned when it is destroyed', async () => {
    const { handlers } = setup();
    const router = new Router({ audit: new MemoryAuditSink(), logger: capturingLogger().logger });
    let closed: AbortSignal | undefined;
    router.register('HealthReport', {
      run: (_data, context) => {
        closed = context.sender.closed;
        return new Promise<never>(() => undefined);
      },
    });
    const ipc = new Map<string, InvokeHandler>();
    registerElectronTransport({
      ipcMain: {
        handle: (channel: string, handler: InvokeHandler) => void ipc.set(channel, handler),
        removeHandler: () => undefined,
      },
      dispatcher: router,
      location: builtAppLocation(),
      logger: capturingLogger().logger,
    });
    const { event, destroy } = fakeEvent('localbrain://app/index.html', { id: 7 });
    const pending = ipc.get(ipcChannels.invoke)?.(event, { type: 'HealthReport', data: {} });
    await Promise.resolve();
    destroy();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
    expect(closed?.aborted).toBe(true);
    expect(handlers.size).toBe(1);
  });
});
