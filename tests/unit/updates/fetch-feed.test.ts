import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalBrainError } from '../../../shared/errors';
import { decideUpdate, verifySha512 } from '../../../main/services/updates/decide';
import { feedFileUrl, fetchFeed, fetchHttps } from '../../../main/services/updates/fetch-feed';
import { loopbackCertificate, startFeedServer, type FeedRoute } from '../../support/https-feed';

const installer = Buffer.from('LocalBrain 1.3.0 installer bytes');
const installerSha512 = createHash('sha512').update(installer).digest('base64');

function feed(version: string, sha512 = installerSha512): string {
  return `version: ${version}\nfiles:\n  - url: LocalBrain-${version}.AppImage\n    sha512: ${sha512}\n    size: ${installer.length}\npath: LocalBrain-${version}.AppImage\n`;
}

const text =
  (body: string): FeedRoute =>
  (_request, response) =>
    response.writeHead(200, { 'content-type': 'text/yaml' }).end(body);

async function rejection(promise: Promise<unknown>): Promise<LocalBrainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LocalBrainError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('fetching and deciding against a local https update server', () => {
  let certificate: { key: string; cert: string };

  beforeAll(async () => {
    certificate = await loopbackCertificate();
  });

  async function withServer(routes: Record<string, FeedRoute>, body: (url: string, requests: string[]) => Promise<void>) {
    const server = await startFeedServer(certificate, routes);
    try {
      await body(server.url, server.requests);
    } finally {
      await server.close();
    }
  }

  const check = async (folder: string, current: string) =>
    decideUpdate(current, await fetchFeed(feedFileUrl(folder, 'latest-linux.yml'), { ca: certificate.cert }));

  it('newer, same and older', async () => {
    await withServer({ '/feed/latest-linux.yml': text(feed('1.3.0')) }, async (url, requests) => {
      expect(await check(url, '1.2.9')).toMatchObject({ kind: 'newer', version: '1.3.0' });
      expect(await check(url, '1.3.0')).toEqual({ kind: 'same', version: '1.3.0' });
      expect(await check(url, '1.4.0')).toEqual({ kind: 'older', version: '1.3.0' });
      expect(requests).toEqual(['/feed/latest-linux.yml', '/feed/latest-linux.yml', '/feed/latest-linux.yml']);
    });
  });

  it('a download whose bytes do not match the feed is a wrong hash; the right bytes verify', async () => {
    const tampered = Buffer.from(installer);
    tampered[3] = 0x21;
    await withServer(
      {
        '/feed/latest-linux.yml': text(feed('1.3.0')),
        '/feed/LocalBrain-1.3.0.AppImage': (_request, response) => response.writeHead(200).end(tampered),
        '/feed/good/LocalBrain-1.3.0.AppImage': (_request, response) => response.writeHead(200).end(installer),
      },
      async (url) => {
        const decision = await check(url, '1.0.0');
        if (decision.kind !== 'newer') throw new Error(`expected newer, got ${decision.kind}`);
        const options = { ca: certificate.cert, maxBytes: 1024 * 1024 };
        const downloaded = await fetchHttps(feedFileUrl(url, decision.file.url), options);
        expect(verifySha512(downloaded, decision.file.sha512)).toMatchObject({ kind: 'wrong-hash' });
        const good = await fetchHttps(feedFileUrl(`${url}good/`, decision.file.url), options);
        expect(verifySha512(good, decision.file.sha512)).toEqual({ kind: 'verified' });
      },
    );
  });

  it('malformed: HTML from a captive portal, truncated YAML, an oversized body', async () => {
    await withServer(
      {
        '/portal/latest-linux.yml': text('<html><body>Sign in to the Wi-Fi</body></html>'),
        '/cut/latest-linux.yml': text(feed('1.3.0').slice(0, 40)),
        '/big/latest-linux.yml': text(`${feed('1.3.0')}#${'x'.repeat(200_000)}\n`),
      },
      async (url) => {
        const root = new URL('/', url).href;
        expect(await check(`${root}portal/`, '1.0.0')).toMatchObject({ kind: 'malformed' });
        expect(await check(`${root}cut/`, '1.0.0')).toMatchObject({ kind: 'malformed' });
        expect((await rejection(check(`${root}big/`, '1.0.0'))).code).toBe('ValidationFailed');
      },
    );
  });

  it('a server that does not answer in time is a Timeout, and one that is missing the feed is NotFound', async () => {
    const held: { end: () => void }[] = [];
    await withServer(
      {
        '/feed/latest-linux.yml': (_request, response) => {
          // Headers sent, body never finished: a stalled server, not a refused connection.
          response.writeHead(200);
          response.write('version: 1');
          held.push({ end: () => response.end() });
        },
      },
      async (url) => {
        const started = performance.now();
        const error = await rejection(fetchFeed(feedFileUrl(url, 'latest-linux.yml'), { ca: certificate.cert, timeoutMs: 300 }));
        expect(error.code).toBe('Timeout');
        expect(performance.now() - started).toBeLessThan(10_000);
        expect((await rejection(fetchFeed(feedFileUrl(url, 'latest-mac.yml'), { ca: certificate.cert }))).code).toBe('NotFound');
      },
    );
    for (const response of held) response.end();
  });

  it('an untrusted certificate is refused (Io), never read', async () => {
    await withServer({ '/feed/latest-linux.yml': text(feed('1.3.0')) }, async (url) => {
      expect((await rejection(fetchFeed(feedFileUrl(url, 'latest-linux.yml')))).code).toBe('Io');
    });
  });

  it('refuses http and credentials before making any connection', async () => {
    let contacted = 0;
    const server = createServer((_request, response) => {
      contacted += 1;
      response.end(feed('9.0.0'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      for (const address of [
        `http://127.0.0.1:${port}/latest-linux.yml`,
        `https://user:secret@127.0.0.1:${port}/latest-linux.yml`,
        `ftp://127.0.0.1:${port}/latest-linux.yml`,
        `file:///etc/passwd`,
      ]) {
        expect((await rejection(fetchFeed(new URL(address)))).code, address).toBe('ValidationFailed');
      }
      expect(contacted).toBe(0);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('cancels when its signal aborts', async () => {
    await withServer({ '/feed/latest-linux.yml': () => undefined }, async (url) => {
      const controller = new AbortController();
      const pending = fetchFeed(feedFileUrl(url, 'latest-linux.yml'), { ca: certificate.cert, signal: controller.signal });
      controller.abort();
      expect((await rejection(pending)).code).toBe('Unavailable');
    });
  });
});

describe('feedFileUrl', () => {
  it('puts the file inside the folder whether or not the folder ends in a slash', () => {
    expect(feedFileUrl('https://updates.example/localbrain', 'latest-linux.yml').href).toBe(
      'https://updates.example/localbrain/latest-linux.yml',
    );
    expect(feedFileUrl('https://updates.example/localbrain/', 'latest-linux.yml').href).toBe(
      'https://updates.example/localbrain/latest-linux.yml',
    );
  });
});
