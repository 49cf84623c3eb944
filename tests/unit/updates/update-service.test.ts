import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalBrainError } from '../../../shared/errors';
import { feedFileUrl, fetchFeed, fetchHttps } from '../../../main/services/updates/fetch-feed';
import { UpdateService, type DownloadProgress, type UpdateInstaller } from '../../../main/services/updates/update-service';
import { loopbackCertificate, startFeedServer, type FeedRoute } from '../../support/https-feed';
import { capturingLogger } from '../../support/logger';
import { tempDir } from '../../support/temp';

const installerBytes = Buffer.from('LocalBrain 2.0.0 AppImage');
const sha512 = createHash('sha512').update(installerBytes).digest('base64');
const feedText = `version: 2.0.0\nfiles:\n  - url: LocalBrain-2.0.0.AppImage\n    sha512: ${sha512}\n    size: ${installerBytes.length}\n`;

const serveText =
  (body: string | Buffer): FeedRoute =>
  (_request, response) =>
    response.writeHead(200).end(body);

/**
 * Stands in for electron-updater (which needs the Electron binary): downloads the feed's file
 * over the same https server into a real file and reports progress as electron-updater does.
 */
class HttpsInstaller implements UpdateInstaller {
  installOnQuit: boolean[] = [];
  quits = 0;
  offers: { version: string; host: string }[] = [];
  answer = true;
  constructor(
    private readonly ca: string,
    private readonly dir: string,
    private readonly fileName = 'LocalBrain-2.0.0.AppImage',
  ) {}

  confirm(offer: { version: string; host: string }) {
    this.offers.push(offer);
    return Promise.resolve(this.answer);
  }

  async download(feedUrl: string, onProgress: (progress: DownloadProgress) => void, signal: AbortSignal) {
    const bytes = await fetchHttps(feedFileUrl(feedUrl, this.fileName), { ca: this.ca, signal, maxBytes: 1024 * 1024 });
    onProgress({ percent: 50, transferredBytes: bytes.length / 2, totalBytes: bytes.length, bytesPerSecond: 1000 });
    onProgress({ percent: 100, transferredBytes: bytes.length, totalBytes: bytes.length, bytesPerSecond: 1000 });
    const file = path.join(this.dir, 'download.AppImage');
    await writeFile(file, bytes);
    return { version: '2.0.0', file };
  }

  setInstallOnQuit(install: boolean) {
    this.installOnQuit.push(install);
  }

