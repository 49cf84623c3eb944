import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import type { ServeProcess } from '../support/serve-process';
import { devPluginFolders, devPluginServe, type DevPluginFolders } from '../support/dev-plugin';

/** A dev plugin whose write to notes/*.txt asks first, run by its sentence from the command bar. */
const manifest = {
  id: 'asking',
  name: 'Asking',
  version: '1.0.0',
  engine: '*',
  entry: 'index.js',
  permissions: [{ message: 'FileOperation', ops: ['write'], paths: ['notes/*.txt'], effect: 'ask' }],
  contributes: { commands: [{ id: 'note', title: 'Write a note', utterances: ['scribble note {text}'] }] },
};
const source = `
localbrain.commands.register('note', async (args) => {
  const r = await localbrain.invoke({ type: 'FileOperation', data: { op: { kind: 'write', content: args.text }, path: 'notes/a.txt' } });
  return r.ok ? { written: true } : { written: false, code: r.error.code };
});
`;

describe('asking first in Chromium over serve mode: a plugin’s ask, and "Ask me first" in Permissions', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let folders: DevPluginFolders;
  const pageErrors: string[] = [];

  const nav = () => page.getByRole('navigation', { name: 'Main' });
  const note = () => readFile(path.join(folders.workspace.path, 'notes', 'a.txt'), 'utf8').catch(() => undefined);

  beforeAll(async () => {
    folders = await devPluginFolders(manifest, source);
    await mkdir(path.join(folders.workspace.path, 'notes'));
    serve = await devPluginServe(folders);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    await folders.remove();
  });

  async function say(text: string): Promise<Locator> {
    await nav().getByRole('button', { name: 'Command' }).click();
    const input = page.getByRole('combobox', { name: 'Command' });
    await input.fill(text);
    await input.press('Enter');
    return page.getByRole('log', { name: 'Replies' });
  }

  it('stops at the plugin’s ask, names the plugin and exactly what, and writes only after Confirm', async () => {
    const replies = await say('scribble note from the page');
    const prompt = page.getByRole('alertdialog', { name: 'Confirm the plan' });
    await prompt.waitFor();
    expect(await prompt.innerText()).toContain('plugin:asking asks to write notes/a.txt');
    expect(await note()).toBeUndefined();
    await prompt.getByRole('button', { name: 'Confirm' }).click();
    await replies.getByLabel('Plugin result').last().getByText('"written": true').waitFor();
    expect(await note()).toBe('from the page');
  });

  it('keeps "Always allow" for the plugin from the Permissions view: the next sentence writes without asking', async () => {
    await nav().getByRole('button', { name: 'Permissions' }).click();
    const plugin = page.getByRole('article', { name: 'Plugin asking' });
    await plugin.getByRole('button', { name: /^Always allow/ }).click();
    await plugin.getByText('Always allowed: Write files matching “notes/*.txt”').waitFor();
    const replies = await say('scribble note without asking');
    await replies.getByLabel('Plugin result').last().getByText('"written": true').waitFor();
    expect(await note()).toBe('without asking');
    expect(await page.getByRole('alertdialog').count()).toBe(0);

    // Revoking that grant makes the plugin ask again; "Always allow" in the command bar's prompt keeps it the same way.
    await nav().getByRole('button', { name: 'Permissions' }).click();
    await plugin.getByRole('button', { name: 'Revoke', exact: true }).click();
    await plugin.getByText('Always allowed: Write files matching “notes/*.txt”').waitFor({ state: 'detached' });
    await say('scribble note asked again');
    const prompt = page.getByRole('alertdialog', { name: 'Confirm the plan' });
    await prompt.getByRole('button', { name: 'Always allow' }).click();
    await expect.poll(note).toBe('asked again');
    await say('scribble note kept');
    await expect.poll(note).toBe('kept');
    expect(await page.getByRole('alertdialog').count()).toBe(0);
  });

  it('turns a permission into "Ask me first": the next command asks in the dialog; Restore lifts it', async () => {
    await nav().getByRole('button', { name: 'Permissions' }).click();
    const clients = page.getByRole('article', { name: 'Browser clients (serve mode)' });
    await clients.getByRole('button', { name: 'Ask me first: Run any program the command policy allows' }).click();
    await clients.getByText('Ask me first: Run any program the command policy allows').waitFor();

    await nav().getByRole('button', { name: 'Terminals' }).click();
    const input = page.getByRole('textbox', { name: 'Command to run once' });
    await input.fill('echo hello');
    await input.press('Enter');
    const dialog = page.getByRole('alertdialog', { name: /asks to run a command/ });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Program').innerText()).toBe('echo');
    await dialog.getByRole('button', { name: 'Deny' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    await nav().getByRole('button', { name: 'Permissions' }).click();
    await clients.getByRole('button', { name: 'Restore', exact: true }).click();
    await clients.getByText('Ask me first: Run any program the command policy allows').waitFor({ state: 'detached' });
    await nav().getByRole('button', { name: 'Terminals' }).click();
    await input.fill('echo hello');
    await input.press('Enter');
    await page.getByRole('status', { name: 'Command result' }).getByText('exited with code 0').waitFor();
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
