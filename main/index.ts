/**
 * Electron glue, kept thin: app lifecycle, the window, its security settings, and the
 * IPC transport. Everything else lives in the core and is tested under plain Node.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, net, protocol, safeStorage, screen, session, shell } from 'electron';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createCore, type Core } from './core';
import { appEntryUrl, appScheme, builtAppLocation, type AppLocation } from './electron/app-origin';
import { resolveAppFile } from './electron/app-files';
import { contentSecurityPolicy, hardenSession, lockNavigation } from './electron/security';
import { createMainWindow } from './electron/window';
import { desktopStorageOptions } from './electron/key-wrap';
import { createAppLogging } from './logging';
import { registerElectronTransport } from './transport/electron';
import { appVersion } from './version';
import { clampToDisplays } from './electron/window-bounds';
import { trackWindowState } from './electron/window-state';
import { recoverFromRendererCrashes } from './electron/renderer-crash';
import { electronUpdateInstaller, type AutoUpdaterLike } from './electron/update-installer';
import { WindowStateStore } from './services/window/window-state-store';

/** How long quitting waits for services to release their resources before exiting anyway. */
const shutdownBudgetMs = 5_000;

const { logger, destination: logDestination } = createAppLogging();
const devServer = process.env.ELECTRON_RENDERER_URL;
const location: AppLocation =
  !app.isPackaged && devServer ? { kind: 'dev', origin: new URL(devServer).origin } : builtAppLocation();
const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

protocol.registerSchemesAsPrivileged([
  { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
app.enableSandbox();

let core: Core | undefined;
let mainWindow: BrowserWindow | undefined;
let detachLogFile: (() => void) | undefined;
let disposeTransport: (() => void) | undefined;

function workspacesFromArgs(): string[] {
  const { values } = parseArgs({
    args: process.argv.slice(app.isPackaged ? 1 : 2),
    options: { workspace: { type: 'string', multiple: true } },
    strict: false,
  });
  return (values.workspace ?? []).filter((value): value is string => typeof value === 'string');
}

/** The OS folder dialog: the only way a folder becomes a workspace root in the desktop app. */
async function pickFolder(): Promise<string | undefined> {
  const options: Electron.OpenDialogOptions = {
    title: 'Grant LocalBrain a folder',
    properties: ['openDirectory', 'createDirectory'],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? undefined : result.filePaths[0];
}

/** electron-updater, imported on first use: nothing of it loads until the person downloads an update. */
async function loadAutoUpdater(): Promise<AutoUpdaterLike> {
  const updater = await import('electron-updater');
  return updater.default.autoUpdater;
}

/** The person, not the page, agrees to a download: the page can change the update address. */
async function confirmUpdate(offer: { version: string; host: string }): Promise<boolean> {
  const options: Electron.MessageBoxOptions = {
    type: 'question',
    title: 'Download update',
    message: `Download LocalBrain ${offer.version} from ${offer.host}?`,
    detail: 'It installs when LocalBrain quits, after its sha512 matches the update feed.',
    buttons: ['Cancel', 'Download'],
    defaultId: 0,
    cancelId: 0,
  };
  const result = mainWindow ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
  return result.response === 1;
}

/**
 * The main window at its saved size and place (kept in the encrypted database, clamped to a
 * display that is still there), saving them as it moves, and reloading its page when the
 * renderer process dies (the page reattaches the running terminals when it loads).
 */
function createWindow(windowState: WindowStateStore): BrowserWindow {
  const saved = windowState.load();
  const primary = screen.getPrimaryDisplay();
  const workAreas = [primary, ...screen.getAllDisplays().filter((display) => display.id !== primary.id)].map(
    (display) => display.workArea,
  );
  const window = createMainWindow(BrowserWindow, preloadPath, saved ? clampToDisplays(saved.bounds, workAreas) : undefined);
  if (saved?.maximized) window.maximize();
  const stopTracking = trackWindowState(
    window,
    (state) => windowState.save(state),
    (error) => logger.warn({ err: error }, 'window state could not be saved'),
  );
  const stopRecovering = recoverFromRendererCrashes(window.webContents, {
    onCrash: (details, action) =>
      logger.error({ reason: details.reason, exitCode: details.exitCode, action }, 'the window renderer process is gone'),
    onGiveUp: (details) =>
      dialog.showErrorBox(
        'LocalBrain keeps crashing',
        `The window's renderer stopped three times within a minute (last: ${details.reason}), so LocalBrain stopped reloading it. Your terminals are still running; close and reopen the window, or quit LocalBrain.`,
      ),
  });
  window.on('closed', () => {
    stopTracking();
    stopRecovering();
    mainWindow = undefined;
  });
  void window.loadURL(appEntryUrl(location));
  return window;
}

async function start(): Promise<void> {
  await app.whenReady();
  // The microphone is granted to the app's page only while a speech endpoint is set (before the core opens: none is).
  hardenSession(session.defaultSession, location, {
    speechEnabled: () => (core?.storage.settings.get('voice.speechEndpoint') ?? '') !== '',
  });
  protocol.handle(appScheme, async (request) => {
    const file = resolveAppFile(rendererDir, request.url);
    if (file === undefined) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy(location));
    return new Response(response.body, { status: response.status, headers });
  });
  app.on('web-contents-created', (_event, contents) => {
    lockNavigation(contents, location, (url) => void shell.openExternal(url));
  });
  const dataDir = app.getPath('userData');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const storage = await desktopStorageOptions({
    userDataDir: dataDir,
    safeStorage,
    surfaces: {
      showMessageBox: (options) => dialog.showMessageBox(options),
      writeClipboard: (text) => clipboard.writeText(text),
      env: process.env,
    },
  });
  core = await createCore({
    ...storage,
    dataDir,
    workspaces: workspacesFromArgs(),
    logger,
    transport: 'electron',
    version: appVersion,
    pickFolder,
    trashItem: (target) => shell.trashItem(target),
    updateInstaller: electronUpdateInstaller(loadAutoUpdater, confirmUpdate),
  });
  detachLogFile = logDestination.attachFile({ dir: path.join(dataDir, 'logs'), key: core.storage.logKey() });
  disposeTransport = registerElectronTransport({ ipcMain, dispatcher: core.dispatcher, location, logger });
  const windowState = new WindowStateStore(core.storage.database);
  mainWindow = createWindow(windowState);
  app.on('activate', () => {
    mainWindow ??= createWindow(windowState);
  });
}

async function shutdown(): Promise<void> {
  disposeTransport?.();
  const timer = setTimeout(() => {
    logger.error('services did not stop in time; exiting');
    app.exit(1);
  }, shutdownBudgetMs);
  try {
    const report = await core?.dispose();
    if (report)
      logger.info({ totalMs: Math.round(report.totalMs), forced: report.forced, services: report.services }, 'shutdown report');
    detachLogFile?.();
  } finally {
    clearTimeout(timer);
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) {
      // Quitting again while services stop: stop waiting for them.
      core?.forceDispose();
      return;
    }
    quitting = true;
    event.preventDefault();
    void shutdown().finally(() => app.exit(0));
  });
  start().catch((error: unknown) => {
    logger.fatal({ err: error }, 'LocalBrain could not start');
    // A database that would not open says which file and what to do; show that, not a silent exit.
    if (error instanceof Error) dialog.showErrorBox('LocalBrain could not start', error.message);
    app.exit(1);
  });
}
