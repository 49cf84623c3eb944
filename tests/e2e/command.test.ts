import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import type { LocalBrainApi } from '../../shared/api';
import { updateDocsScreenshot } from '../support/screenshot';

/** What the page's global scope offers, as seen from code passed to page.evaluate. */
interface PageGlobals {
  readonly localbrain: LocalBrainApi;
  readonly require?: unknown;
}

describe('the app in Chromium over serve mode', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    folders.push(workspace, dataDir);
    await writeFile(path.join(workspace.path, 'plan.md'), '# plan\n');
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    browser = await launchChromium();
    context = browser.context;
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    await page.goto(serve.url);
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    for (const folder of folders) await folder.remove();
  });

  it('shows the window layout and a connected status', async () => {
    await expect(page.getByRole('navigation', { name: 'Main' }).isVisible()).resolves.toBe(true);
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
    expect(new URL(page.url()).search).toBe('');
  });

  it('loads without a console error (the favicon is served, not a 404)', async () => {
    await page.reload();
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
    // Chromium fetches the favicon after load; give it the moment it needs to fail, if it would.
    await page.waitForLoadState('networkidle');
    expect(consoleErrors).toEqual([]);
  });

  it('sends a typed command and shows the reply', async () => {
    const input = page.getByRole('combobox', { name: 'Command' });
    await input.fill('help');
    await input.press('Enter');
    const replies = page.getByRole('log', { name: 'Replies' });
    await replies.getByText('Try "open a terminal in src"').waitFor();
    await input.fill('please list the files');
    await page.getByRole('button', { name: 'Send' }).click();
    await replies.getByRole('list', { name: 'Files' }).getByText('plan.md').waitFor();
    await input.fill('sing me a song');
    await input.press('Enter');
    await replies.getByText('Sorry, I did not understand that.').waitFor();
    await updateDocsScreenshot(page, 'screenshot.png');
  });

  it('shows a validation error for a command the contract refuses', async () => {
    const reply = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localbrain.invoke({
        type: 'VoiceCommand',
        data: { text: 'x'.repeat(10_001), metadata: { source: 'keyboard' } },
      }),
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
  });

  it('exposes only invoke and on to the page', async () => {
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).localbrain).sort())).toEqual([
      'invoke',
      'on',
    ]);
    expect(await page.evaluate(() => typeof (globalThis as unknown as PageGlobals).require)).toBe('undefined');
  });

  it('tells the person when the connection to the core is lost', async () => {
    await serve.stop();
    await page.getByRole('status', { name: 'Connection' }).getByText('Disconnected').waitFor();
    const reply = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localbrain.invoke({ type: 'HealthReport', data: {} }),
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
  });
});
