// A stand-in for the `electron` module, so the built main process (out/main/index.js) can run
// under plain Node where the Electron binary cannot be installed. It fakes only what
// main/index.ts and its glue touch, records every call it gets, and is driven by the test
// over Node's IPC channel (the process is spawned with an 'ipc' stdio slot):
//
//   test → fake  { id, cmd: 'ready' | 'invoke' | 'protocol' | 'navigate' | 'window-open' | 'quit' | 'records', ... }
//   fake → test  { kind: 'reply', id, value } | { kind: 'reply', id, error }
//                { kind: 'record', entry }            every call main made, as it happens
//                { kind: 'exit', code, resources, baseline, descendants }   when main calls app.exit
//
// It proves that the glue starts, routes and stops. It cannot prove anything about
// Chromium: the sandbox, context isolation, the CSP as enforced, the preload.
import { EventEmitter } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** What was open before main ran (stdio, the IPC channel); what is left at exit is compared with it. Set at the end of this module. */
let baselineResources = [];

const records = [];

/** Functions and Buffers do not cross the IPC channel; keep their kind only. */
function serializable(value, depth = 0) {
  if (typeof value === 'function') return '[function]';
  if (Buffer.isBuffer(value)) return `[buffer ${value.length}]`;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return '[deep]';
  if (Array.isArray(value)) return value.map((item) => serializable(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, serializable(item, depth + 1)]));
}

function send(message) {
  if (process.connected) process.send(message);
}

function record(api, ...args) {
  const entry = { api, args: serializable(args) };
  records.push(entry);
  send({ kind: 'record', entry });
}

/** Every process whose parent chain leads to this one (Linux /proc). */
function descendants() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; fields after it are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), {
        ppid: Number(fields[1]),
        state: fields[0],
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      });
    } catch {
      // Gone while reading.
    }
  }
  const found = [];
  const queue = [process.pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [pid, info] of parents) {
      if (info.ppid === parent) {
        found.push({ pid, state: info.state, comm: info.comm });
        queue.push(pid);
      }
    }
  }
  return found;
}

let webContentsCount = 0;

class FakeWebContents extends EventEmitter {
  constructor() {
    super();
    webContentsCount += 1;
    this.id = webContentsCount;
    this.sent = [];
    this.windowOpenHandler = undefined;
    this.destroyed = false;
    this.url = '';
  }

  getURL() {
    return this.url;
  }

  send(channel, payload) {
    this.sent.push({ channel, payload });
  }

  isDestroyed() {
    return this.destroyed;
  }

  /** Chromium would start a new renderer and load the page again. */
  reload() {
    record('webContents.reload');
  }

  setWindowOpenHandler(handler) {
    record('webContents.setWindowOpenHandler', handler);
    this.windowOpenHandler = handler;
  }
}

const windows = [];

class FakeApp extends EventEmitter {
  isPackaged = false;
  #ready;
  #markReady;
  #exited = false;

  constructor() {
    super();
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
  }

  enableSandbox() {
    record('app.enableSandbox');
  }

  requestSingleInstanceLock() {
    const granted = process.env.FAKE_ELECTRON_LOCK !== 'taken';
    record('app.requestSingleInstanceLock', granted);
    return granted;
  }

  whenReady() {
    return this.#ready;
  }

  markReady() {
    this.#markReady();
    this.emit('ready');
  }

  getPath(name) {
    record('app.getPath', name);
    if (name !== 'userData') throw new Error(`the fake has no path for ${name}`);
    const dir = process.env.FAKE_ELECTRON_USER_DATA;
    if (!dir) throw new Error('FAKE_ELECTRON_USER_DATA is not set');
    return dir;
  }

  getVersion() {
    return '0.0.0-fake';
  }

  /** As Electron: before-quit (cancellable), then will-quit, quit and exit. */
  quit() {
    record('app.quit');
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.emit('will-quit', { preventDefault: () => undefined });
    this.emit('quit', {}, 0);
    this.exit(0);
  }

