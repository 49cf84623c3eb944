import { describe, expect, it } from 'vitest';
import type { IpcRendererEvent } from 'electron';
import { ipcChannels } from '../../../shared/api';
import { createApi } from '../../../preload/api';

type Listener = (event: IpcRendererEvent, payload: unknown) => void;

function fakeIpc() {
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<Listener>>();
  return {
    invoked,
    listeners,
    ipc: {
      invoke: (channel: string, payload: unknown) => {
        invoked.push([channel, payload]);
        return Promise.resolve({ ok: true, value: 'pong' });
      },
      on(channel: string, listener: Listener) {
        listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
        return this;
      },
      removeListener(channel: string, listener: Listener) {
        listeners.get(channel)?.delete(listener);
        return this;
      },
    },
  };
}

describe('the preload API', () => {
  it('exposes invoke and on, and nothing else, frozen', () => {
    const api = createApi(fakeIpc().ipc as never);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('sends every request on the one invoke channel and returns the envelope', async () => {
    const fake = fakeIpc();
    const api = createApi(fake.ipc as never);
    const reply = await api.invoke({ type: 'HealthReport', data: {} });
    expect(reply).toEqual({ ok: true, value: 'pong' });
    expect(fake.invoked).toEqual([[ipcChannels.invoke, { type: 'HealthReport', data: {} }]]);
  });

  it('delivers events without the IPC event object, and unsubscribes', () => {
    const fake = fakeIpc();
    const api = createApi(fake.ipc as never);
    const seen: unknown[] = [];
    const off = api.on((event) => seen.push(event));
    const event = { type: 'PtyData', data: { sessionId: 's1', data: 'hi' } };
    for (const listener of fake.listeners.get(ipcChannels.event) ?? [])
      listener({ sender: 'secret' } as unknown as IpcRendererEvent, event);
    expect(seen).toEqual([event]);
    off();
    expect(fake.listeners.get(ipcChannels.event)?.size).toBe(0);
  });
});
