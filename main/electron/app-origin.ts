/**
 * Where the app's own page is loaded from. In a packaged or built app it is the
 * privileged `localbrain://app/` scheme (not `file:`, which would make every local file
 * same-origin with the app); in development it is the Vite dev server.
 */
export type AppLocation =
  { readonly kind: 'scheme'; readonly scheme: string; readonly host: string } | { readonly kind: 'dev'; readonly origin: string };

export const appScheme = 'localbrain';
export const appHost = 'app';

export function builtAppLocation(): AppLocation {
  return { kind: 'scheme', scheme: appScheme, host: appHost };
}

export function appEntryUrl(location: AppLocation): string {
  return location.kind === 'scheme' ? `${location.scheme}://${location.host}/index.html` : `${location.origin}/`;
}

/**
 * True only for a URL of the app's own page. Compares the parsed scheme, host and port
 * exactly, so look-alikes (`localbrain://app.evil`, `http://localhost:5173.attacker.com`,
 * other `file:` pages, credentials in the authority) are refused.
 */
export function isAppUrl(raw: string, location: AppLocation): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (location.kind === 'scheme') {
    // Chromium lower-cases the host of a standard scheme; Node's URL leaves a custom scheme's host as written.
    return url.protocol === `${location.scheme}:` && url.host.toLowerCase() === location.host;
  }
  const expected = new URL(location.origin);
  return url.protocol === expected.protocol && url.host === expected.host;
}
