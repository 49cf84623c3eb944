import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';

/** The layout is saved within 2 s of a change; this leaves room on a busy machine. */
const savedWithinMs = 5_000;

describe('after a crash, the window comes back as it was', () => {
  let serve: ServeProcess | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    await mkdir(path.join(workspace.path, 'notes'));
    await writeFile(path.join(workspace.path, 'notes', 'plan.md'), '# The plan survives a crash\n');
    browser = await launchChromium();
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser.close();
    await serve?.stop();
    await workspace.remove();
    await dataDir.remove();
  });

  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name }).click();

  it('terminal tabs and the open file reopen after SIGKILL and restart', async () => {
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    await page.goto(serve.url);
    await nav('Files');
    const tree = page.getByRole('tree', { name: 'Workspace files' });
    await tree.getByRole('treeitem', { name: 'notes', exact: true }).click();
    await tree.getByRole('treeitem', { name: 'plan.md', exact: true }).click();
    await page.getByText('The plan survives a crash').waitFor();
    await nav('Terminals');
    await page.getByRole('button', { name: 'New terminal' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    const tabs = page.getByRole('tablist', { name: 'Terminal tabs' }).getByRole('tab');
    await expect.poll(() => tabs.count()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, savedWithinMs));

    serve.child.kill('SIGKILL');
    await new Promise((resolve) => serve?.child.once('exit', resolve));
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    // A new server has a new token: open its URL, as a person would after a restart.
    await page.goto(serve.url);
    await nav('Terminals');
    await expect.poll(() => tabs.count(), { timeout: 15_000 }).toBe(2);
    await nav('Files');
    await page.getByText('The plan survives a crash').waitFor();
  });
});
