import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';

const example = path.resolve(import.meta.dirname, '../../plugins/examples/word-count');

describe('the plugins and permissions views in Chromium over serve mode', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    folders.push(workspace, dataDir);
    await mkdir(path.join(workspace.path, 'docs'));
    await writeFile(path.join(workspace.path, 'docs', 'guide.md'), 'The guide has exactly six words.\n');
    await cp(example, path.join(dataDir.path, 'plugins', 'word-count'), { recursive: true });
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

  it('shows the consent screen in plain words, approves, and lists the plugin in Permissions with revoke', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('button', { name: 'Plugins' }).click();
    const plugin = page.getByRole('article', { name: 'Word count' });
    await plugin.getByText('Waiting for your approval').waitFor();
    await plugin.getByText('Read, list and see details of files matching “docs/**”').waitFor();
    await plugin.getByText('Run “git status”').waitFor();
    await plugin.getByText('Say: “word count of the guide”').waitFor();
    await plugin.getByRole('button', { name: 'Approve and enable' }).click();
    await plugin.getByText('Running').waitFor();
    await nav.getByRole('button', { name: 'Permissions' }).click();
    const subject = page.getByRole('article', { name: 'Plugin word-count' });
    await subject.getByText('Run “git status”').waitFor();
    await subject.getByRole('button', { name: 'Revoke' }).last().click();
    await subject.getByText('Revoked: Run “git status”').waitFor();
  });

  it('runs the approved plugin from the command bar by its sentence, and reads the result', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Command' }).click();
    const input = page.getByRole('combobox', { name: 'Command' });
    await input.fill('word count of the guide');
    await input.press('Enter');
    const replies = page.getByRole('log', { name: 'Replies' });
    await replies.getByText('Word count: 6.').waitFor();
    await replies.getByLabel('Plugin result').getByText('"words": 6').waitFor();
  });
});
