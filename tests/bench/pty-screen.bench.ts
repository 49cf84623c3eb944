/// <reference lib="dom" />
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node-pty';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import type { LocalBrainApi } from '../../shared/api';
import { launchChromium } from '../support/browser';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { producerScript } from './pty-throughput';
import { formatMs } from './stats';
import type { BenchRow, BenchSuite } from './types';

const require = createRequire(import.meta.url);
const producedBytes = Number(process.env.LOCALBRAIN_BENCH_SCREEN_BYTES ?? 16 * 1024 * 1024);
const rounds = Number(process.env.LOCALBRAIN_BENCH_SCREEN_ROUNDS ?? 2);
/** Written after the output; the run ends when xterm.js has drawn it. */
const doneMark = 'LB-SCREEN-DONE';

interface PageGlobals {
  readonly localbrain: LocalBrainApi;
  Terminal?: new (options: object) => { open(element: HTMLElement): void; write(data: string): void };
}

/** Waits until the terminal's rows show the mark: xterm.js has parsed everything before it and painted. */
async function drawn(page: Page, scope: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    ({ scope, mark }) => document.querySelector(`${scope} .xterm-rows`)?.textContent.includes(mark) ?? false,
    { scope, mark: doneMark },
    { polling: 'raf', timeout: timeoutMs },
  );
}

/** LocalBrain's page in serve mode: a terminal tab, the producer typed into its shell, timed to the mark on screen. */
async function throughLocalBrain(page: Page): Promise<number> {
  await page.getByRole('button', { name: 'New terminal' }).click();
  const pane = page.locator('.terminal-pane').last();
  await pane.locator('.xterm-rows').waitFor();
  // The session id: the newest session this page owns.
  const sessionId = await page.evaluate(async () => {
    const { localbrain } = window as unknown as PageGlobals;
    for (;;) {
      const reply = await localbrain.invoke({ type: 'PtyList', data: {} });
      if (reply.ok) {
        const mine = reply.value.sessions.filter((session) => session.mine).sort((a, b) => b.createdAt - a.createdAt);
        if (mine[0]) return mine[0].sessionId;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  // The mark is split in the command line, so only the output shows it whole.
  const command = `${producerScript(producedBytes)}; printf '%s%s\\n' ${doneMark.slice(0, 5)} ${doneMark.slice(5)}\n`;
  await page.evaluate(
    async ({ sessionId, command }) => {
      const { localbrain } = window as unknown as PageGlobals;
      await localbrain.invoke({ type: 'PtyWrite', data: { sessionId, data: command } });
    },
    { sessionId, command },
  );
  await drawn(page, '.terminal-pane:last-child', 600_000);
  const elapsed = performance.now() - started;
  await page.evaluate(async (sessionId) => {
    const { localbrain } = window as unknown as PageGlobals;
    await localbrain.invoke({ type: 'PtyKill', data: { sessionId } });
  }, sessionId);
  return elapsed;
}

/** A bare xterm.js page (its default renderer) fed by a bare WebSocket straight from node-pty running the same producer. */
async function throughBarePage(page: Page): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => {
    const pty = spawn('/bin/sh', ['-c', `${producerScript(producedBytes)}; printf '%s\\n' ${doneMark}`], {
      cols: 120,
      rows: 40,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    pty.onData((data) => socket.send(data));
    pty.onExit(() => socket.close());
    socket.on('close', () => pty.kill());
  });
  const { port } = server.address() as AddressInfo;
  try {
    await page.setContent(
      '<!doctype html><html><body style="margin:0"><div id="bare" style="width:1200px;height:700px"></div></body></html>',
    );
    await page.addStyleTag({ path: require.resolve('@xterm/xterm/css/xterm.css') });
    await page.addScriptTag({ path: require.resolve('@xterm/xterm/lib/xterm.js') });
    const started = performance.now();
    await page.evaluate((url) => {
      const globals = window as unknown as PageGlobals;
      const Terminal = globals.Terminal;
      if (!Terminal) throw new Error('xterm.js did not load');
      const terminal = new Terminal({ cols: 120, rows: 40 });
      const element = document.getElementById('bare');
      if (!element) throw new Error('no element');
      terminal.open(element);
      const socket = new WebSocket(url);
      socket.addEventListener('message', (message: MessageEvent<string>) => terminal.write(message.data));
    }, `ws://127.0.0.1:${port}/`);
    await drawn(page, '#bare', 600_000);
    return performance.now() - started;
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const suite: BenchSuite = {
  name: 'pty-screen',
  description: `The whole path to the screen in headless Chromium (no GPU): ${producedBytes / 2 ** 20} MiB from \`yes | head -c\` in a PTY until xterm.js has drawn the line after it, through LocalBrain's page in serve mode (shell in a terminal tab, PtyData events, acknowledgements, the app's renderer choice), beside a bare xterm.js page (its default renderer) fed by a bare WebSocket from node-pty running the same producer, alternating, ${rounds} rounds each.`,
  async run(): Promise<BenchRow[]> {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path], env: { SHELL: '/bin/sh' } });
    const browser = await launchChromium();
    const app: number[] = [];
    const bare: number[] = [];
    try {
      const appPage = await browser.context.newPage();
      await appPage.goto(serve.url);
      await appPage.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
      await appPage.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Terminals' }).click();
      const barePage = await browser.context.newPage();
      for (let round = 0; round < rounds; round += 1) {
        bare.push(await throughBarePage(barePage));
        app.push(await throughLocalBrain(appPage));
      }
    } finally {
      await browser.close();
      await serve.stop();
      await workspace.remove();
      await dataDir.remove();
    }
    const best = (values: number[]) => Math.min(...values);
    const mb = producedBytes / 1e6;
    const ratio = best(bare) / best(app);
    return [
      {
        metric: `LocalBrain page (serve mode): PTY → drawn, best of ${rounds}`,
        value: `${formatMs(best(app))} (${(mb / (best(app) / 1000)).toFixed(1)} MB/s; runs: ${app.map((ms) => formatMs(ms)).join(', ')})`,
      },
      {
        metric: `bare xterm.js page over a bare WebSocket: PTY → drawn, best of ${rounds}`,
        value: `${formatMs(best(bare))} (${(mb / (best(bare) / 1000)).toFixed(1)} MB/s; runs: ${bare.map((ms) => formatMs(ms)).join(', ')})`,
      },
      { metric: 'LocalBrain ÷ bare page (throughput)', value: ratio.toFixed(2), target: '≥ 0.8', pass: ratio >= 0.8 },
    ];
  },
};

export default suite;
