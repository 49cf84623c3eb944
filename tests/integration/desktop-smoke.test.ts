import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ipcChannels } from '../../shared/api';
import { tempDir } from '../support/temp';

/**
 * The Electron glue (main/index.ts and what it wires) run for real: the built
 * out/main/index.js under Node, with tests/support/fake-electron/ standing in for the
 * `electron` module through a module resolve hook. What this proves and what it cannot:
 * README.md, "Desktop smoke test".
 */

const root = path.resolve(import.meta.dirname, '../..');
const mainEntry = path.join(root, 'out/main/index.js');
const registerHook = path.join(root, 'tests/support/fake-electron/register.mjs');
const appPage = 'localbrain://app/index.html';
/** Generous: starting main opens and migrates a fresh encrypted database. */
const replyTimeoutMs = 20_000;
/** After app.exit a process that left nothing running ends by itself; the fake's backstop fires at 5 s. */
const drainTimeoutMs = 4_000;

interface Recorded {
  readonly api: string;
  readonly args: unknown[];
}

interface ExitReport {
  readonly code: number;
  readonly resources: string[];
  readonly baseline: string[];
  readonly descendants: { pid: number; state: string; comm: string }[];
}

type FromFake =
  | { kind: 'reply'; id: number; value?: unknown; error?: string }
  | { kind: 'record'; entry: Recorded }
  | ({ kind: 'exit' } & ExitReport);

