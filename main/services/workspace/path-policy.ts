import { LocalBrainError } from '../../../shared/errors';

/**
 * Forms of a requested path that are refused before any file system call, because on the
 * platform they would mean something other than "a name inside this folder". Names are
 * never decoded: `%2e%2e`, overlong UTF-8 and full-width dots stay literal names, which
 * the containment check then treats like any other name.
 */

/** Reserved device names on Windows, with or without an extension (`NUL`, `con.txt`, `COM1`). */
const windowsDeviceName = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** `C:` at the start; `C:foo` is relative to that drive's current folder, another way out. */
const driveLetter = /^[A-Za-z]:/;
/** Characters Windows gives meaning to inside a name (`:` names an alternate data stream). */
const windowsReservedChars = /[<>:"|?*]/;
function hasControlChar(part: string): boolean {
  for (let index = 0; index < part.length; index += 1) if (part.charCodeAt(index) < 0x20) return true;
  return false;
}

function refuse(requested: string, why: string): never {
  throw new LocalBrainError('ValidationFailed', `The path "${requested}" is not accepted: ${why}.`, {
    path: requested,
    reason: why,
  });
}

export function checkRequestedPath(requested: string, platform: NodeJS.Platform = process.platform): void {
  if (requested.includes('\0')) refuse(requested, 'it contains a NUL byte');
  if (platform !== 'win32') return;
  if (requested.startsWith('\\\\') || requested.startsWith('//'))
    refuse(requested, 'UNC and device paths (\\\\server, \\\\?\\, \\\\.\\) are not used');
  let rest = requested;
  if (driveLetter.test(requested)) {
    if (!/^[A-Za-z]:[\\/]/.test(requested))
      refuse(requested, 'a drive-relative path (C:name) depends on that drive’s current folder');
    rest = requested.slice(3);
  }
  for (const part of rest.split(/[\\/]/)) {
    if (part === '' || part === '.' || part === '..') continue;
    if (windowsReservedChars.test(part) || hasControlChar(part))
      refuse(requested, `"${part}" holds a character Windows reserves (: names a data stream)`);
    if (/[. ]$/.test(part)) refuse(requested, `"${part}" ends with a dot or space, which Windows silently drops`);
    if (windowsDeviceName.test(part.trimEnd())) refuse(requested, `"${part}" is a Windows device name`);
  }
}

/** File systems that compare names without case: the lexical check folds case on them too. */
export function isCaseInsensitivePlatform(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32' || platform === 'darwin';
}
