import path from 'node:path';
import type { Page } from 'playwright-core';

const docsDir = path.resolve(import.meta.dirname, '../../docs');

/**
 * Refreshes a screenshot committed under docs/ when LOCALBRAIN_UPDATE_SCREENSHOTS=1, so an
 * ordinary test run leaves the work tree as it found it.
 */
export async function updateDocsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.LOCALBRAIN_UPDATE_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: path.join(docsDir, name) });
}
