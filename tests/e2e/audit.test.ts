import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { updateDocsScreenshot } from '../support/screenshot';

describe('the settings and audit views in Chromium over serve mode', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    folders.push(workspace, dataDir);
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    for (const folder of folders) await folder.remove();
  });

  it('saves a setting, refuses an invalid one with the reason, and keeps the saved value', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Settings' });
    const fontSize = form.getByRole('spinbutton', { name: 'Font size' });
    await fontSize.fill('18');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    await fontSize.fill('99');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await page
      .getByRole('alert')
      .getByText(/terminal\.fontSize/)
      .waitFor();
    await page.getByText('Encrypted with chacha20').waitFor();
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByRole('spinbutton', { name: 'Font size' }).inputValue()).resolves.toBe('18');
  });

  it('applies a saved theme at once and after a reload', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Settings' });
    // Code for the page, as text: this file has no DOM types.
    const background = async () => String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
    const saveTheme = async (theme: string) => {
      await form.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
      await form.getByRole('button', { name: 'Save settings' }).click();
      await page.locator(`html[data-theme='${theme}']`).waitFor({ state: 'attached' });
    };
    await saveTheme('dark');
    const dark = await background();
    await saveTheme('light');
    const light = await background();
    expect([dark, light]).toEqual(['rgb(21, 23, 28)', 'rgb(246, 247, 249)']);
    // The browser here reports a light desktop, so `system` follows it.
    await saveTheme('system');
    await expect(background()).resolves.toBe(light);
    await saveTheme('light');
    await page.reload();
    await page.locator(`html[data-theme='light']`).waitFor({ state: 'attached' });
    await expect(background()).resolves.toBe(light);
  });

  it('changes the database key from the settings view', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    await page.getByText('key from file').waitFor();
    await page.getByRole('button', { name: 'Change database key' }).click();
    await page
      .getByRole('status')
      .getByText(/re-encrypted with a new key/)
      .waitFor();
  });

  it('lists audit entries, filters them, verifies the chain and exports JSON Lines', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Audit' }).click();
    const table = page.getByRole('table', { name: 'Audit entries' });
    await table.getByRole('rowheader', { name: 'SettingsSet' }).first().waitFor();
    const filters = page.getByRole('form', { name: 'Audit filters' });
    await filters.getByRole('combobox', { name: 'Outcome' }).selectOption('ValidationFailed');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await table.getByRole('cell', { name: 'ValidationFailed' }).first().waitFor();
    await expect.poll(() => table.getByRole('cell', { name: 'ok', exact: true }).count()).toBe(0);

    await filters.getByRole('button', { name: 'Verify' }).click();
    await page
      .getByRole('status', { name: 'Chain state' })
      .getByText(/Chain verified: \d+ entries intact/)
      .waitFor();
    // The head a person can note: its sequence number and the start of its hash.
    await page
      .getByLabel('Chain head')
      .getByText(/Head: entry \d+ · [0-9a-f]{12}/)
      .waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      filters.getByRole('button', { name: 'Export' }).click(),
    ]);
    const file = await download.path();
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ seq: 1, prevHash: '0'.repeat(64) });
    await updateDocsScreenshot(page, 'screenshot-audit.png');
  });
});
