import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { UpdateCheckReply, UpdateState, UpdateStatus } from '../../../shared/contract/updates';
import { LocalBrainError } from '../../../shared/errors';
import { compareSha512, decideUpdate, feedFileName, type FeedFile, type HashCheck } from './decide';
import { feedFileUrl, fetchFeed } from './fetch-feed';

/** Automatic checks, when the person turned them on: at start and twice a day, like most desktop apps. */
export const autoCheckIntervalMs = 12 * 60 * 60_000;

export interface DownloadProgress {
  readonly percent: number;
  readonly transferredBytes: number;
  readonly totalBytes: number;
  readonly bytesPerSecond: number;
}

/**
 * What replaces the installed app: electron-updater's autoUpdater in the desktop app
 * (main/electron/update-installer.ts), absent in serve mode. It downloads from the same
 * feed folder (generic provider) and installs when the app quits.
 */
export interface UpdateInstaller {
  /**
   * Asks the person, outside the page (a native dialog), whether to download this version
   * from this host. The page can change the update address, so only this answer lets a
   * download start.
   */
  confirm(offer: { version: string; host: string }): Promise<boolean>;
  /** Downloads the feed's update; resolves with its version and the downloaded file. */
  download(
    feedUrl: string,
    onProgress: (progress: DownloadProgress) => void,
    signal: AbortSignal,
  ): Promise<{ version: string; file: string }>;
  /** Whether the downloaded update installs when LocalBrain quits (off again after a failed check). */
  setInstallOnQuit(install: boolean): void;
  /** Quits now and installs. */
  quitAndInstall(): void;
}

export interface UpdateServiceOptions {
  readonly currentVersion: string;
  readonly settings: { enabled(): boolean; url(): string };
  readonly logger: Logger;
  /** Absent in serve mode: every check answers Unavailable. */
  readonly installer?: UpdateInstaller;
  readonly platform?: NodeJS.Platform;
  /** The feed fetcher; https only (fetchFeed) unless a test gives its own. */
  readonly fetchText?: (url: URL, signal: AbortSignal) => Promise<string>;
}

export const serveModeReason =
  'Updates are for the desktop app; this LocalBrain runs in serve mode, which has no installer to replace.';

/** sha512 of a file, streamed (an installer is tens of MB). */
export async function fileSha512(file: string): Promise<Buffer> {
  const hash = createHash('sha512');
  await pipeline(createReadStream(file), hash);
  return hash.digest();
}

/**
 * The update flow, in plain Node: reads the feed only when the person turned automatic
 * checks on or asked, decides with decideUpdate, and lets the installer download only a
 * strictly newer version, whose file must match the feed's sha512 before it may install.
 */
export class UpdateService {
  readonly #options: UpdateServiceOptions;
  #state: UpdateState;
  #available: { version: string; file: FeedFile; feedUrl: string } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<UpdateCheckReply> | undefined;
  #stopped = new AbortController();

  constructor(options: UpdateServiceOptions) {
    this.#options = options;
    this.#state = this.#restingState();
  }

