import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Rotate past this size; a few MB of diagnostics is plenty and keeps a log quick to read. */
const defaultMaxFileBytes = 5 * 1024 * 1024;
/** Files kept: the current one and two rotated ones. */
const defaultKeepFiles = 3;
const lineTag = 'lb1';
const ivBytes = 12;
const tagBytes = 16;

export const logFileName = 'localbrain.log';

export interface EncryptedLogOptions {
  readonly dir: string;
  /** 32 random bytes kept in the encrypted database, so a rekey does not orphan old logs. */
  readonly key: Buffer;
  readonly maxFileBytes?: number;
  readonly keepFiles?: number;
}

/** `localbrain.log`, `localbrain.1.log`, … newest first. */
export function logFiles(dir: string, keep = defaultKeepFiles): string[] {
  return Array.from({ length: keep }, (_, index) =>
    path.join(dir, index === 0 ? logFileName : logFileName.replace('.log', `.${index}.log`)),
  );
}

export function encryptLogLine(key: Buffer, line: string): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(line, 'utf8'), cipher.final()]);
  return `${lineTag} ${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}\n`;
}

export function decryptLogLine(key: Buffer, stored: string): string {
  const [tag, payload] = stored.trim().split(' ');
  if (tag !== lineTag || payload === undefined) throw new Error('not a LocalBrain log line');
  const bytes = Buffer.from(payload, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, ivBytes));
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
  return Buffer.concat([decipher.update(bytes.subarray(ivBytes, bytes.length - tagBytes)), decipher.final()]).toString('utf8');
}

/** Every line of one log file, decrypted; for support tooling and tests. */
export function readEncryptedLog(file: string, key: Buffer): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => decryptLogLine(key, line));
}

/**
 * The diagnostic log on disk: each line sealed with AES-256-GCM (nothing the app writes
 * lands on disk in plaintext, logs included), rotated by size. Writes are synchronous,
 * like pino's own file destination, so a crash keeps every line logged before it.
 */
export class EncryptedLogFile {
  readonly #files: string[];
  readonly #key: Buffer;
  readonly #maxFileBytes: number;
  #fd: number | undefined;
  #size = 0;

  constructor(options: EncryptedLogOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.#files = logFiles(options.dir, options.keepFiles ?? defaultKeepFiles);
    this.#key = options.key;
    this.#maxFileBytes = options.maxFileBytes ?? defaultMaxFileBytes;
    this.#open();
  }

  #open(): number {
    const current = this.#files[0] ?? logFileName;
    const fd = openSync(current, 'a', 0o600);
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
    return fd;
  }

  write(line: string): void {
    if (this.#fd === undefined) return;
    const sealed = encryptLogLine(this.#key, line.endsWith('\n') ? line.slice(0, -1) : line);
    let fd = this.#fd;
    if (this.#size + sealed.length > this.#maxFileBytes && this.#size > 0) fd = this.#rotate();
    this.#size += writeSync(fd, sealed);
  }

  #rotate(): number {
    this.close();
    const oldest = this.#files.at(-1);
    if (oldest !== undefined) rmSync(oldest, { force: true });
    for (let index = this.#files.length - 2; index >= 0; index--) {
      const from = this.#files[index];
      const to = this.#files[index + 1];
      if (from !== undefined && to !== undefined && existsSync(from)) renameSync(from, to);
    }
    return this.#open();
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
