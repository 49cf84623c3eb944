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
const rounds = Number(process.env.LOCALBRAIN_BENCH_SCREEN_ROUNDS ?? 5);
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

interface Geometry {
  readonly cols: number;
  readonly rows: number;
}

/** The visible terminal tab's pane; earlier rounds' tabs stay open but hidden. */
const activePane = '.terminal-panel:not([hidden]) .terminal-pane';

/** LocalBrain's page in serve mode: a terminal tab, the producer typed into its shell, timed to the mark on screen. */
async function throughLocalBrain(page: Page): Promise<{ ms: number; geometry: Geometry }> {
  await page.getByRole('button', { name: 'New terminal' }).click();
  await page.locator(`${activePane} .xterm-rows`).waitFor();
  // The session: the newest one this page owns, once its pane has fitted it to the tab.
  const session = await page.evaluate(async () => {
    const { localbrain } = window as unknown as PageGlobals;
    for (;;) {
      const reply = await localbrain.invoke({ type: 'PtyList', data: {} });
      if (reply.ok) {
        const mine = reply.value.sessions.filter((session) => session.mine).sort((a, b) => b.createdAt - a.createdAt);
        if (mine[0]) return mine[0];
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
    { sessionId: session.sessionId, command },
  );
  await drawn(page, activePane, 600_000);
  const ms = performance.now() - started;
  const geometry = await page.evaluate(async (sessionId) => {
    const { localbrain } = window as unknown as PageGlobals;
    const reply = await localbrain.invoke({ type: 'PtyList', data: {} });
    await localbrain.invoke({ type: 'PtyKill', data: { sessionId } });
    const found = reply.ok ? reply.value.sessions.find((candidate) => candidate.sessionId === sessionId) : undefined;
    return { cols: found?.cols ?? 0, rows: found?.rows ?? 0 };
  }, session.sessionId);
  return { ms, geometry };
}

/**
 * A bare xterm.js page (its default renderer) fed by a bare WebSocket straight from node-pty
 * running the same producer, its terminal the size of LocalBrain's so both draw the same cells.
 */
async function throughBarePage(page: Page, geometry: Geometry): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => {
    // The shell stays after the mark: node-pty can lose the output of a process that prints and
    // exits at once (docs/architecture.md, "Trailing output"), and the mark would never come.
    const pty = spawn('/bin/sh', ['-c', `${producerScript(producedBytes)}; printf '%s\\n' ${doneMark}; sleep 600`], {
      cols: geometry.cols,
      rows: geometry.rows,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    pty.onData((data) => socket.send(data));
    socket.on('close', () => pty.kill());
  });
  const { port } = server.address() as AddressInfo;
  try {
    await page.setContent(
      '<!doctype html><html><body style="margin:0"><div id="bare" style="width:1280px;height:800px"></div></body></html>',
    );
    await page.addStyleTag({ path: require.resolve('@xterm/xterm/css/xterm.css') });
    await page.addScriptTag({ path: require.resolve('@xterm/xterm/lib/xterm.js') });
    const started = performance.now();
    await page.evaluate(
      ({ url, geometry }) => {
        const globals = window as unknown as PageGlobals;
        const Terminal = globals.Terminal;
        if (!Terminal) throw new Error('xterm.js did not load');
        const terminal = new Terminal(geometry);
        const element = document.getElementById('bare');
        if (!element) throw new Error('no element');
        terminal.open(element);
        const socket = new WebSocket(url);
        socket.addEventListener('message', (message: MessageEvent<string>) => terminal.write(message.data));
      },
      { url: `ws://127.0.0.1:${port}/`, geometry },
    );
    await drawn(page, '#bare', 600_000);
    return performance.now() - started;
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const suite: BenchSuite = {
  name: 'pty-screen',
  description: `The whole path to the screen in headless Chromium (no GPU): ${producedBytes / 2 ** 20} MiB from \`yes | head -c\` in a PTY until xterm.js has drawn the line after it, through LocalBrain's page in serve mode (shell in a terminal tab, PtyData events, acknowledgements, the app's renderer choice), beside a bare xterm.js page (its default renderer, the same columns and rows) fed by a bare WebSocket from node-pty running the same producer. One warm-up pair, then ${rounds} rounds, each one run of both, the order alternating from round to round; the ratio is the median of the per-round ratios.`,
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
      const runApp = async () => {
        await appPage.bringToFront();
        return throughLocalBrain(appPage);
      };
      // A fresh page each run: nothing of an earlier run's terminal or socket is left in it.
      const runBare = async (geometry: Geometry) => {
        const barePage = await browser.context.newPage();
        try {
          await barePage.bringToFront();
          return await throughBarePage(barePage, geometry);
        } finally {
          await barePage.close();
        }
      };
      // Warm-up: both pages' code compiled, the app's geometry learnt.
      const { geometry } = await runApp();
      await runBare(geometry);
      for (let round = 0; round < rounds; round += 1) {
        if (round % 2 === 0) {
          bare.push(await runBare(geometry));
          app.push((await runApp()).ms);
        } else {
          app.push((await runApp()).ms);
          bare.push(await runBare(geometry));
        }
      }
      const mb = producedBytes / 1e6;
      const ratios = app.map((ms, index) => (bare[index] ?? 0) / ms);
      const ratio = median(ratios);
      const runs = (values: number[]) => values.map((ms) => formatMs(ms)).join(', ');
      return [
        {
          metric: `LocalBrain page (serve mode): PTY → drawn, median of ${rounds} (${geometry.cols} × ${geometry.rows} cells)`,
          value: `${formatMs(median(app))} (${(mb / (median(app) / 1000)).toFixed(1)} MB/s; runs: ${runs(app)})`,
        },
        {
          metric: `bare xterm.js page over a bare WebSocket: PTY → drawn, median of ${rounds}`,
          value: `${formatMs(median(bare))} (${(mb / (median(bare) / 1000)).toFixed(1)} MB/s; runs: ${runs(bare)})`,
        },
        {
          metric: 'LocalBrain ÷ bare page (throughput; median of per-round ratios)',
          value: `${ratio.toFixed(2)} (rounds: ${ratios.map((value) => value.toFixed(2)).join(', ')})`,
          target: '≥ 0.8',
          pass: ratio >= 0.8,
        },
      ];
    } finally {
      await browser.close();
      await serve.stop();
      await workspace.remove();
      await dataDir.remove();
    }
  },
};

export default suite;
