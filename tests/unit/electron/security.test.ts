import { describe, expect, it } from 'vitest';
import type { BrowserWindowConstructorOptions, Event, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { builtAppLocation, type AppLocation } from '../../../main/electron/app-origin';
import { contentSecurityPolicy, hardenSession, lockNavigation } from '../../../main/electron/security';
import { createMainWindow } from '../../../main/electron/window';

const built = builtAppLocation();
const dev: AppLocation = { kind: 'dev', origin: 'http://localhost:5173' };

type Listener = (event: Event & { url: string }) => void;

/** The few WebContents methods lockNavigation uses, recording what it installs. */
function fakeContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  const contents = {
    on(name: string, listener: Listener) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse) {
      openHandler = handler;
    },
  };
  const fire = (name: string, url: string) => {
    let prevented = false;
    const event = { url, preventDefault: () => (prevented = true) } as unknown as Event & { url: string };
    for (const listener of listeners.get(name) ?? []) listener(event);
    return prevented;
  };
  return {
    contents: contents as unknown as Parameters<typeof lockNavigation>[0],
    fire,
    open: (url: string) => openHandler?.({ url } as HandlerDetails),
  };
}

function parsePolicy(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('window options', () => {
  it('isolate the renderer: context isolation, sandbox, no Node, web security, no webview', () => {
    const created: BrowserWindowConstructorOptions[] = [];
    const shown: string[] = [];
    class FakeWindow {
      constructor(options: BrowserWindowConstructorOptions) {
        created.push(options);
      }
      once(name: string, listener: () => void) {
        if (name === 'ready-to-show') listener();
        return this;
      }
      on() {
        return this;
      }
      show() {
        shown.push('shown');
      }
      loadURL() {
        return Promise.resolve();
      }
    }
    createMainWindow(FakeWindow as never, '/app/out/preload/index.cjs');
    expect(shown).toEqual(['shown']);
    const webPreferences = created[0]?.webPreferences;
    expect(created[0]?.show).toBe(false);
    expect(webPreferences).toMatchObject({
      disableBlinkFeatures: 'Auxclick',
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
  });
});

describe('Content-Security-Policy', () => {
  it('allows only the app’s own scripts and styles and no network in the built app', () => {
    const policy = parsePolicy(contentSecurityPolicy(built));
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
    expect(policy.get('font-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(contentSecurityPolicy(built)).not.toMatch(/unsafe-eval|\*/);
  });

  it('opens only the dev server for hot reload in development, never unsafe-eval', () => {
    const policy = parsePolicy(contentSecurityPolicy(dev));
    expect(policy.get('connect-src')).toEqual(['http://localhost:5173', 'ws://localhost:5173']);
    expect(contentSecurityPolicy(dev)).not.toContain('unsafe-eval');
  });
});

describe('lockNavigation', () => {
  it('cancels navigation and redirects away from the app, and allows the app’s own pages', () => {
    const { contents, fire } = fakeContents();
    lockNavigation(contents, built, () => undefined);
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-navigate', 'localbrain://app.evil/')).toBe(true);
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'localbrain://app/index.html')).toBe(false);
  });

  it('refuses webviews', () => {
    const { contents, fire } = fakeContents();
    lockNavigation(contents, built, () => undefined);
    expect(fire('will-attach-webview', 'https://evil.example/')).toBe(true);
  });

  it('denies every new window and sends only web links to the system browser', () => {
    const opened: string[] = [];
    const { contents, open } = fakeContents();
    lockNavigation(contents, built, (url) => opened.push(url));
    expect(open('https://electronjs.org/docs')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open('localbrain://app/index.html')).toEqual({ action: 'deny' });
    expect(open('smb://host/share')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://electronjs.org/docs']);
  });
});

describe('hardenSession', () => {
  it('denies every permission request and check, and adds the CSP to every response', () => {
    type PermissionCallback = (granted: boolean) => void;
    let requestHandler: ((contents: unknown, permission: string, callback: PermissionCallback) => void) | undefined;
    let checkHandler: (() => boolean) | undefined;
    let deviceHandler: (() => boolean) | undefined;
    let headersListener:
      | ((
          details: { responseHeaders?: Record<string, string[]> },
          callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
        ) => void)
      | undefined;
    const session = {
      setPermissionRequestHandler: (handler: typeof requestHandler) => (requestHandler = handler),
      setPermissionCheckHandler: (handler: typeof checkHandler) => (checkHandler = handler),
      setDevicePermissionHandler: (handler: typeof deviceHandler) => (deviceHandler = handler),
      webRequest: { onHeadersReceived: (listener: typeof headersListener) => (headersListener = listener) },
    };
    hardenSession(session as unknown as Parameters<typeof hardenSession>[0], built);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      requestHandler?.({}, permission, (answer) => (granted = answer));
      expect(granted).toBe(false);
    }
    expect(checkHandler?.()).toBe(false);
    expect(deviceHandler?.()).toBe(false);
    let headers: Record<string, string[]> | undefined;
    headersListener?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (response) => (headers = response.responseHeaders));
    expect(headers?.['Content-Type']).toEqual(['text/html']);
    expect(headers?.['Content-Security-Policy']).toEqual([contentSecurityPolicy(built)]);
  });
});