/** The built main process with the stand-in electron, and the test's end of its IPC channel. */
class DesktopMain {
  readonly records: Recorded[] = [];
  stderr = '';
  exitReport: ExitReport | undefined;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #waiters = new Set<() => void>();
  #nextId = 1;

  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    child.on('message', (message: FromFake) => {
      if (message.kind === 'record') this.records.push(message.entry);
      else if (message.kind === 'exit') this.exitReport = message;
      else {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error !== undefined) pending?.reject(new Error(message.error));
        else pending?.resolve(message.value);
      }
      for (const wake of this.#waiters) wake();
    });
  }

  static start(options: { userData: string; workspace: string; home: string; env?: NodeJS.ProcessEnv }): DesktopMain {
    const child = spawn(process.execPath, ['--import', registerHook, mainEntry, '--workspace', options.workspace], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        PATH: process.env.PATH,
        // /bin/sh for the warm spare and an empty HOME: no slow startup files of this machine.
        HOME: options.home,
        SHELL: '/bin/sh',
        FAKE_ELECTRON_USER_DATA: options.userData,
        LOCALBRAIN_LOG_LEVEL: 'warn',
        ...options.env,
      },
    });
    return new DesktopMain(child);
  }

  command(cmd: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${cmd}: no reply in ${replyTimeoutMs} ms\n${this.stderr}`)),
        replyTimeoutMs,
      );
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, cmd, ...extra });
    });
  }

  invoke(message: unknown, frame: { url?: string; subFrame?: boolean } = {}): Promise<unknown> {
    return this.command('invoke', {
      channel: ipcChannels.invoke,
      url: frame.url ?? appPage,
      subFrame: frame.subFrame ?? false,
      message,
    });
  }

  recorded(api: string): Recorded[] {
    return this.records.filter((entry) => entry.api === api);
  }

  async waitFor(check: () => boolean, what: string): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`timed out waiting for ${what}\n${this.stderr}`));
      }, replyTimeoutMs);
      const wake = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      this.#waiters.add(wake);
    });
  }

  /** Waits for the process to end by itself; false if it had to be killed. */
  async ended(): Promise<boolean> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), drainTimeoutMs);
    const [, signal] = (await once(this.child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    return signal === null;
  }
}

/** Resources open at exit that were not open before main ran (a multiset difference). */
function leftOpen(report: ExitReport): string[] {
  const remaining = [...report.resources];
  for (const type of report.baseline) {
    const index = remaining.indexOf(type);
    if (index !== -1) remaining.splice(index, 1);
  }
  return remaining;
}

function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    // A zombie still has an entry; it is gone for this purpose only once reaped, so it counts as alive.
    return readFileSync(stat, 'utf8').length > 0;
  } catch {
    return false;
  }
}

describe('desktop smoke test: the built Electron main under a stand-in electron', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function folders() {
    const made = { userData: await tempDir(), workspace: await tempDir(), home: await tempDir() };
    cleanups.push(async () => {
      for (const folder of Object.values(made)) await folder.remove();
    });
    return { userData: made.userData.path, workspace: made.workspace.path, home: made.home.path };
  }

  function track(main: DesktopMain): DesktopMain {
    cleanups.push(async () => {
      if (main.child.exitCode === null && main.child.signalCode === null) {
        main.child.kill('SIGKILL');
        await once(main.child, 'exit');
      }
    });
    return main;
  }

  it('starts hardened, routes an allowed frame, refuses a foreign one, audits both, and stops leaving nothing', async () => {
    const dirs = await folders();
    const main = track(DesktopMain.start(dirs));

    // Before ready: the scheme is privileged, the sandbox on, the single-instance lock taken.
    await main.waitFor(() => main.recorded('app.requestSingleInstanceLock').length === 1, 'the single-instance lock');
    expect(main.recorded('app.requestSingleInstanceLock')[0]?.args).toEqual([true]);
    expect(main.recorded('app.enableSandbox')).toHaveLength(1);
    expect(main.recorded('protocol.registerSchemesAsPrivileged')[0]?.args).toEqual([
      [{ scheme: 'localbrain', privileges: { standard: true, secure: true, supportFetchAPI: true } }],
    ]);
    expect(main.recorded('new BrowserWindow')).toEqual([]);

    await main.command('ready');
    await main.waitFor(() => main.recorded('BrowserWindow.loadURL').length === 1, 'the window');

    // The window, with the hardened options, on the app's own page.
    const [created] = main.recorded('new BrowserWindow');
    expect(created?.args[0]).toMatchObject({
      show: false,
      webPreferences: {
        preload: path.join(root, 'out/preload/index.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        disableBlinkFeatures: 'Auxclick',
      },
    });
    expect(main.recorded('BrowserWindow.loadURL')[0]?.args).toEqual([appPage]);
    for (const api of [
      'session.setPermissionRequestHandler',
      'session.setPermissionCheckHandler',
      'session.setDevicePermissionHandler',
      'session.webRequest.onHeadersReceived',
      'webContents.setWindowOpenHandler',
    ]) {
      expect(main.recorded(api), api).toHaveLength(1);
    }
    expect(main.recorded('ipcMain.handle')[0]?.args).toEqual([ipcChannels.invoke]);
    // The key was wrapped by the (fake) keyring and the recovery key shown once.
    expect(main.recorded('safeStorage.encryptStringAsync')).toHaveLength(1);
    expect(existsSync(path.join(dirs.userData, 'db-key.json'))).toBe(true);
    expect(existsSync(path.join(dirs.userData, 'localbrain.db'))).toBe(true);

    // The app's page through the localbrain:// handler, with the CSP header; a traversal is not served.
    expect(await main.command('protocol', { url: appPage })).toMatchObject({
      status: 200,
      csp: expect.stringContaining("default-src 'none'") as unknown,
    });
    expect(await main.command('protocol', { url: 'localbrain://app/..%2f..%2fpackage.json' })).toMatchObject({ status: 404 });

    // Navigation stays on the app; a web link goes to the browser, never a new window.
    expect(await main.command('navigate', { url: 'https://evil.example/' })).toEqual({ prevented: true });
    expect(await main.command('navigate', { url: appPage })).toEqual({ prevented: false });
    expect(await main.command('windowOpen', { url: 'https://example.org/docs' })).toEqual({ action: 'deny' });
    expect(main.recorded('shell.openExternal')[0]?.args).toEqual(['https://example.org/docs']);

    // An invoke through the real ipcMain handler, from the app's top frame: a real reply envelope.
    const spawned = (await main.invoke({ type: 'PtySpawn', data: { cols: 80, rows: 24, shell: '/bin/sh' } })) as {
      ok: boolean;
      value?: { sessionId: string; pid: number };
    };
    expect(spawned).toMatchObject({ ok: true, value: { sessionId: expect.any(String) as unknown } });
    const listed = await main.invoke({ type: 'PtyList', data: {} });
    expect(listed).toMatchObject({ ok: true, value: { sessions: [{ sessionId: spawned.value?.sessionId, mine: true }] } });
    // Bad input is a ValidationFailed envelope, not a crash.
    expect(await main.invoke({ type: 'PtyList', data: { extra: 1 } })).toMatchObject({
      ok: false,
      error: { code: 'ValidationFailed' },
    });

    // The same message from a foreign page, from a sub-frame of the app, and from a look-alike: refused.
    for (const frame of [
      { url: 'https://evil.example/' },
      { url: appPage, subFrame: true },
      { url: 'localbrain://app.evil/index.html' },
      { url: 'file:///etc/passwd' },
    ]) {
      expect(await main.invoke({ type: 'PtyList', data: {} }, frame), JSON.stringify(frame)).toEqual({
        ok: false,
        error: { code: 'PermissionDenied', message: 'This page may not talk to LocalBrain.' },
      });
    }

    // The microphone: refused while speech is off (the default); granted to the app's page, audio
    // only, once a speech endpoint is set; never the camera, another page, or another permission.
    const microphone = { permission: 'media', url: appPage, mediaTypes: ['audio'] };
    expect(await main.command('permission', microphone)).toBe(false);
    expect(await main.command('permissionCheck', { permission: 'media', url: appPage, mediaType: 'audio' })).toBe(false);
    expect(
      await main.invoke({ type: 'SettingsSet', data: { values: { 'voice.speechEndpoint': 'http://127.0.0.1:8080' } } }),
    ).toMatchObject({ ok: true });
    expect(await main.command('permission', microphone)).toBe(true);
    expect(await main.command('permissionCheck', { permission: 'media', url: appPage, mediaType: 'audio' })).toBe(true);
    expect(await main.command('permission', { ...microphone, mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(await main.command('permission', { ...microphone, url: 'https://evil.example/' })).toBe(false);
    expect(await main.command('permission', { ...microphone, isMainFrame: false })).toBe(false);
    expect(await main.command('permission', { ...microphone, permission: 'geolocation' })).toBe(false);
    expect(await main.invoke({ type: 'SettingsSet', data: { values: { 'voice.speechEndpoint': '' } } })).toMatchObject({
      ok: true,
    });
    expect(await main.command('permission', microphone)).toBe(false);

    // The audit log has both: the window's requests and the refusals, under their actors.
    const audit = (await main.invoke({ type: 'AuditQuery', data: { limit: 50 } })) as {
      ok: boolean;
      value: { entries: { actor: string; type: string; outcome: string }[] };
    };
    expect(audit.ok).toBe(true);
    const entries = audit.value.entries;
    expect(entries).toContainEqual(expect.objectContaining({ actor: 'window:1', type: 'PtySpawn', outcome: 'ok' }));
    expect(entries).toContainEqual(expect.objectContaining({ actor: 'window:1', type: 'PtyList', outcome: 'ok' }));
    expect(entries.filter((entry) => entry.actor === 'untrusted:1' && entry.outcome === 'PermissionDenied')).toHaveLength(4);

    // A second launch focuses this window.
    await main.command('secondInstance');
    expect(main.recorded('BrowserWindow.focus')).toHaveLength(1);

    // Shells are running now (the one spawned and the warm spare).
    const running = (await main.command('descendants')) as { pid: number; comm: string }[];
    expect(running.map((entry) => entry.pid)).toContain(spawned.value?.pid);
    expect(running.length).toBeGreaterThanOrEqual(2);

    // Quit: before-quit is held while the core stops, then app.exit(0).
    await main.command('quit');
    await main.waitFor(() => main.exitReport !== undefined, 'the exit report');
    const report = main.exitReport;
    if (!report) throw new Error('no exit report');
    expect(report.code).toBe(0);
    expect(main.recorded('ipcMain.removeHandler')[0]?.args).toEqual([ipcChannels.invoke]);
    expect(leftOpen(report)).toEqual([]);
    expect(report.descendants).toEqual([]);
    expect(await main.ended()).toBe(true);
    expect(main.child.exitCode).toBe(0);
    expect(main.stderr).not.toContain('forced exit');
    for (const { pid } of running) expect(alive(pid), `shell ${pid}`).toBe(false);
  });

  it('restores the window where it was, clamped to the displays there now; reloads a crashed renderer; keeps updates off the network', async () => {
    const dirs = await folders();
    const twoMonitors = JSON.stringify([
      { x: 0, y: 0, width: 1920, height: 1050 },
      { x: -2560, y: -300, width: 2560, height: 1400 },
    ]);
    const first = track(DesktopMain.start({ ...dirs, env: { FAKE_ELECTRON_DISPLAYS: twoMonitors } }));
    await first.command('ready');
    await first.waitFor(() => first.recorded('BrowserWindow.loadURL').length === 1, 'the window');
    // No saved state yet: the default size, centred by Electron.
    expect(first.recorded('new BrowserWindow')[0]?.args[0]).toMatchObject({ width: 1280, height: 800 });
    expect(first.recorded('new BrowserWindow')[0]?.args[0]).not.toHaveProperty('x');

    // Updates: off, nothing set, so a check answers "disabled" without any request.
    expect(await first.invoke({ type: 'UpdateStatus', data: {} })).toMatchObject({
      ok: true,
      value: { supported: true, state: { status: 'disabled' } },
    });
    expect(await first.invoke({ type: 'UpdateCheck', data: {} })).toMatchObject({ ok: true, value: { status: 'disabled' } });
    expect(
      await first.invoke({ type: 'SettingsSet', data: { values: { 'updates.url': 'http://updates.example/' } } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'ValidationFailed' },
    });

    // The person drags the window onto the left monitor (negative coordinates) and resizes it.
    await first.command('moveWindow', { bounds: { x: -2300, y: -200, width: 1500, height: 900 } });
    // The renderer crashes: main reloads the page after a short delay; the terminals stay.
    const spawned = (await first.invoke({ type: 'PtySpawn', data: { cols: 80, rows: 24, shell: '/bin/sh' } })) as {
      value?: { sessionId: string };
    };
    await first.command('crashRenderer', { reason: 'crashed' });
    await first.waitFor(() => first.recorded('webContents.reload').length === 1, 'the reload');
    expect(await first.invoke({ type: 'PtyList', data: {} })).toMatchObject({
      ok: true,
      value: { sessions: [{ sessionId: spawned.value?.sessionId, mine: true }] },
    });
    // Closing the window saves its state at once (no 500 ms wait) and quits (Linux).
    await first.command('closeWindow');
    await first.waitFor(() => first.exitReport !== undefined, 'the exit report');
    expect(await first.ended()).toBe(true);
    expect(first.exitReport?.code).toBe(0);
    // Kept in the encrypted database, not in a file of its own.
    expect(readdirSync(dirs.userData).filter((name) => /window|state/i.test(name))).toEqual([]);

    // Next launch with the left monitor still there: the same place and size.
    const second = track(DesktopMain.start({ ...dirs, env: { FAKE_ELECTRON_DISPLAYS: twoMonitors } }));
    await second.command('ready');
    await second.waitFor(() => second.recorded('BrowserWindow.loadURL').length === 1, 'the window');
    expect(second.recorded('new BrowserWindow')[0]?.args[0]).toMatchObject({ x: -2300, y: -200, width: 1500, height: 900 });
    // Three crashes inside a minute: two reloads, then an error box instead of a third.
    for (let crash = 0; crash < 3; crash += 1) await second.command('crashRenderer', { reason: 'oom' });
    await second.waitFor(() => second.recorded('dialog.showErrorBox').length === 1, 'the error box');
    expect(second.recorded('dialog.showErrorBox')[0]?.args[0]).toBe('LocalBrain keeps crashing');
    await second.command('quit');
    await second.waitFor(() => second.exitReport !== undefined, 'the exit report');
    expect(await second.ended()).toBe(true);
    expect(second.recorded('webContents.reload').length).toBeLessThanOrEqual(1);

    // The left monitor unplugged: the window comes back whole on the remaining display.
    const third = track(DesktopMain.start(dirs));
    await third.command('ready');
    await third.waitFor(() => third.recorded('BrowserWindow.loadURL').length === 1, 'the window');
    const options = third.recorded('new BrowserWindow')[0]?.args[0] as { x: number; y: number; width: number; height: number };
    expect(options).toMatchObject({ width: 1500, height: 900 });
    expect(options.x).toBeGreaterThanOrEqual(0);
    expect(options.y).toBeGreaterThanOrEqual(0);
    expect(options.x + options.width).toBeLessThanOrEqual(1920);
    expect(options.y + options.height).toBeLessThanOrEqual(1050);
    await third.command('quit');
    await third.waitFor(() => third.exitReport !== undefined, 'the exit report');
    expect(await third.ended()).toBe(true);
    expect(third.exitReport?.descendants).toEqual([]);
  });

  it('quits at once, opening nothing, when another instance holds the lock', async () => {
    const dirs = await folders();
    const main = track(DesktopMain.start({ ...dirs, env: { FAKE_ELECTRON_LOCK: 'taken' } }));
    await main.waitFor(() => main.exitReport !== undefined, 'the exit report');
    expect(await main.ended()).toBe(true);
    expect(main.recorded('app.requestSingleInstanceLock')[0]?.args).toEqual([false]);
    expect(main.recorded('app.quit')).toHaveLength(1);
    for (const api of ['new BrowserWindow', 'ipcMain.handle', 'app.getPath', 'protocol.handle']) {
      expect(main.recorded(api), api).toEqual([]);
    }
    expect(existsSync(path.join(dirs.userData, 'localbrain.db'))).toBe(false);
    expect(main.exitReport?.descendants).toEqual([]);
  });
});
