import { createHash } from 'node:crypto';
import type { TextCharset } from '../../../shared/contract/files';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export type Decoded = { kind: 'text'; charset: TextCharset; text: string } | { kind: 'binary' };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16le = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });

function swapBytes(bytes: Uint8Array): Buffer {
  const copy = Buffer.from(bytes);
  return copy.swap16();
}

/**
 * Text when it carries a UTF-16 byte-order mark and decodes, or when it has no NUL byte and
 * is valid UTF-8 (with or without a BOM); anything else is binary and travels as base64.
 */
export function decodeText(bytes: Uint8Array): Decoded {
  try {
    if (bytes.length >= 2 && bytes.length % 2 === 0) {
      if (bytes[0] === 0xff && bytes[1] === 0xfe)
        return { kind: 'text', charset: 'utf-16le', text: utf16le.decode(bytes.subarray(2)) };
      if (bytes[0] === 0xfe && bytes[1] === 0xff)
        return { kind: 'text', charset: 'utf-16be', text: utf16le.decode(swapBytes(bytes.subarray(2))) };
    }
    if (bytes.includes(0)) return { kind: 'binary' };
    if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      return { kind: 'text', charset: 'utf-8-bom', text: utf8.decode(bytes.subarray(3)) };
    }
    return { kind: 'text', charset: 'utf-8', text: utf8.decode(bytes) };
  } catch {
    return { kind: 'binary' };
  }
}

export function encodeText(text: string, charset: TextCharset): Buffer {
  switch (charset) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf-16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf-16be':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  }
}

/** A cheap look at the start of a file: a NUL byte in the first block means binary, as git and grep decide. */
export function looksBinary(head: Uint8Array): boolean {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return false;
  return head.includes(0);
}