  quitAndInstall() {
    this.quits += 1;
  }
}

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<LocalBrainError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof LocalBrainError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('UpdateService', () => {
  let certificate: { key: string; cert: string };
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    certificate = await loopbackCertificate();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: {
    enabled: boolean;
    routes?: Record<string, FeedRoute>;
    installer?: 'https' | 'none';
    fileName?: string;
  }) {
    const server = await startFeedServer(certificate, options.routes ?? { '/feed/latest-linux.yml': serveText(feedText) });
    cleanups.push(() => server.close());
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    const installer = options.installer === 'none' ? undefined : new HttpsInstaller(certificate.cert, dir.path, options.fileName);
    const settings = { enabled: options.enabled, url: server.url };
    const service = new UpdateService({
      currentVersion: '1.0.0',
      settings: { enabled: () => settings.enabled, url: () => settings.url },
      logger: capturingLogger().logger,
      platform: 'linux',
      fetchText: (url, signal) => fetchFeed(url, { ca: certificate.cert, signal }),
      ...(installer ? { installer } : {}),
    });
    cleanups.push(() => service.stop());
    return { server, service, installer, settings };
  }

  it('off by default: starting contacts nothing; the person clicking Check does', async () => {
    const { server, service } = await setup({ enabled: false });
    service.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.requests).toEqual([]);
    expect(service.status().state).toEqual({ status: 'disabled', reason: 'Automatic checks are off.' });
    expect(await service.check(new AbortController().signal)).toEqual({
      status: 'available',
      version: '2.0.0',
      currentVersion: '1.0.0',
    });
    expect(server.requests).toEqual(['/feed/latest-linux.yml']);
  });

  it('turned on, it checks at start; turning it off stops further checks', async () => {
    const { server, service, settings } = await setup({ enabled: true });
    service.start();
    await expect.poll(() => service.status().state.status).toBe('available');
    expect(server.requests).toEqual(['/feed/latest-linux.yml']);
    settings.enabled = false;
    service.settingsChanged();
    settings.enabled = true;
    service.settingsChanged();
    await expect.poll(() => server.requests.length).toBe(2);
  });

  it('no address set: the check says disabled without a request', async () => {
    const { server, service, settings } = await setup({ enabled: true });
    settings.url = '';
    service.start();
    expect(await service.check(new AbortController().signal)).toMatchObject({ status: 'disabled' });
    expect(server.requests).toEqual([]);
  });

  it('downloads nothing unless the person confirms the version and host', async () => {
    const { service, installer, server } = await setup({
      enabled: false,
      routes: { '/feed/latest-linux.yml': serveText(feedText), '/feed/LocalBrain-2.0.0.AppImage': serveText(installerBytes) },
    });
    if (!installer) throw new Error('no installer');
    installer.answer = false;
    const signal = new AbortController().signal;
    await service.check(signal);
    expect((await rejection(service.download(() => undefined, signal))).code).toBe('PermissionDenied');
    expect(server.requests).toEqual(['/feed/latest-linux.yml']);
    expect(installer.installOnQuit).toEqual([]);
    expect(service.status().state.status).toBe('available');
  });

  it('downloads with progress, verifies the sha512, and installs on quit', async () => {
    const { service, installer, server } = await setup({
      enabled: false,
      routes: { '/feed/latest-linux.yml': serveText(feedText), '/feed/LocalBrain-2.0.0.AppImage': serveText(installerBytes) },
    });
    const signal = new AbortController().signal;
    expect((await rejection(service.download(() => undefined, signal))).code).toBe('Conflict');
    await service.check(signal);
    const progress: number[] = [];
    expect(await service.download((step) => progress.push(step.percent), signal)).toEqual({ version: '2.0.0' });
    expect(progress).toEqual([50, 100]);
    expect(installer?.offers).toEqual([{ version: '2.0.0', host: new URL(server.url).host }]);
    expect(installer?.installOnQuit).toEqual([true]);
    expect(service.status().state).toEqual({ status: 'downloaded', version: '2.0.0' });
    service.install();
    expect(installer?.quits).toBe(1);
  });

  it('a download that does not match the feed sha512 is refused and never installs', async () => {
    const { service, installer } = await setup({
      enabled: false,
      routes: {
        '/feed/latest-linux.yml': serveText(feedText),
        '/feed/LocalBrain-2.0.0.AppImage': serveText(Buffer.from('LocalBrain 2.0.0 AppImagE')),
      },
    });
    const signal = new AbortController().signal;
    await service.check(signal);
    const error = await rejection(service.download(() => undefined, signal));
    expect(error.code).toBe('Conflict');
    expect(error.message).toContain('sha512');
    expect(installer?.installOnQuit).toEqual([false]);
    expect(service.status().state).toMatchObject({ status: 'error', code: 'Conflict' });
    expect((await rejection(() => service.install())).code).toBe('Conflict');
    expect(installer?.quits).toBe(0);
  });

  it('up to date, malformed and missing feeds', async () => {
    const { service, settings, server } = await setup({
      enabled: false,
      routes: {
        '/feed/latest-linux.yml': serveText(feedText.replace('2.0.0', '1.0.0')),
        '/bad/latest-linux.yml': serveText('<html>captive portal</html>'),
      },
    });
    const signal = new AbortController().signal;
    expect(await service.check(signal)).toMatchObject({ status: 'up-to-date', version: '1.0.0' });
    settings.url = new URL('/bad/', server.url).href;
    expect((await rejection(service.check(signal))).code).toBe('Io');
    expect(service.status().state).toMatchObject({ status: 'error', code: 'Io' });
    settings.url = new URL('/none/', server.url).href;
    expect((await rejection(service.check(signal))).code).toBe('NotFound');
  });

  it('in serve mode every check is Unavailable and nothing is contacted', async () => {
    const { service, server } = await setup({ enabled: true, installer: 'none' });
    service.start();
    expect(service.status()).toMatchObject({ supported: false, state: { status: 'disabled' } });
    expect((await rejection(() => service.check(new AbortController().signal))).code).toBe('Unavailable');
    expect((await rejection(service.download(() => undefined, new AbortController().signal))).code).toBe('Unavailable');
    expect(server.requests).toEqual([]);
  });
});
