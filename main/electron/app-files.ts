import path from 'node:path';
import { appHost } from './app-origin';

/**
 * Maps a `localbrain://app/...` request to a file of the built renderer, or undefined
 * for anything outside that folder or another host.
 */
export function resolveAppFile(rendererDir: string, raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.host !== appHost) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, ''));
  return file.startsWith(root + path.sep) ? file : undefined;
}
