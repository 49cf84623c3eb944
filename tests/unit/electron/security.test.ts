import { describe, expect, it } from 'vitest';
import type { BrowserWindowConstructorOptions, Event, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { appEntryUrl, builtAppLocation, type AppLocation } from '../../../main/electron/app-origin';
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
  type PermissionCallback = (granted: boolean) => void;
  type RequestHandler = (contents: unknown, permission: string, callback: PermissionCallback, details: unknown) => void;
  type CheckHandler = (contents: unknown, permission: string, requestingOrigin: string, details: unknown) => boolean;

  /** The few Session members hardenSession uses, recording what it installs. */
  function fakeSession(location: AppLocation, speech: { on: boolean }) {
    let requestHandler: RequestHandler | undefined;
    let checkHandler: CheckHandler | undefined;
    let deviceHandler: (() => boolean) | undefined;
    let headersListener:
      | ((
          details: { responseHeaders?: Record<string, string[]> },
          callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
        ) => void)
      | undefined;
    const session = {
      setPermissionRequestHandler: (handler: RequestHandler) => (requestHandler = handler),
      setPermissionCheckHandler: (handler: CheckHandler) => (checkHandler = handler),
      setDevicePermissionHandler: (handler: () => boolean) => (deviceHandler = handler),
      webRequest: { onHeadersReceived: (listener: typeof headersListener) => (headersListener = listener) },
    };
    hardenSession(session as unknown as Parameters<typeof hardenSession>[0], location, { speechEnabled: () => speech.on });
    const page = appEntryUrl(location);
    const origin = new URL(page).origin === 'null' ? page.replace(/\/index\.html$/, '') : new URL(page).origin;
    const contents = (url: string) => ({ getURL: () => url });
    return {
      page,
      origin,
      /** What the request handler answers, for a page at `at` asking from `requestingUrl`. */
      request(permission: string, details: Record<string, unknown> = {}, at = page): boolean | undefined {
        let granted: boolean | undefined;
        requestHandler?.(contents(at), permission, (answer) => (granted = answer), {
          requestingUrl: page,
          isMainFrame: true,
          ...details,
        });
        return granted;
      },
      check(
        permission: string,
        details: Record<string, unknown> = {},
        requestingOrigin = origin,
        at = page,
      ): boolean | undefined {
        return checkHandler?.(contents(at), permission, requestingOrigin, { isMainFrame: true, ...details });
      },
      device: () => deviceHandler?.(),
      headers(): Record<string, string[]> | undefined {
        let headers: Record<string, string[]> | undefined;
        headersListener?.(
          { responseHeaders: { 'Content-Type': ['text/html'] } },
          (response) => (headers = response.responseHeaders),
        );
        return headers;
      },
    };
  }

  const otherPermissions = ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'display-capture', 'midi', 'hid'];

  it('with speech off, denies every permission request and check, the microphone too, and adds the CSP to every response', () => {
    const fake = fakeSession(built, { on: false });
    for (const permission of ['media', ...otherPermissions]) {
      expect(fake.request(permission, { mediaTypes: ['audio'], securityOrigin: fake.origin })).toBe(false);
      expect(fake.check(permission, { mediaType: 'audio' })).toBe(false);
    }
    expect(fake.device()).toBe(false);
    const headers = fake.headers();
    expect(headers?.['Content-Type']).toEqual(['text/html']);
    expect(headers?.['Content-Security-Policy']).toEqual([contentSecurityPolicy(built)]);
  });

  for (const [name, location] of [
    ['the built app', built],
    ['the dev server', dev],
  ] as const) {
    it(`with speech on, grants the microphone to ${name}'s own page only, audio only, and nothing else`, () => {
      const speech = { on: true };
      const fake = fakeSession(location, speech);
      expect(fake.request('media', { mediaTypes: ['audio'], securityOrigin: fake.origin })).toBe(true);
      expect(fake.request('media', { mediaTypes: ['audio'] })).toBe(true);
      expect(fake.check('media', { mediaType: 'audio' })).toBe(true);
      // The camera, or the camera with the microphone.
      expect(fake.request('media', { mediaTypes: ['video'] })).toBe(false);
      expect(fake.request('media', { mediaTypes: ['audio', 'video'] })).toBe(false);
      expect(fake.request('media', { mediaTypes: [] })).toBe(false);
      expect(fake.request('media', {})).toBe(false);
      expect(fake.check('media', { mediaType: 'video' })).toBe(false);
      expect(fake.check('media', { mediaType: 'unknown' })).toBe(false);
      // Anyone else: another origin, a look-alike, a frame inside the page, another page in the window.
      for (const stranger of [
        'https://evil.example/',
        'http://localhost:5173.attacker.com/',
        'localbrain://app.evil/',
        'file:///etc/passwd',
      ]) {
        expect(fake.request('media', { mediaTypes: ['audio'], requestingUrl: stranger })).toBe(false);
        expect(fake.request('media', { mediaTypes: ['audio'], securityOrigin: stranger })).toBe(false);
        expect(fake.request('media', { mediaTypes: ['audio'] }, stranger)).toBe(false);
        expect(fake.check('media', { mediaType: 'audio' }, stranger)).toBe(false);
        expect(fake.check('media', { mediaType: 'audio' }, fake.origin, stranger)).toBe(false);
      }
      expect(fake.request('media', { mediaTypes: ['audio'], isMainFrame: false })).toBe(false);
      for (const permission of otherPermissions) {
        expect(fake.request(permission, { mediaTypes: ['audio'] })).toBe(false);
        expect(fake.check(permission, { mediaType: 'audio' })).toBe(false);
      }
      expect(fake.device()).toBe(false);
      // Turning speech off takes effect at the next request, without a restart.
      speech.on = false;
      expect(fake.request('media', { mediaTypes: ['audio'] })).toBe(false);
      expect(fake.check('media', { mediaType: 'audio' })).toBe(false);
    });
  }
});
