import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export interface StaticSite {
  /** Folder of the built renderer. */
  readonly root: string;
  /** Headers sent with every response (CSP and friends). */
  readonly headers: Readonly<Record<string, string>>;
  /** Rewrites index.html before it is sent (the bridge script is added here). */
  readonly transformIndex: (html: string) => string;
}

interface StaticReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

/** Serves the built renderer read-only; never a path outside its folder. */
export async function serveStatic(site: StaticSite, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const reply = await staticReply(site, request);
  response.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(Buffer.byteLength(reply.body)) });
  response.end(request.method === 'HEAD' ? undefined : reply.body);
}

async function staticReply(site: StaticSite, request: IncomingMessage): Promise<StaticReply> {
  const plain = { ...site.headers, 'Content-Type': 'text/plain; charset=utf-8' };
  const notFound: StaticReply = { status: 404, headers: plain, body: 'Not found\n' };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { ...plain, Allow: 'GET, HEAD' }, body: 'Method not allowed\n' };
  }
  const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400, headers: plain, body: 'Bad request\n' };
  }
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(site.root, relative);
  if (relative.includes('\0') || !file.startsWith(site.root + path.sep)) return notFound;
  try {
    const info = await stat(file);
    if (!info.isFile()) return notFound;
    const type = contentTypes[path.extname(file)] ?? 'application/octet-stream';
    const isIndex = relative === 'index.html';
    const body = isIndex ? site.transformIndex(await readFile(file, 'utf8')) : await readFile(file);
    return {
      status: 200,
      headers: { ...site.headers, 'Content-Type': type, 'Cache-Control': isIndex ? 'no-store' : 'no-cache' },
      body,
    };
  } catch {
    return notFound;
  }
}
