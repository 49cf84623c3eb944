import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { type ConfinedDir, openInDir } from '../workspace/confined';

/** Bytes per write call: large enough for throughput, small enough to notice an abort promptly. */
const chunkBytes = 1024 * 1024;

export function tempNameFor(name: string): string {
  // Same folder, so the final rename stays on one file system and is atomic.
  return `.${name.slice(0, 200)}.localbrain-${randomBytes(6).toString('hex')}.tmp`;
}

export function isTempName(name: string): boolean {
  return /^\..*\.localbrain-[0-9a-f]{12}\.tmp$/.test(name);
}

export interface AtomicWriteOptions {
  /** Permission bits for the new file (an existing file's are kept by passing them here). */
  readonly mode?: number;
  readonly signal?: AbortSignal;
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
      // The umask applied at creation; an existing file's exact bits are restored here.
      if (options.mode !== undefined) await handle.chmod(mode);
      for (let offset = 0; offset < data.length; offset += chunkBytes) {
        options.signal?.throwIfAborted();
        const end = Math.min(offset + chunkBytes, data.length);
        let written = offset;
        while (written < end) {
          const { bytesWritten } = await handle.write(data, written, end - written, written);
          written += bytesWritten;
        }
      }
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
