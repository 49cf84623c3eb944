import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { updateDocsScreenshot } from '../support/screenshot';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';

describe('the Health view in Chromium', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    folders.push(workspace, dataDir);
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (message) => {
      // The favicon is another part's concern; a chart or the view failing is this test's.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) consoleErrors.push(message.text());
    });
    await page.goto(serve.url);
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    for (const folder of folders) await folder.remove();
  });

  it('charts loop delay, heap, RSS and message rate, lists message types and services', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Health' }).click();
    await page.getByRole('heading', { name: 'Health' }).waitFor();
    for (const title of ['Event-loop delay', 'Heap used', 'Resident memory', 'Messages per second']) {
      const chart = page.getByRole('img', { name: `${title} chart` });
      await chart.waitFor();
      // uPlot drew a canvas of the chart's size inside it.
      await expect(chart.locator('canvas').count()).resolves.toBe(1);
    }
    const table = page.getByRole('table', { name: 'Messages by type, last minute' });
    await table.getByRole('rowheader', { name: 'HealthReport' }).waitFor();
    const services = page.getByRole('region', { name: 'Background services' });
    await services.getByText('health-monitor: running').waitFor();
    await services.getByText('storage: running').waitFor();
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
    await updateDocsScreenshot(page, 'health-screenshot.png');
  });

  it('Export diagnostics writes a file and says where', async () => {
    await page.getByRole('button', { name: 'Export diagnostics' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Diagnostics written to' });
    await status.waitFor();
    const text = (await status.textContent()) ?? '';
    const written = /Diagnostics written to (.+\.json) \(/.exec(text)?.[1] ?? '';
    expect(written).toContain('/diagnostics/diagnostics-');
    expect(existsSync(written)).toBe(true);
  });
});
