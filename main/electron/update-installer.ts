import { LocalBrainError } from '../../shared/errors';
import type { DownloadProgress, UpdateInstaller } from '../services/updates/update-service';

interface ProgressInfo {
  readonly percent: number;
  readonly transferred: number;
  readonly total: number;
  readonly bytesPerSecond: number;
}

/** The parts of electron-updater's autoUpdater this uses; a fake in tests, the real one in main/index.ts. */
export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdates(): Promise<{ updateInfo: { version: string } } | null>;
  downloadUpdate(): Promise<string[]>;
  quitAndInstall(): void;
  on(event: 'download-progress', listener: (info: ProgressInfo) => void): unknown;
  removeListener(event: 'download-progress', listener: (info: ProgressInfo) => void): unknown;
}

/**
 * electron-updater behind the UpdateInstaller port: generic provider at the person's https
 * feed folder, never downloading on its own, never downgrading. It installs on quit only
 * once UpdateService has checked the file against the feed's sha512 (electron-updater
 * checks it too), so `autoInstallOnAppQuit` starts off and is turned on then.
 * `load` imports electron-updater on first use, so nothing of it runs until the person acts.
 */
export function electronUpdateInstaller(
  load: () => Promise<AutoUpdaterLike>,
  confirm: (offer: { version: string; host: string }) => Promise<boolean>,
): UpdateInstaller {
  let updater: AutoUpdaterLike | undefined;
  const ready = async () => {
    if (updater) return updater;
    const loaded = await load();
    loaded.autoDownload = false;
    loaded.autoInstallOnAppQuit = false;
    loaded.allowDowngrade = false;
    updater = loaded;
    return loaded;
  };
  return {
    confirm,
    async download(feedUrl, onProgress, signal) {
      const autoUpdater = await ready();
      autoUpdater.setFeedURL({ provider: 'generic', url: feedUrl });
      const checked = await autoUpdater.checkForUpdates();
      if (checked === null) {
        throw new LocalBrainError(
          'Unavailable',
          'Updates install only into a packaged LocalBrain (an AppImage, deb, rpm, dmg or installer).',
        );
      }
      signal.throwIfAborted();
      const listener = (info: ProgressInfo) => {
        const progress: DownloadProgress = {
          percent: info.percent,
          transferredBytes: info.transferred,
          totalBytes: info.total,
          bytesPerSecond: info.bytesPerSecond,
        };
        onProgress(progress);
      };
      autoUpdater.on('download-progress', listener);
      try {
        const [file] = await autoUpdater.downloadUpdate();
        if (file === undefined) throw new LocalBrainError('Io', 'The update download produced no file.');
        return { version: checked.updateInfo.version, file };
      } finally {
        autoUpdater.removeListener('download-progress', listener);
      }
    },
    setInstallOnQuit(install) {
      if (updater) updater.autoInstallOnAppQuit = install;
    },
    quitAndInstall() {
      updater?.quitAndInstall();
    },
  };
}
