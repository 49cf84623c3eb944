import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { electronUpdateInstaller, type AutoUpdaterLike } from '../../../main/electron/update-installer';
import { LocalBrainError } from '../../../shared/errors';

/** Stands in for electron-updater's autoUpdater (it needs the Electron binary): records what it is told. */
class FakeAutoUpdater extends EventEmitter implements AutoUpdaterLike {
  autoDownload = true;
  autoInstallOnAppQuit = true;
  allowDowngrade = true;
  feeds: unknown[] = [];
  quits = 0;
  constructor(private readonly packaged = true) {
    super();
  }
  setFeedURL(options: { provider: 'generic'; url: string }) {
    this.feeds.push(options);
  }
  checkForUpdates() {
    return Promise.resolve(this.packaged ? { updateInfo: { version: '2.0.0' } } : null);
  }
  downloadUpdate() {
    this.emit('download-progress', { percent: 40, transferred: 4, total: 10, bytesPerSecond: 2, delta: 4 });
    this.emit('download-progress', { percent: 100, transferred: 10, total: 10, bytesPerSecond: 2, delta: 6 });
    return Promise.resolve(['/tmp/LocalBrain-2.0.0.AppImage']);
  }
  quitAndInstall() {
    this.quits += 1;
  }
}

describe('electronUpdateInstaller', () => {
  it('loads the updater only when first used, with no auto-download, no downgrade and no install before verification', async () => {
    const fake = new FakeAutoUpdater();
    let loads = 0;
    const installer = electronUpdateInstaller(
      () => {
        loads += 1;
        return Promise.resolve(fake);
      },
      () => Promise.resolve(true),
    );
    installer.setInstallOnQuit(true);
    installer.quitAndInstall();
    expect(loads).toBe(0);
    expect(fake.quits).toBe(0);

    const progress: number[] = [];
    const result = await installer.download(
      'https://updates.example/localbrain/',
      (step) => progress.push(step.percent),
      new AbortController().signal,
    );
    expect(result).toEqual({ version: '2.0.0', file: '/tmp/LocalBrain-2.0.0.AppImage' });
    expect(fake.feeds).toEqual([{ provider: 'generic', url: 'https://updates.example/localbrain/' }]);
    expect({
      autoDownload: fake.autoDownload,
      autoInstallOnAppQuit: fake.autoInstallOnAppQuit,
      allowDowngrade: fake.allowDowngrade,
    }).toEqual({
      autoDownload: false,
      autoInstallOnAppQuit: false,
      allowDowngrade: false,
    });
    expect(progress).toEqual([40, 100]);
    expect(fake.listenerCount('download-progress')).toBe(0);

    installer.setInstallOnQuit(true);
    expect(fake.autoInstallOnAppQuit).toBe(true);
    installer.quitAndInstall();
    expect(fake.quits).toBe(1);
    expect(loads).toBe(1);
  });

  it('an unpackaged app (electron-updater skips the check) is Unavailable', async () => {
    const installer = electronUpdateInstaller(
      () => Promise.resolve(new FakeAutoUpdater(false)),
      () => Promise.resolve(true),
    );
    const error: unknown = await installer
      .download('https://updates.example/', () => undefined, new AbortController().signal)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalBrainError);
    expect((error as LocalBrainError).code).toBe('Unavailable');
  });
});
