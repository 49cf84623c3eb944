import type {
  Event,
  HandlerDetails,
  OnHeadersReceivedListenerDetails,
  HeadersReceivedResponse,
  Session,
  WebContents,
  WebContentsWillNavigateEventParams,
  WindowOpenHandlerResponse,
} from 'electron';
import { isAppUrl, type AppLocation } from './app-origin';

/**
 * The page's Content-Security-Policy: only the app's own scripts and styles, no network.
 * In development Vite's client needs its dev server and its WebSocket for hot reload.
 */
export function contentSecurityPolicy(location: AppLocation): string {
  const connect =
    location.kind === 'dev' ? `connect-src ${location.origin} ${location.origin.replace(/^http/, 'ws')}` : "connect-src 'none'";
  const script = location.kind === 'dev' ? `script-src 'self' ${location.origin}` : "script-src 'self'";
  // xterm.js inserts <style> elements for its cell colours and cursor and has no nonce option.
  // Inline styles cannot reach the network here (default-src 'none'; images and fonts from 'self'),
  // so they cannot exfiltrate; scripts stay 'self' only.
  const style = "style-src 'self' 'unsafe-inline'";
  return [
    "default-src 'none'",
    script,
    style,
    "img-src 'self' data:",
    "font-src 'self'",
    connect,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

type NavigationContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Keeps a window on the app's page: navigation elsewhere is cancelled, new windows are
 * refused, and web links the person clicks open in their browser instead (checklist 13–15).
 */
export function lockNavigation(contents: NavigationContents, location: AppLocation, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event: Event<WebContentsWillNavigateEventParams>) => {
    if (!isAppUrl(event.url, location)) event.preventDefault();
  });
  contents.on('will-redirect', (event: Event<WebContentsWillNavigateEventParams>) => {
    if (!isAppUrl(event.url, location)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event: Event) => event.preventDefault());
  contents.setWindowOpenHandler((details: HandlerDetails): WindowOpenHandlerResponse => {
    if (isWebLink(details.url)) openExternal(details.url);
    return { action: 'deny' };
  });
}

function isWebLink(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

type HardenedSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'
> & {
  readonly webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
};

/** Denies every permission request by default and adds the CSP header to every response (checklist 5, 7). */
export function hardenSession(target: HardenedSession, location: AppLocation): void {
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  target.setDevicePermissionHandler(() => false);
  const policy = contentSecurityPolicy(location);
  target.webRequest.onHeadersReceived(
    (details: OnHeadersReceivedListenerDetails, callback: (response: HeadersReceivedResponse) => void) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
    },
  );
}
