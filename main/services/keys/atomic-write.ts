import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';

/** Writes a 0600 file so that a crash leaves either the old file or the whole new one, never a torn one. */
export function writeFileAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  syncPath(temporary, 'r+');
  renameSync(temporary, file);
  syncPath(path.dirname(file), 'r');
}

function syncPath(target: string, flags: 'r' | 'r+'): void {
  const fd = openSync(target, flags);
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    closeSync(fd);
  }
}

/**
 * `writeFileAtomically` on libuv's thread pool: the same temp-file, fsync, rename, fsync-folder
 * steps, without blocking the main thread on the two fsyncs.
 */
export async function writeFileAtomicallyAsync(file: string, content: string | Buffer): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  try {
    const folder = await open(path.dirname(file), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  }
}
