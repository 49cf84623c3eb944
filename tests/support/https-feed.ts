import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { tempDir } from './temp';

/** A self-signed certificate for 127.0.0.1, made with openssl for this run only (no key is kept in the repository). */
export async function loopbackCertificate(): Promise<{ key: string; cert: string }> {
  const dir = await tempDir('localbrain-cert-');
  try {
    const key = path.join(dir.path, 'key.pem');
    const cert = path.join(dir.path, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    await dir.remove();
  }
}

export type FeedRoute = (request: IncomingMessage, response: ServerResponse) => void;

/** An https server on 127.0.0.1 (port 0) answering by path; `close` ends it and any open connection. */
export async function startFeedServer(
  certificate: { key: string; cert: string },
  routes: Record<string, FeedRoute>,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer(certificate, (request, response) => {
    const pathname = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
    requests.push(pathname);
    const route = routes[pathname];
    if (route) route(request, response);
    else response.writeHead(404).end('not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/feed/`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
