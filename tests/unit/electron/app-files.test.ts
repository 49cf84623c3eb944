import { describe, expect, it } from 'vitest';
import { resolveAppFile } from '../../../main/electron/app-files';

const root = '/opt/localbrain/out/renderer';

describe('resolveAppFile: the app:// protocol handler', () => {
  it.each([
    ['localbrain://app/', `${root}/index.html`],
    ['localbrain://app/index.html', `${root}/index.html`],
    ['localbrain://app/assets/index-abc.js', `${root}/assets/index-abc.js`],
  ])('serves %s from the renderer folder', (url, file) => {
    expect(resolveAppFile(root, url)).toBe(file);
  });

  it.each([
    'localbrain://app/../../../etc/passwd',
    'localbrain://app/%2e%2e/%2e%2e/etc/passwd',
    'localbrain://app/./assets/../../etc/passwd',
  ])('keeps %s inside the renderer folder (the URL parser clamps dot segments)', (url) => {
    const file = resolveAppFile(root, url);
    expect(file === undefined || file.startsWith(`${root}/`)).toBe(true);
    expect(file).not.toBe('/etc/passwd');
  });

  it.each([
    'localbrain://app/..%2f..%2fetc%2fpasswd',
    'localbrain://app/assets%2f..%2f..%2f..%2fetc%2fpasswd',
    'localbrain://app/assets/%00.js',
    'localbrain://app/%E0%A4%A',
    'localbrain://other/index.html',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeUndefined();
  });
});