  /**
   * Electron exits at once. The fake reports what is still open first (compared with what was
   * open before main ran), closes its IPC channel, and lets Node's loop drain: a process that
   * left nothing running ends by itself. A backstop exit (unref'd, so it keeps nothing alive)
   * follows in case something does remain; the report has already said what.
   */
  exit(code = 0) {
    if (this.#exited) return;
    this.#exited = true;
    record('app.exit', code);
    process.exitCode = code;
    // Let handles closed during shutdown finish closing before counting.
    setTimeout(() => {
      send({
        kind: 'exit',
        code,
        resources: process.getActiveResourcesInfo(),
        baseline: baselineResources,
        descendants: descendants(),
      });
      if (process.connected) process.disconnect();
      setTimeout(() => {
        process.stderr.write('fake-electron: forced exit, something kept the loop alive\n');
        process.exit(code);
      }, 5_000).unref();
    }, 100).unref();
  }
}

export const app = new FakeApp();

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    record('new BrowserWindow', options);
    this.options = options;
    this.webContents = new FakeWebContents();
    this.minimized = false;
    this.maximized = false;
    // Electron centres a window created without x and y on the primary display.
    const primary = screen.getPrimaryDisplay().workArea;
    this.bounds = {
      x: options.x ?? primary.x + Math.round((primary.width - options.width) / 2),
      y: options.y ?? primary.y + Math.round((primary.height - options.height) / 2),
      width: options.width,
      height: options.height,
    };
    windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }

  show() {
    record('BrowserWindow.show');
  }

  loadURL(url) {
    record('BrowserWindow.loadURL', url);
    this.webContents.url = url;
    return Promise.resolve();
  }

  isMinimized() {
    return this.minimized;
  }

  isMaximized() {
    return this.maximized;
  }

  maximize() {
    record('BrowserWindow.maximize');
    this.maximized = true;
    this.emit('maximize');
  }

  getNormalBounds() {
    return { ...this.bounds };
  }

  /** The person dragging the window: many move events, as Electron sends while it moves. */
  setBounds(bounds) {
    this.bounds = { ...this.bounds, ...bounds };
    this.emit('move');
    this.emit('resize');
  }

  close() {
    record('BrowserWindow.close');
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.webContents.destroyed = true;
    this.webContents.emit('destroyed');
    this.emit('closed');
    const index = windows.indexOf(this);
    if (index !== -1) windows.splice(index, 1);
    if (windows.length === 0) app.emit('window-all-closed');
  }

  restore() {
    record('BrowserWindow.restore');
  }

  focus() {
    record('BrowserWindow.focus');
  }
}

/**
 * The displays, primary first: FAKE_ELECTRON_DISPLAYS holds their work areas as JSON,
 * otherwise one 1920×1050 display at the origin.
 */
const displayAreas = JSON.parse(process.env.FAKE_ELECTRON_DISPLAYS ?? '[{"x":0,"y":0,"width":1920,"height":1050}]');
const displays = displayAreas.map((workArea, index) => ({ id: index + 1, workArea, bounds: workArea }));

export const screen = {
  getPrimaryDisplay() {
    return displays[0];
  },
  getAllDisplays() {
    record('screen.getAllDisplays');
    return displays;
  },
};

const invokeHandlers = new Map();

export const ipcMain = {
  handle(channel, handler) {
    record('ipcMain.handle', channel);
    invokeHandlers.set(channel, handler);
  },
  removeHandler(channel) {
    record('ipcMain.removeHandler', channel);
    invokeHandlers.delete(channel);
  },
};

const protocolHandlers = new Map();

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    record('protocol.registerSchemesAsPrivileged', schemes);
  },
  handle(scheme, handler) {
    record('protocol.handle', scheme);
    protocolHandlers.set(scheme, handler);
  },
};

export const net = {
  /** Only the file: URLs the protocol handler asks for. */
  async fetch(url) {
    record('net.fetch', url);
    if (!url.startsWith('file:')) return new Response('the fake fetches only files', { status: 500 });
    try {
      return new Response(await readFile(fileURLToPath(url)), { status: 200 });
    } catch {
      return new Response('not found', { status: 404 });
    }
  },
};

/** The session's permission handlers, kept so the test can ask them as Chromium would. */
const permissionHandlers = { request: undefined, check: undefined };

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler) => {
      permissionHandlers.request = handler;
      record('session.setPermissionRequestHandler', handler);
    },
    setPermissionCheckHandler: (handler) => {
      permissionHandlers.check = handler;
      record('session.setPermissionCheckHandler', handler);
    },
    setDevicePermissionHandler: (handler) => record('session.setDevicePermissionHandler', handler),
    webRequest: { onHeadersReceived: (handler) => record('session.webRequest.onHeadersReceived', handler) },
  },
};

/** A keyring that "wraps" by reversing the bytes: enough to round-trip, obviously not secret. */
export const safeStorage = {
  isAsyncEncryptionAvailable: () => Promise.resolve(true),
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptStringAsync(text) {
    record('safeStorage.encryptStringAsync');
    return Promise.resolve(Buffer.from(`fake:${text}`, 'utf8').reverse());
  },
  decryptStringAsync(wrapped) {
    record('safeStorage.decryptStringAsync');
    const text = Buffer.from(wrapped).reverse().toString('utf8');
    if (!text.startsWith('fake:')) return Promise.reject(new Error('not wrapped by this fake'));
    return Promise.resolve({ result: text.slice('fake:'.length), shouldReEncrypt: false });
  },
};

export const dialog = {
  showMessageBox(...args) {
    record('dialog.showMessageBox', ...args.filter((arg) => !(arg instanceof BrowserWindow)));
    // The second button: "Continue" for the recovery key, so nothing goes to the clipboard.
    return Promise.resolve({ response: 1, checkboxChecked: false });
  },
  showOpenDialog(...args) {
    record('dialog.showOpenDialog', ...args.filter((arg) => !(arg instanceof BrowserWindow)));
    return Promise.resolve({ canceled: true, filePaths: [] });
  },
  showErrorBox(title, content) {
    record('dialog.showErrorBox', title, content);
  },
};