  #restingState(): UpdateState {
    if (!this.#options.installer) return { status: 'disabled', reason: serveModeReason };
    if (this.#options.settings.url() === '') return { status: 'disabled', reason: 'No update address is set.' };
    return this.#options.settings.enabled() ? { status: 'idle' } : { status: 'disabled', reason: 'Automatic checks are off.' };
  }

  status(): UpdateStatus {
    return {
      supported: this.#options.installer !== undefined,
      ...(this.#options.installer ? {} : { reason: serveModeReason }),
      currentVersion: this.#options.currentVersion,
      state: this.#state,
    };
  }

  /** Starts automatic checks when they are on; nothing touches the network otherwise. */
  start(): void {
    this.settingsChanged();
  }

  /** Re-reads the two settings: turning checks on checks now and schedules the next; turning them off stops the timer. */
  settingsChanged(): void {
    const active =
      this.#options.installer !== undefined && this.#options.settings.enabled() && this.#options.settings.url() !== '';
    if (!active) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      if (this.#state.status === 'idle' || this.#state.status === 'disabled') this.#state = this.#restingState();
      return;
    }
    if (this.#timer !== undefined) return;
    if (this.#state.status === 'disabled') this.#state = { status: 'idle' };
    this.#timer = setInterval(() => this.#automaticCheck(), autoCheckIntervalMs);
    this.#automaticCheck();
  }

  #automaticCheck(): void {
    this.check(this.#stopped.signal).catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, 'automatic update check failed');
    });
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopped.abort(new LocalBrainError('Unavailable', 'LocalBrain is stopping.'));
  }

  /** Reads the feed now. The person's click counts as consent even with automatic checks off. */
  check(signal: AbortSignal): Promise<UpdateCheckReply> {
    if (!this.#options.installer) throw new LocalBrainError('Unavailable', serveModeReason);
    this.#checking ??= this.#check(signal).finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(signal: AbortSignal): Promise<UpdateCheckReply> {
    const currentVersion = this.#options.currentVersion;
    const feedUrl = this.#options.settings.url();
    if (feedUrl === '') return { status: 'disabled', currentVersion, reason: 'No update address is set.' };
    if (this.#state.status === 'downloading' || this.#state.status === 'downloaded') {
      return { status: 'available', version: this.#state.version, currentVersion };
    }
    this.#state = { status: 'checking' };
    try {
      const url = feedFileUrl(feedUrl, feedFileName(this.#options.platform ?? process.platform));
      const fetchText = this.#options.fetchText ?? ((target, abort) => fetchFeed(target, { signal: abort }));
      const decision = decideUpdate(currentVersion, await fetchText(url, signal));
      const checkedAt = Date.now();
      switch (decision.kind) {
        case 'newer':
          this.#available = { version: decision.version, file: decision.file, feedUrl };
          this.#state = { status: 'available', checkedAt, version: decision.version };
          return { status: 'available', version: decision.version, currentVersion };
        case 'same':
        case 'older':
          this.#available = undefined;
          this.#state = { status: 'up-to-date', checkedAt, latest: decision.version };
          return { status: 'up-to-date', version: decision.version, currentVersion };
        case 'malformed':
          throw new LocalBrainError('Io', `The update feed could not be read: ${decision.reason}.`);
      }
    } catch (error) {
      const failure =
        error instanceof LocalBrainError
          ? error
          : new LocalBrainError('Io', 'The update check failed.', undefined, { cause: error });
      this.#state = { status: 'error', code: failure.code, message: failure.message };
      throw failure;
    }
  }

  /** Downloads the update the last check found; its file must match the feed's sha512, or it never installs. */
  async download(
    onProgress: (progress: DownloadProgress & { version: string }) => void,
    signal: AbortSignal,
  ): Promise<{ version: string }> {
    const installer = this.#options.installer;
    if (!installer) throw new LocalBrainError('Unavailable', serveModeReason);
    const available = this.#available;
    if (!available) throw new LocalBrainError('Conflict', 'No update is available; check for updates first.');
    if (this.#state.status === 'downloaded') return { version: available.version };
    if (this.#state.status === 'downloading') throw new LocalBrainError('Conflict', 'The update is already downloading.');
    const host = new URL(available.feedUrl).host;
    if (!(await installer.confirm({ version: available.version, host }))) {
      throw new LocalBrainError('PermissionDenied', `Downloading ${available.version} from ${host} was not confirmed.`);
    }
    this.#state = { status: 'downloading', version: available.version, percent: 0 };
    try {
      const downloaded = await installer.download(
        available.feedUrl,
        (progress) => {
          this.#state = { status: 'downloading', version: available.version, percent: progress.percent };
          onProgress({ ...progress, version: available.version });
        },
        signal,
      );
      if (downloaded.version !== available.version) {
        throw new LocalBrainError(
          'Conflict',
          `The server now offers ${downloaded.version}, not the ${available.version} that was checked.`,
        );
      }
      const check: HashCheck = compareSha512(await fileSha512(downloaded.file), available.file.sha512);
      if (check.kind === 'wrong-hash') {
        throw new LocalBrainError('Conflict', 'The downloaded update does not match its sha512; it will not be installed.', {
          expected: available.file.sha512,
          actual: check.actual,
        });
      }
      installer.setInstallOnQuit(true);
      this.#state = { status: 'downloaded', version: available.version };
      return { version: available.version };
    } catch (error) {
      installer.setInstallOnQuit(false);
      const failure =
        error instanceof LocalBrainError
          ? error
          : new LocalBrainError('Io', 'The update could not be downloaded.', undefined, { cause: error });
      this.#state = { status: 'error', code: failure.code, message: failure.message };
      throw failure;
    }
  }

  /** Quits and installs now; otherwise a downloaded update installs at the next quit. */
  install(): void {
    const installer = this.#options.installer;
    if (!installer) throw new LocalBrainError('Unavailable', serveModeReason);
    if (this.#state.status !== 'downloaded') throw new LocalBrainError('Conflict', 'No verified update has been downloaded.');
    installer.quitAndInstall();
  }
}
