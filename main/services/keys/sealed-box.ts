import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt } from 'node:crypto';

/** AES-256-GCM with a random nonce; everything needed to open it except the key. */
export interface SealedBox {
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export function seal(key: Buffer, plaintext: Buffer): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Throws when the key is wrong or the box was altered. */
export function open(key: Buffer, box: SealedBox): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(box.ciphertext, 'base64')), decipher.final()]);
}

/**
 * scrypt cost for a passphrase: N = 2^15, r = 8 takes ~100 ms and 32 MiB here, the
 * interactive-login setting from the scrypt paper; it runs once per start, only on the
 * passphrase path (no keyring).
 */
export const passphraseCost = { N: 2 ** 15, r: 8, p: 1 } as const;

export function passphraseKey(passphrase: string, salt: Buffer, cost = passphraseCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, { ...cost, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** A recovery key is 256 random bits, so a plain HKDF (no stretching) turns it into a wrapping key. */
export function recoveryWrappingKey(recovery: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', recovery, salt, 'LocalBrain recovery key v1', 32));
}

const base32 = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789';

/** 32 bytes as 52 unambiguous characters in groups of four, to write down by hand. */
export function formatRecoveryKey(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += base32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) text += base32.charAt((value << (5 - bits)) & 31);
  return text.match(/.{1,4}/g)?.join('-') ?? text;
}

/** Reads a recovery key as typed: case, spaces and dashes do not matter; O/I/L read as 0/1/1. */
export function parseRecoveryKey(text: string): Buffer | undefined {
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of clean) {
    const index = base32.indexOf(char);
    if (index === -1) return undefined;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return bytes.length === 32 ? Buffer.from(bytes) : undefined;
}
