import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { rename, unlink, type FileHandle } from 'node:fs/promises';
import { LocalBrainError } from '../../../shared/errors';
import { type ConfinedDir, openFlags, openInDir } from '../workspace/confined';

/** Bytes per write call: large enough for throughput, small enough to notice an abort promptly. */
const chunkBytes = 1024 * 1024;

/**
 * Bytes of the original name kept in a temp name. The temp name adds 29 bytes (`.`,
 * `.localbrain-`, 12 hex digits, `.tmp`), and file systems cap a name at 255 bytes (ext4,
 * APFS; NTFS counts 255 UTF-16 units, never fewer than bytes here): 200 + 29 stays under.
 */
const tempNameKeptBytes = 200;

/** The longest prefix of `name` that fits in `maxBytes` of UTF-8, cut between characters. */
export function cutToBytes(name: string, maxBytes: number): string {
  let bytes = 0;
  let kept = '';
  for (const char of name) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    kept += char;
  }
  return kept;
}

export function tempNameFor(name: string): string {
  // Same folder, so the final rename stays on one file system and is atomic.
  return `.${cutToBytes(name, tempNameKeptBytes)}.localbrain-${randomBytes(6).toString('hex')}.tmp`;
}

export function isTempName(name: string): boolean {
  return /^\..*\.localbrain-[0-9a-f]{12}\.tmp$/.test(name);
}

export interface AtomicWriteOptions {
  /** Permission bits for the new file (an existing file's are kept by passing them here). */
  readonly mode?: number;
  /** Owner and group for the new file (an existing file's are kept by passing them here). */
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly signal?: AbortSignal;
}

/** Writes all of `data` at `at` in the file, in chunks, checking for an abort between them. */
async function writeAll(handle: FileHandle, data: Uint8Array, signal: AbortSignal | undefined, at = 0): Promise<void> {
  for (let offset = 0; offset < data.length; offset += chunkBytes) {
    signal?.throwIfAborted();
    const end = Math.min(offset + chunkBytes, data.length);
    let written = offset;
    while (written < end) {
      const { bytesWritten } = await handle.write(data, written, end - written, at + written);
      written += bytesWritten;
    }
  }
}

/** Copies a file's bytes from one open descriptor to another in chunks, so a large file never sits in memory. */
async function copyContents(from: FileHandle, to: FileHandle, signal: AbortSignal | undefined): Promise<void> {
  const buffer = Buffer.allocUnsafe(chunkBytes);
  let position = 0;
  for (;;) {
    signal?.throwIfAborted();
    const { bytesRead } = await from.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    await writeAll(to, buffer.subarray(0, bytesRead), undefined, position);
    position += bytesRead;
  }
}

/**
 * Writes `data` to `name` in `dir` so that a reader, or a crash at any instant, sees either
 * the old file or the new one and never a torn mix: temp file in the same folder, write,
 * fsync, rename over the old name, fsync the folder.
 */
export async function writeAtomic(
  dir: ConfinedDir,
  name: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = tempNameFor(name);
  const mode = options.mode ?? 0o666;
  const handle = await openInDir(dir, temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, name, mode);
  let renamed = false;
  try {
    try {
      // Owner first: chown clears set-user-ID and set-group-ID bits, which the chmod then restores.
      if (options.owner !== undefined) await handle.chown(options.owner.uid, options.owner.gid);
      // The umask applied at creation; an existing file's exact bits are restored here.
      if (options.mode !== undefined) await handle.chmod(mode);
      await writeAll(handle, data, options.signal);
      await handle.sync();
    } finally {
      await handle.close();
    }
    options.signal?.throwIfAborted();
    await rename(dir.join(temp), dir.join(name));
    renamed = true;
    await dir.sync();
  } finally {
    if (!renamed) await unlink(dir.join(temp)).catch(() => undefined);
  }
}

/**
 * Writes `data` into the existing file itself, keeping its inode, so every hard link, its
 * owner and its mode stay as they were: for the files a temp-and-rename save would change
 * (vim's `backupcopy=auto` makes the same choice). The old contents are first copied to a
 * backup beside it (a temp name, mode 0600) and synced; the backup is removed once the new
 * contents are synced. A crash in between leaves that backup, which holds the old contents.
 * `expected` is the file that was checked: a different one found now is a Conflict.
 */
export async function writeInPlace(
  dir: ConfinedDir,
  name: string,
  data: Uint8Array,
  expected: Stats,
  options: { readonly signal?: AbortSignal } = {},
): Promise<void> {
  const handle = await openInDir(dir, name, constants.O_RDWR | openFlags.nonBlock, name);
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.dev !== expected.dev || opened.ino !== expected.ino) {
      throw new LocalBrainError('Conflict', `${name} was replaced while it was being saved.`, { path: name });
    }
    const backup = tempNameFor(name);
    const backupHandle = await openInDir(dir, backup, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, name, 0o600);
    try {
      await copyContents(handle, backupHandle, options.signal);
      await backupHandle.sync();
    } catch (error) {
      await backupHandle.close();
      await unlink(dir.join(backup)).catch(() => undefined);
      throw error;
    }
    await backupHandle.close();
    await dir.sync();
    options.signal?.throwIfAborted();
    // From here on the file is being changed: no abort until it is whole again.
    try {
      await writeAll(handle, data, undefined);
      await handle.truncate(data.length);
      await handle.sync();
    } catch (error) {
      throw new LocalBrainError(
        'Io',
        `Saving ${name} failed part-way; its previous contents are kept in ${backup} beside it.`,
        { path: name, backup, errno: (error as NodeJS.ErrnoException).code },
        { cause: error },
      );
    }
    await unlink(dir.join(backup));
    await dir.sync();
  } finally {
    await handle.close();
  }
}
