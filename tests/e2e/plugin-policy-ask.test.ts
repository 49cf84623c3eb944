import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import type { ServeProcess } from '../support/serve-process';
import { devPluginFolders, devPluginServe, type DevPluginFolders } from '../support/dev-plugin';

/** A dev plugin allowed one `sh -c` line, which the command policy asks about; its sentence runs it. */
const manifest = {
  id: 'shelly',
  name: 'Shelly',
  version: '1.0.0',
  engine: '*',
  entry: 'index.js',
  permissions: [{ message: 'TerminalCommand', commands: [{ cmd: 'sh', argsPattern: '-c echo ran >> ran\\.txt' }] }],
  contributes: { commands: [{ id: 'append', title: 'Append a line', utterances: ['shelly append line'] }] },
};
const source = `
localbrain.commands.register('append', async () => {
  const r = await localbrain.invoke({ type: 'TerminalCommand', data: { cmd: 'sh', args: ['-c', 'echo ran >> ran.txt'] } });
  return r.ok ? { exitCode: r.value.exitCode } : { code: r.error.code };
});
`;

describe('a plugin’s command the policy asks about, in Chromium over serve mode', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let folders: DevPluginFolders;
  const pageErrors: string[] = [];

  const ran = () => readFile(path.join(folders.workspace.path, 'ran.txt'), 'utf8').catch(() => '');

  beforeAll(async () => {
    folders = await devPluginFolders(manifest, source);
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
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Command' }).click();
    const input = page.getByRole('combobox', { name: 'Command' });
    await input.fill(text);
    await input.press('Enter');
    return page.getByRole('log', { name: 'Replies' });
  }

  it('shows who asks, the exact command and the policy’s reason, offers no "Always allow", and runs it once on Confirm', async () => {
    await say('shelly append line');
    const prompt = page.getByRole('alertdialog', { name: 'Confirm the plan' });
    await prompt.waitFor();
    const text = await prompt.innerText();
    expect(text).toContain('plugin:shelly asks to sh -c echo ran >> ran.txt');
    expect(text).toContain('`sh` runs a shell, whose commands the policy cannot check.');
    expect(await prompt.getByRole('button', { name: 'Always allow' }).count()).toBe(0);
    // Cancel: nothing runs.
    await prompt.getByRole('button', { name: 'Cancel' }).click();
    await prompt.waitFor({ state: 'detached' });
    expect(await ran()).toBe('');

    const replies = await say('shelly append line');
    await prompt.getByRole('button', { name: 'Confirm' }).click();
    await replies.getByLabel('Plugin result').last().getByText('"exitCode": 0').waitFor();
    expect(await ran()).toBe('ran\n');
    expect(pageErrors).toEqual([]);
  });
});
