import type {
  Event,
  HandlerDetails,
  OnHeadersReceivedListenerDetails,
  HeadersReceivedResponse,
  MediaAccessPermissionRequest,
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

type RequestHandler = Parameters<Session['setPermissionRequestHandler']>[0] & {};
type CheckHandler = Parameters<Session['setPermissionCheckHandler']>[0] & {};

export interface SessionPolicy {
  /**
   * True while a speech-to-text endpoint is configured. Read at each request, so turning
   * speech off in Settings stops the next microphone request without a restart.
   */
  readonly speechEnabled: () => boolean;
}

/** True when every origin or URL given is the app's own page; an absent one does not count against it. */
function fromApp(location: AppLocation, ...urls: (string | undefined)[]): boolean {
  return urls.some((url) => url !== undefined) && urls.every((url) => url === undefined || isAppUrl(url, location));
}

/**
 * The microphone, for push-to-talk, and nothing else: a `media` request for audio only, from
 * the app's own page in its main frame, while speech is on. Camera, screen capture and every
 * other permission stay refused.
 */
export function permissionRequestHandler(location: AppLocation, policy: SessionPolicy): RequestHandler {
  return (contents, permission, callback, details) => {
    if (permission !== 'media' || !policy.speechEnabled()) {
      callback(false);
      return;
    }
    const media = details as Partial<MediaAccessPermissionRequest>;
    const audioOnly = (media.mediaTypes ?? []).length > 0 && (media.mediaTypes ?? []).every((type) => type === 'audio');
    callback(
      audioOnly &&
        media.isMainFrame === true &&
        fromApp(location, media.requestingUrl, media.securityOrigin) &&
        isAppUrl(contents.getURL(), location),
    );
  };
}

/** The synchronous check Chromium makes before and around a request (device lists, `permissions.query`): the same rule. */
export function permissionCheckHandler(location: AppLocation, policy: SessionPolicy): CheckHandler {
  return (contents, permission, requestingOrigin, details) =>
    permission === 'media' &&
    details.mediaType === 'audio' &&
    policy.speechEnabled() &&
    fromApp(location, requestingOrigin, details.securityOrigin, details.requestingUrl) &&
    (contents === null || isAppUrl(contents.getURL(), location));
}

/**
 * Denies every permission request except the microphone for the app's own page while speech
 * is on, denies every device (HID, USB, serial), and adds the CSP header to every response
 * (checklist 5, 7).
 */
export function hardenSession(target: HardenedSession, location: AppLocation, policy: SessionPolicy): void {
  target.setPermissionRequestHandler(permissionRequestHandler(location, policy));
  target.setPermissionCheckHandler(permissionCheckHandler(location, policy));
  target.setDevicePermissionHandler(() => false);
  const policyHeader = contentSecurityPolicy(location);
  target.webRequest.onHeadersReceived(
    (details: OnHeadersReceivedListenerDetails, callback: (response: HeadersReceivedResponse) => void) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policyHeader] } });
    },
  );
}
