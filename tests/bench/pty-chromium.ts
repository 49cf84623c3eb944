/// <reference lib="dom" />
/** The Chromium half of the PTY bench: real serve mode, the real renderer, keypresses through xterm.js. */
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import type { LocalBrainApi } from '../../shared/api';
import { WebSocketServer } from 'ws';
import { launchChromium } from '../support/browser';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp';

export interface ChromiumFigures {
  /** The login shell (bash, with its rc files). */
  readonly spawnToFirstByteMs: number[];
  /** /bin/sh with no rc files: what LocalBrain itself adds. */
  readonly plainShellSpawnToFirstByteMs: number[];
  readonly keyToEchoMs: number[];
  readonly bareKeyToEchoMs: number[];
}

const spawnSamples = Number(process.env.LOCALBRAIN_BENCH_SPAWNS ?? 30);
const keySamples = Number(process.env.LOCALBRAIN_BENCH_KEYS ?? 200);
const keyWarmup = 20;

declare global {
  interface Window {
    readonly localbrain: LocalBrainApi;
    __bench?: { pending: number | undefined; samples: number[] };
  }
}

/** Measures in the page: from the keydown event to the echoed character arriving as a PtyData event. */
async function typeAndTime(page: Page, count: number): Promise<number[]> {
  await page.evaluate(() => {
    const state = { pending: undefined as number | undefined, samples: [] as number[] };
    window.__bench = state;
    document.addEventListener('keydown', () => (state.pending = performance.now()), { capture: true });
    window.localbrain.on((event) => {
      if (event.type === 'PtyData' && state.pending !== undefined && event.data.data.includes('x')) {
        state.samples.push(performance.now() - state.pending);
        state.pending = undefined;
      }
    });
  });
  for (let index = 0; index < count; index += 1) {
    await page.keyboard.press('x');
    await page.waitForFunction((expected) => (window.__bench?.samples.length ?? 0) >= expected, index + 1);
  }
  return page.evaluate(() => window.__bench?.samples ?? []);
}

/** The same keypresses echoed by a bare WebSocket server, from a page with no app in it. */
async function bareEcho(context: BrowserContext, count: number): Promise<number[]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const page = await context.newPage();
  try {
    await page.evaluate(async (url) => {
      const state = { pending: undefined as number | undefined, samples: [] as number[] };
      window.__bench = state;
      const socket = new WebSocket(url);
      await new Promise((resolve, reject) => {
        socket.addEventListener('open', resolve, { once: true });
        socket.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
      });
      document.addEventListener('keydown', (event) => {
        state.pending = performance.now();
        socket.send(JSON.stringify({ id: 1, message: { type: 'PtyWrite', data: { sessionId: 'bare', data: event.key } } }));
      });
      socket.addEventListener('message', () => {
        if (state.pending === undefined) return;
        state.samples.push(performance.now() - state.pending);
        state.pending = undefined;
      });
    }, `ws://127.0.0.1:${port}/`);
    for (let index = 0; index < count; index += 1) {
      await page.keyboard.press('x');
      await page.waitForFunction((expected) => (window.__bench?.samples.length ?? 0) >= expected, index + 1);
    }
    return await page.evaluate(() => window.__bench?.samples ?? []);
  } finally {
    await page.close();
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function measureInChromium(): Promise<ChromiumFigures> {
  const workspace = await tempDir();
  const dataDir = await tempDir();
  const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path], env: { SHELL: '/bin/bash' } });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();

    const spawnTimes = (shell: string | undefined) =>
      page.evaluate(
        async ({ samples, shell }) => {
          const results: number[] = [];
          for (let index = 0; index < samples; index += 1) {
            const started = performance.now();
            const state: { sessionId?: string; firstAt?: number; early: { id: string; at: number }[] } = { early: [] };
            const off = window.localbrain.on((event) => {
              if (event.type !== 'PtyData') return;
              if (state.sessionId === undefined) state.early.push({ id: event.data.sessionId, at: performance.now() });
              else if (event.data.sessionId === state.sessionId) state.firstAt ??= performance.now();
            });
            const reply = await window.localbrain.invoke({
              type: 'PtySpawn',
              data: shell === undefined ? { cols: 80, rows: 24 } : { cols: 80, rows: 24, shell },
            });
            if (!reply.ok) throw new Error(reply.error.message);
            const { sessionId } = reply.value;
            state.sessionId = sessionId;
            state.firstAt ??= state.early.find((entry) => entry.id === sessionId)?.at;
            while (state.firstAt === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
            results.push(state.firstAt - started);
            off();
            await window.localbrain.invoke({ type: 'PtyKill', data: { sessionId } });
          }
          return results;
        },
        { samples: spawnSamples, shell },
      );
    const spawnToFirstByteMs = await spawnTimes(undefined);
    const plainShellSpawnToFirstByteMs = await spawnTimes('/bin/sh');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Terminals' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    await page.locator('.xterm').click();
    // Wait for the prompt before typing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const all = await typeAndTime(page, keyWarmup + keySamples);
    const bare = await bareEcho(browser.context, keyWarmup + keySamples);
    return {
      spawnToFirstByteMs,
      plainShellSpawnToFirstByteMs,
      keyToEchoMs: all.slice(keyWarmup),
      bareKeyToEchoMs: bare.slice(keyWarmup),
    };
  } finally {
    await browser.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  }
}