export const shell = {
  openExternal(url) {
    record('shell.openExternal', url);
    return Promise.resolve();
  },
  trashItem(target) {
    record('shell.trashItem', target);
    return Promise.resolve();
  },
};

export const clipboard = {
  writeText(text) {
    record('clipboard.writeText', `[${text.length} characters]`);
  },
};

function frameFor({ url, subFrame }) {
  const top = { url, parent: null };
  return subFrame ? { url, parent: top } : top;
}

const commands = {
  ready() {
    app.markReady();
    return true;
  },
  records() {
    return records;
  },
  /** One ipcRenderer.invoke as Electron delivers it to the handler: event.sender and event.senderFrame. */
  async invoke({ channel, url, subFrame, message }) {
    const handler = invokeHandlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    const window = windows[0];
    if (!window) throw new Error('no window');
    return handler({ sender: window.webContents, senderFrame: frameFor({ url, subFrame }) }, message);
  },
  async protocol({ url }) {
    const handler = protocolHandlers.get(new URL(url).protocol.slice(0, -1));
    if (!handler) throw new Error(`no protocol handler for ${url}`);
    const response = await handler(new Request(url));
    return {
      status: response.status,
      csp: response.headers.get('Content-Security-Policy'),
      body: (await response.text()).slice(0, 200),
    };
  },
  /** A permission request from the window's page (getUserMedia and the like), as Chromium asks the session; resolves with the answer. */
  permission({ permission, url, mediaTypes, isMainFrame = true }) {
    const window = windows[0];
    if (!window || !permissionHandlers.request) throw new Error('no window or no permission handler');
    const origin = url.replace(/^([a-z]+:\/\/[^/]+).*$/, '$1');
    return new Promise((resolve) =>
      permissionHandlers.request(window.webContents, permission, resolve, {
        requestingUrl: url,
        isMainFrame,
        mediaTypes,
        securityOrigin: origin,
      }),
    );
  },
  /** The synchronous permission check Chromium makes (device lists, permissions.query). */
  permissionCheck({ permission, url, mediaType }) {
    const window = windows[0];
    if (!window || !permissionHandlers.check) throw new Error('no window or no permission check handler');
    const origin = url.replace(/^([a-z]+:\/\/[^/]+).*$/, '$1');
    return permissionHandlers.check(window.webContents, permission, origin, { isMainFrame: true, mediaType, requestingUrl: url });
  },
  /** Emits will-navigate as Chromium would, and says whether main cancelled it. */
  navigate({ url }) {
    const window = windows[0];
    if (!window) throw new Error('no window');
    let prevented = false;
    window.webContents.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
    return { prevented };
  },
  windowOpen({ url }) {
    const window = windows[0];
    if (!window?.webContents.windowOpenHandler) throw new Error('no window-open handler');
    return window.webContents.windowOpenHandler({ url });
  },
  events() {
    return windows[0]?.webContents.sent ?? [];
  },
  descendants() {
    return descendants();
  },
  /** The person moves or resizes the window. */
  moveWindow({ bounds }) {
    const window = windows[0];
    if (!window) throw new Error('no window');
    window.setBounds(bounds);
    return window.getNormalBounds();
  },
  /** The renderer process dies (Chromium's render-process-gone). */
  crashRenderer({ reason }) {
    const window = windows[0];
    if (!window) throw new Error('no window');
    window.webContents.emit('render-process-gone', {}, { reason: reason ?? 'crashed', exitCode: 139 });
    return true;
  },
  closeWindow() {
    const window = windows[0];
    if (!window) throw new Error('no window');
    window.close();
    return true;
  },
  /** A second launch: Electron tells the first instance. */
  secondInstance() {
    app.emit('second-instance', {}, ['localbrain'], process.cwd(), {});
    return true;
  },
  quit() {
    app.quit();
    return true;
  },
};

process.on('message', (message) => {
  const command = commands[message.cmd];
  if (!command) {
    send({ kind: 'reply', id: message.id, error: `unknown command ${message.cmd}` });
    return;
  }
  Promise.resolve()
    .then(() => command(message))
    .then(
      (value) => send({ kind: 'reply', id: message.id, value: serializable(value) }),
      (error) => send({ kind: 'reply', id: message.id, error: String(error?.stack ?? error) }),
    );
});
// The channel keeps the process alive until app.exit closes it: main waits for 'ready' first.
// Node creates the stdio streams on first use; create them now so the baseline holds them too.
void process.stdout;
void process.stderr;
baselineResources = process.getActiveResourcesInfo();

export default { app, BrowserWindow, ipcMain, protocol, net, screen, session, safeStorage, dialog, shell, clipboard };
