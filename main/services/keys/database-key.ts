import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LocalBrainError } from '../../../shared/errors';

/** A raw 256-bit database key: random, so no passphrase KDF runs on every start. */
export type DatabaseKey = Buffer & { readonly __databaseKey: true };

export const databaseKeyBytes = 32;
const hexKeyPattern = /^[0-9a-fA-F]{64}$/;

export function generateDatabaseKey(): DatabaseKey {
  return randomBytes(databaseKeyBytes) as DatabaseKey;
}

/** Parses 64 hex characters; `source` names where the text came from for the error. */
export function parseHexKey(text: string, source: string): DatabaseKey {
  const trimmed = text.trim();
  if (!hexKeyPattern.test(trimmed)) {
    throw new LocalBrainError('ValidationFailed', `${source} must be exactly 64 hexadecimal characters (a 256-bit key).`, {
      source,
    });
  }
  return Buffer.from(trimmed, 'hex') as DatabaseKey;
}

export function asDatabaseKey(bytes: Buffer): DatabaseKey {
  if (bytes.length !== databaseKeyBytes) {
    throw new LocalBrainError('ValidationFailed', `A database key is ${databaseKeyBytes} bytes, not ${bytes.length}.`);
  }
  return bytes as DatabaseKey;
}

/** The value for `PRAGMA key` / `PRAGMA rekey`: a raw key, which SQLite3MultipleCiphers uses without a KDF. */
export function keyPragmaValue(key: DatabaseKey): string {
  return `"x'${key.toString('hex')}'"`;
}

const keyCheckLabel = 'LocalBrain database key check v1';

/**
 * A one-way fingerprint of the key, kept beside the database so that a failed open can tell
 * "this is the wrong key" from "the key is right and the file is damaged": with a per-page
 * authentication tag both look the same to SQLite (SQLITE_NOTADB).
 */
export function keyCheck(key: DatabaseKey): string {
  return createHmac('sha256', key).update(keyCheckLabel).digest('hex');
}

export function keyMatchesCheck(key: DatabaseKey, check: string): boolean {
  const expected = Buffer.from(keyCheck(key), 'hex');
  const actual = Buffer.from(check.trim(), 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
