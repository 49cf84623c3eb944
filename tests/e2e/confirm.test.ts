import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';

/** A shell command: the command policy asks before any shell runs, every time. */
const script = 'echo ran-$((40+2)) > marker.txt';

describe('the confirmation dialog in Chromium over serve mode (issue 10 item 1)', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Terminals' }).click();
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  });

  const marker = () => readFile(path.join(workspace.path, 'marker.txt'), 'utf8').catch(() => undefined);
  const dialog = (): Locator => page.getByRole('alertdialog');

  async function runAskingCommand(): Promise<Locator> {
    const input = page.getByRole('textbox', { name: 'Command to run once' });
    await input.fill(`sh -c '${script}'`);
    await input.press('Enter');
    await dialog().waitFor();
    return dialog();
  }

  it('shows who asks and exactly what: the program, each argument and the folder', async () => {
    const shown = await runAskingCommand();
    await expect.poll(() => shown.getAttribute('aria-labelledby')).toBeTruthy();
    expect(await page.getByRole('alertdialog', { name: /asks to run a command/ }).count()).toBe(1);
    expect(await shown.getByLabel('Program').innerText()).toBe('sh');
    expect(await shown.getByRole('list', { name: 'Arguments' }).getByRole('listitem').allInnerTexts()).toEqual(['-c', script]);
    expect(await shown.innerText()).toMatch(/serve:\d+/);
    expect(await shown.innerText()).toContain('the workspace');
    expect(await shown.innerText()).toContain('shell');
    // Deny has the focus; Escape is deny too: the dialog goes and nothing ran.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Deny');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    expect(await marker()).toBeUndefined();
  });

  it('runs nothing on Deny and says so', async () => {
    const shown = await runAskingCommand();
    await shown.getByRole('button', { name: 'Deny' }).click();
    await shown.getByRole('alert').getByText('Denied. Nothing ran.').waitFor();
    await shown.getByRole('button', { name: 'Close' }).click();
    await dialog().waitFor({ state: 'detached' });
    expect(await marker()).toBeUndefined();
    await page
      .getByRole('status', { name: 'Command result' })
      .getByText(/declined/)
      .waitFor();
  });

  it('runs the command on Allow once and shows its result; the next time it asks again', async () => {
    const shown = await runAskingCommand();
    await shown.getByRole('button', { name: 'Allow once' }).click();
    await shown.getByRole('status').getByText('Ran it. It exited with code 0.').waitFor();
    expect(await marker()).toBe('ran-42\n');
    await shown.getByRole('button', { name: 'Close' }).click();
    await dialog().waitFor({ state: 'detached' });
    await page.getByRole('status', { name: 'Command result' }).getByText('exited with code 0').waitFor();

    const again = await runAskingCommand();
    await again.getByRole('button', { name: 'Deny' }).click();
    await again.getByRole('button', { name: 'Close' }).click();
    await dialog().waitFor({ state: 'detached' });
  });

  it('keeps "Always allow": the same command then runs without asking', async () => {
    await rm(path.join(workspace.path, 'marker.txt'));
    const shown = await runAskingCommand();
    await shown.getByRole('button', { name: 'Always allow' }).click();
    await shown.getByRole('status').getByText('Ran it. It exited with code 0.').waitFor();
    await shown.getByRole('button', { name: 'Close' }).click();
    await dialog().waitFor({ state: 'detached' });
    await rm(path.join(workspace.path, 'marker.txt'));

    await page.getByRole('textbox', { name: 'Command to run once' }).press('Enter');
    await expect.poll(marker).toBe('ran-42\n');
    expect(await dialog().count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
