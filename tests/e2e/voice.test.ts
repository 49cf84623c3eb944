import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBrainApi } from '../../shared/api';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';

interface PageGlobals {
  readonly localbrain: LocalBrainApi;
}

/** The command bar in a real Chromium over serve mode: Ctrl+K, a sentence, and what it did. */
describe('the command bar in Chromium', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    await mkdir(path.join(workspace.path, 'src'));
    await writeFile(path.join(workspace.path, 'README.md'), '# Spoken readme\n\nHello from the e2e test.\n');
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  });

  const palette = () => page.getByRole('dialog', { name: 'Command bar' });

  async function sayInPalette(text: string): Promise<void> {
    await page.keyboard.press('Control+k');
    const input = palette().getByRole('combobox', { name: 'Command' });
    await input.waitFor();
    await input.fill(text);
    await input.press('Enter');
  }

  it('Ctrl+K, "open a terminal in src": a tab opens there and is attached to this window', async () => {
    await sayInPalette('open a terminal in src');
    await page.getByRole('tab', { name: /Terminal 1/ }).waitFor();
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const reply = await (globalThis as unknown as PageGlobals).localbrain.invoke({ type: 'PtyList', data: {} });
            return reply.ok ? reply.value.sessions.filter((session) => session.mine).map((session) => session.cwd) : [];
          }),
        { timeout: 10_000 },
      )
      .toEqual([path.join(workspace.path, 'src')]);
  });

  it('suggests as you type, from the grammar and from history', async () => {
    await page.keyboard.press('Control+k');
    const input = palette().getByRole('combobox', { name: 'Command' });
    await input.fill('open a');
    const list = palette().getByRole('listbox', { name: 'Suggestions' });
    await list
      .getByRole('option', { name: /open a terminal in src/ })
      .first()
      .waitFor();
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    await input.press('Escape');
    await input.press('Escape');
    await palette().waitFor({ state: 'detached' });
  });

  it('"show the readme": the viewer shows it', async () => {
    await sayInPalette('show the readme');
    await page.getByText('Hello from the e2e test.').first().waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Files', exact: true }).getAttribute('aria-current')).toBe('page');
  });

  it('"delete README.md": the confirmation shows the plan, and Cancel leaves the file', async () => {
    await sayInPalette('delete README.md');
    const confirm = palette().getByRole('alertdialog', { name: 'Confirm the plan' });
    await confirm.getByRole('list', { name: 'Plan' }).getByText('Move README.md to the trash').waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await palette().getByText('Cancelled; nothing ran.').waitFor();
    expect(existsSync(path.join(workspace.path, 'README.md'))).toBe(true);
  });
});
