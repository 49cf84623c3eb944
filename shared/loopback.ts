/**
 * Whether an address names this machine. Shared by the speech client (which refuses to send
 * audio anywhere else unless allowed) and the settings view (which warns when audio would leave).
 * Takes a WHATWG URL's `hostname`, which has already normalised IPv4 (`127.1`, `2130706433`)
 * to dotted form and IPv6 to its shortest form (`[::1]`).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/** True when the URL's host is this machine; false for any other host or a URL that does not parse. */
export function isLoopbackUrl(raw: string): boolean {
  try {
    return isLoopbackHost(new URL(raw).hostname);
  } catch {
    return false;
  }
}

/** The host a URL names (without brackets), or undefined when it does not parse. */
export function hostOf(raw: string): string | undefined {
  try {
    const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

/** True for an IP literal (v4 dotted or v6 bracketed or not), which needs no name lookup. */
export function isIpLiteral(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
