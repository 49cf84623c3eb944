import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { updateDocsScreenshot } from '../support/screenshot';

describe('the files view in Chromium over serve mode', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  let workspace: string;
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    const base = await tempDir('localbrain-e2e-files-');
    folders.push(base);
    workspace = path.join(base.path, 'workspace');
    const outside = path.join(base.path, 'outside');
    const dataDir = path.join(base.path, 'data');
    for (const folder of [workspace, outside, dataDir, path.join(workspace, 'notes'), path.join(workspace, 'src')])
      await mkdir(folder);
    await writeFile(path.join(workspace, 'notes', 'todo.md'), '# Todo\n\n- buy milk\n');
    await writeFile(path.join(workspace, 'src', 'app.ts'), 'export const answer: number = 42;\n// findable marker\n');
    await writeFile(path.join(outside, 'secret.txt'), 'outside secret\n');
    await writeFile(path.join(workspace, 'notes', 'windows.txt'), 'line one\r\nline two\r\n');
    await writeFile(path.join(workspace, 'notes', 'locked.txt'), 'locked\n');
    await chmod(path.join(workspace, 'notes', 'locked.txt'), 0o444);
    await writeFile(
      path.join(workspace, 'notes', 'long.txt'),
      Array.from({ length: 3_000 }, (_, index) => `old ${index}\n`).join(''),
    );
    // A 1×1 PNG.
    await writeFile(
      path.join(workspace, 'src', 'dot.png'),
      Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
    );
    await symlink(path.join(outside, 'secret.txt'), path.join(workspace, 'sneaky-link'));
    serve = await startServe({ dataDir, workspaces: [workspace] });
    browser = await launchChromium();
    context = browser.context;
    page = await context.newPage();
    await page.goto(serve.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Files' }).click();
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    for (const folder of folders) await folder.remove();
  });

  const tree = () => page.getByRole('tree', { name: 'Workspace files' });
  const item = (name: string) => tree().getByRole('treeitem', { name, exact: true });

  it('opens a file from the tree, edits it, shows the diff, saves after confirming, and the change is on disk', async () => {
    await item('notes').click();
    await item('todo.md').click();
    const viewer = page.getByLabel('File viewer');
    await viewer.getByText('buy milk').waitFor();
    // Markdown is highlighted: the heading carries a highlight.js class.
    expect(await viewer.locator('.hljs-section').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('textbox', { name: 'File content' });
    await editor.fill('# Todo\n\n- buy milk\n- write the e2e test\n');
    await page.getByRole('button', { name: 'Save' }).click();

    const review = page.getByRole('dialog', { name: 'Review changes' });
    const diff = review.getByRole('region', { name: 'Diff' });
    await diff.getByText('+- write the e2e test').waitFor();
    expect(await review.getByText('1 line(s) added, 0 removed.').isVisible()).toBe(true);
    // Nothing is written before the person confirms.
    expect(await readFile(path.join(workspace, 'notes', 'todo.md'), 'utf8')).toBe('# Todo\n\n- buy milk\n');
    await review.getByRole('button', { name: 'Confirm save' }).click();

    await page.getByRole('status').getByText('Saved todo.md.').waitFor();
    expect(await readFile(path.join(workspace, 'notes', 'todo.md'), 'utf8')).toBe('# Todo\n\n- buy milk\n- write the e2e test\n');
    await updateDocsScreenshot(page, 'files-screenshot.png');
  });

  it('refuses a save when the file changed on disk since it was opened', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'File content' }).fill('mine\n');
    await writeFile(path.join(workspace, 'notes', 'todo.md'), 'someone else\n');
    await page.getByRole('button', { name: 'Save' }).click();
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByRole('button', { name: 'Confirm save' }).click();
    await page.getByRole('alert').filter({ hasText: 'Conflict' }).first().waitFor();
    expect(await readFile(path.join(workspace, 'notes', 'todo.md'), 'utf8')).toBe('someone else\n');
    await page.getByRole('button', { name: 'Reload from disk' }).click();
    await page.getByLabel('File viewer').getByText('someone else').waitFor();
  });

  it('keeps CRLF line endings through an edit, and the diff shows only the real change', async () => {
    await item('windows.txt').click();
    await page.getByLabel('File viewer').getByText('line two').waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('textbox', { name: 'File content' });
    await editor.press('Control+End');
    await editor.pressSequentially('line three\n');
    await page.getByRole('button', { name: 'Save' }).click();
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByText('1 line(s) added, 0 removed.').waitFor();
    await review.getByRole('button', { name: 'Confirm save' }).click();
    await page.getByRole('status').getByText('Saved windows.txt.').waitFor();
    expect(await readFile(path.join(workspace, 'notes', 'windows.txt'), 'utf8')).toBe('line one\r\nline two\r\nline three\r\n');
  });

  it('asks before saving over a read-only file, and the file stays read-only', async () => {
    await item('locked.txt').click();
    await page.getByLabel('File viewer').getByText('locked').waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'File content' }).fill('unlocked\n');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog', { name: 'Review changes' }).getByRole('button', { name: 'Confirm save' }).click();
    const ask = page.getByRole('dialog', { name: 'Read-only file' });
    await ask.getByRole('heading', { name: 'locked.txt is read-only' }).waitFor();
    expect(await readFile(path.join(workspace, 'notes', 'locked.txt'), 'utf8')).toBe('locked\n');
    await ask.getByRole('button', { name: 'Save anyway' }).click();
    await page.getByRole('status').getByText('Saved locked.txt.').waitFor();
    expect(await readFile(path.join(workspace, 'notes', 'locked.txt'), 'utf8')).toBe('unlocked\n');
    expect((await stat(path.join(workspace, 'notes', 'locked.txt'))).mode & 0o777).toBe(0o444);
  });

  it('shows a whole-file replacement when the texts are too different to compare line by line', async () => {
    await item('long.txt').click();
    await page.getByLabel('File viewer').getByText('old 2999').waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    // Playwright's fill types a long multi-line text for minutes; set it as a paste would, in one input event.
    await page.getByRole('textbox', { name: 'File content' }).evaluate(
      (element, text) => {
        const area = element as unknown as { value: string; dispatchEvent: (event: unknown) => boolean };
        const prototype = Object.getPrototypeOf(area) as object;
        Object.getOwnPropertyDescriptor(prototype, 'value')?.set?.call(area, text);
        area.dispatchEvent(
          new (globalThis as unknown as { Event: new (type: string, init: object) => unknown }).Event('input', { bubbles: true }),
        );
      },
      Array.from({ length: 3_000 }, (_, index) => `new ${index}\n`).join(''),
    );
    await page.getByRole('button', { name: 'Save' }).click();
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByRole('note').getByText('shown as the whole file replaced').waitFor();
    expect(await review.getByText('3000 line(s) added, 3000 removed.').isVisible()).toBe(true);
    await review.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Discard' }).click();
  });

  it('moves through the tree with the keyboard', async () => {
    await item('src').focus();
    await page.keyboard.press('ArrowRight');
    await item('app.ts').waitFor();
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('[role="treeitem"]:focus').getAttribute('data-path')).toBe('src/app.ts');
    await page.keyboard.press('Enter');
    await page.getByLabel('File viewer').getByText('findable marker').waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const picture = page.getByRole('img', { name: 'dot.png' });
    await picture.waitFor();
    expect(await picture.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    expect(await page.locator('[role="treeitem"]:focus').getAttribute('data-path')).toBe('src');
    await page.keyboard.press('ArrowLeft');
    expect(await item('src').getAttribute('aria-expanded')).toBe('false');
    // Typing a letter jumps to the next item whose name starts with it.
    await page.keyboard.press('n');
    expect(await page.locator('[role="treeitem"]:focus').getAttribute('data-path')).toBe('notes');
  });

  it('shows a clear message for a symlink that leads outside the workspace', async () => {
    await item('sneaky-link').click();
    await page.getByRole('alert').filter({ hasText: 'only opens files inside the folders you granted' }).waitFor();
    expect(await page.content()).not.toContain('outside secret');
  });

  it('searches contents, streams the results and opens one on click', async () => {
    await page.getByRole('textbox', { name: 'Search text' }).fill('findable');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('list', { name: 'Search results' });
    const hit = results.getByRole('button', { name: /src\/app\.ts:2/ });
    await hit.waitFor();
    await page.getByRole('status').filter({ hasText: '1 result(s)' }).waitFor();
    await item('notes').click();
    await hit.click();
    await page.getByRole('heading', { name: 'src/app.ts' }).waitFor();
  });

  it('creates a file and a folder, renames and deletes from the context menu, and the tree follows the disk', async () => {
    // The folder is closed here (the search test clicked it); making a file in it opens it.
    expect(await item('notes').getAttribute('aria-expanded')).toBe('false');
    await item('notes').click({ button: 'right' });
    const menu = page.getByRole('menu', { name: 'Actions for notes' });
    await menu.getByRole('menuitem', { name: 'New file…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New file' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('ideas.md');
    await dialog.getByRole('button', { name: 'OK' }).click();
    await item('ideas.md').waitFor();
    expect(await readFile(path.join(workspace, 'notes', 'ideas.md'), 'utf8')).toBe('');

    await item('notes').click({ button: 'right' });
    await page.getByRole('menu', { name: 'Actions for notes' }).getByRole('menuitem', { name: 'New folder…' }).click();
    const folderDialog = page.getByRole('dialog', { name: 'New folder' });
    await folderDialog.getByRole('textbox', { name: 'Name' }).fill('drafts');
    await folderDialog.getByRole('button', { name: 'OK' }).click();
    await item('drafts').waitFor();
    expect((await stat(path.join(workspace, 'notes', 'drafts'))).isDirectory()).toBe(true);

    await item('ideas.md').focus();
    await page.keyboard.press('Shift+F10');
    await page.getByRole('menu', { name: 'Actions for ideas.md' }).getByRole('menuitem', { name: 'Rename…' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename ideas.md' });
    await rename.getByRole('textbox', { name: 'Name' }).fill('plans.md');
    await rename.getByRole('button', { name: 'OK' }).click();
    await item('plans.md').waitFor();

    await item('plans.md').click({ button: 'right' });
    await page.getByRole('menu', { name: 'Actions for plans.md' }).getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete plans.md' }).getByRole('button', { name: 'Move to trash' }).click();
    await item('plans.md').waitFor({ state: 'detached' });

    // Serve mode's trash lists it and restores it to where it was.
    await page.getByRole('region', { name: 'Trash' }).getByRole('button', { name: 'Trash' }).click();
    const restore = page.getByRole('button', { name: `Restore ${path.join(workspace, 'notes', 'plans.md')}` });
    await restore.click();
    await item('plans.md').waitFor();
    expect(await readFile(path.join(workspace, 'notes', 'plans.md'), 'utf8')).toBe('');
    await page.getByRole('region', { name: 'Trash' }).getByText('The trash is empty.').waitFor();

    // A file made outside the app appears through the folder watch.
    await writeFile(path.join(workspace, 'notes', 'from-disk.md'), 'hello\n');
    await item('from-disk.md').waitFor();
  });

  it('shows hidden files when asked, and remembers it as the files.showHidden setting', async () => {
    await writeFile(path.join(workspace, '.hidden-note'), 'x');
    const toggle = page.getByRole('checkbox', { name: 'Show hidden' });
    expect(await toggle.isChecked()).toBe(false);
    expect(await item('.hidden-note').count()).toBe(0);
    await toggle.check();
    await item('.hidden-note').waitFor();
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Files' }).click();
    await item('.hidden-note').waitFor();
    expect(await page.getByRole('checkbox', { name: 'Show hidden' }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: 'Show hidden' }).uncheck();
    await item('.hidden-note').waitFor({ state: 'detached' });
  });

  it('says how to grant folders in serve mode', async () => {
    await page.getByRole('button', { name: 'Grant folder…' }).click();
    await page.getByRole('alert').filter({ hasText: '--workspace' }).waitFor();
  });

  it('removes a root from the workspace from its context menu (Escape first closes the menu)', async () => {
    await item('workspace').click({ button: 'right' });
    const menu = page.getByRole('menu', { name: 'Actions for workspace' });
    await menu.getByRole('menuitem', { name: 'New file…' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await item('workspace').click({ button: 'right' });
    await menu.getByRole('menuitem', { name: 'Remove from workspace…' }).click();
    await page.getByRole('dialog', { name: 'Remove workspace' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No folder has been granted yet.').waitFor();
    expect(await tree().getByRole('treeitem').count()).toBe(0);
  });
});
