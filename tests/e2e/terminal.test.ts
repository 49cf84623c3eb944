/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBrainApi } from '../../shared/api';
import { chromiumArgs, chromiumPath } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';

describe('terminal tabs in Chromium over serve mode', () => {
  let serve: ServeProcess;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const consoleErrors: string[] = [];
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    folders.push(workspace, dataDir);
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path], env: { SHELL: '/bin/bash' } });
    // Without WebGL xterm.js falls back to its DOM renderer, whose rows are text the test can read
    // (WebGL draws on a canvas); it also proves the fallback works.
    profile = await mkdtemp(path.join(tmpdir(), 'localbrain-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      args: [...chromiumArgs, '--disable-webgl'],
      headless: true,
      viewport: { width: 1280, height: 800 },
    });
    page = await context.newPage();
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(serve.url);
  });

  afterAll(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
    await serve.stop();
    for (const folder of folders) await folder.remove();
  });

  const panel = (name: string): Locator => page.getByRole('tabpanel', { name });

  async function typeInto(name: string, text: string): Promise<void> {
    await page.getByRole('tab', { name }).click();
    await panel(name).locator('.xterm').click();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  }

  it('opens two tabs, runs a command in each, and shows each output only in its own tab', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Terminals' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    const tabs = page.getByRole('tablist', { name: 'Terminal tabs' }).getByRole('tab');
    await expect.poll(() => tabs.count()).toBe(2);

    await typeInto('Terminal 1', 'echo first-$((40+1))');
    await panel('Terminal 1').getByText('first-41').waitFor();
    await typeInto('Terminal 2', 'echo second-$((40+2))');
    await panel('Terminal 2').getByText('second-42').waitFor();

    await page.getByRole('tab', { name: 'Terminal 1' }).click();
    expect(await panel('Terminal 1').innerText()).not.toContain('second-42');
    await page.getByRole('tab', { name: 'Terminal 2' }).click();
    expect(await panel('Terminal 2').innerText()).not.toContain('first-41');
  });

  it('shows an exit banner when the shell ends, and closes a tab', async () => {
    await typeInto('Terminal 2', 'exit 7');
    await panel('Terminal 2').getByRole('status').getByText('The shell exited with code 7.').waitFor();
    await page.getByRole('button', { name: 'Close Terminal 2' }).click();
    await expect.poll(() => page.getByRole('tablist', { name: 'Terminal tabs' }).getByRole('tab').count()).toBe(1);
  });

  it('reattaches after a reload and shows the earlier output again', async () => {
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Terminals' }).click();
    await panel('Terminal 1').getByText('first-41').waitFor();
    await typeInto('Terminal 1', 'echo after-$((1+1))');
    await panel('Terminal 1').getByText('after-2').waitFor();
  });

  it('opens a terminal from the "open terminal" command', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Command' }).click();
    const input = page.getByRole('combobox', { name: 'Command' });
    await input.fill('open terminal');
    await input.press('Enter');
    await page.getByRole('tablist', { name: 'Terminal tabs' }).waitFor();
    await expect.poll(() => page.getByRole('tablist', { name: 'Terminal tabs' }).getByRole('tab').count()).toBe(2);
    expect(consoleErrors).toEqual([]);
  });

  it('takes font size and theme from the settings', async () => {
    const saved = await page.evaluate(async () => {
      const api = (window as unknown as { localbrain: LocalBrainApi }).localbrain;
      const reply = await api.invoke({
        type: 'SettingsSet',
        data: { values: { 'terminal.fontSize': 20, 'appearance.theme': 'light' } },
      });
      return reply.ok;
    });
    expect(saved).toBe(true);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('button', { name: 'Command' }).click();
    await nav.getByRole('button', { name: 'Terminals' }).click();
    await page.getByRole('tab', { name: 'Terminal 1' }).click();
    const pane = page.getByRole('tabpanel', { name: 'Terminal 1' }).locator('.terminal-pane');
    await expect
      .poll(() => pane.evaluate((element) => (element as HTMLElement).style.getPropertyValue('--terminal-font-size')))
      .toBe('20px');
    await expect
      .poll(() => pane.locator('.xterm-scrollable-element').evaluate((element) => getComputedStyle(element).backgroundColor))
      .toBe('rgb(251, 251, 253)');
  });
});
