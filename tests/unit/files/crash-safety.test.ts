import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTempName } from '../../../main/services/files/atomic-write';
import { tempDir } from '../../support/temp';

const childScript = path.join(import.meta.dirname, 'atomic-writer.child.ts');
const sizeMiB = 64;
const oldBytes = Buffer.alloc(3 * 1024 * 1024 + 17, 'A');
const newBytes = Buffer.alloc(sizeMiB * 1024 * 1024, 'B');
const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Waits until a temp file in `folder` holds at least `bytes`, or the child finished; returns whether the temp file was seen. */
async function whenTempReaches(folder: string, bytes: number, finished: () => boolean): Promise<boolean> {
  while (!finished()) {
    for (const name of await readdir(folder)) {
      if (!isTempName(name)) continue;
      const size = await stat(path.join(folder, name)).then(
        (stats) => stats.size,
        () => 0,
      );
      if (size >= bytes) return true;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return false;
}

describe('kill -9 during a large write', () => {
  let folder: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    folder = await tempDir('localbrain-crash-');
  });

  afterAll(() => folder.remove());

  /** A child writing 64 MiB with fsync takes seconds on a loaded two-core machine; the 5 s default failed there. */
  const childWriteTimeoutMs = 30_000;

  // Kill points: the temp file at several fills, from the first MiB to the last.
  const killAtMiB = [1, 8, 24, 40, 56, 63];

  it.each(killAtMiB)(
    'killed once the temp file holds %i MiB: the file is the old one or the new one, never torn',
    async (mib) => {
      const target = path.join(folder.path, `data-${mib}.bin`);
      await writeFile(target, oldBytes);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', childScript, folder.path, path.basename(target), String(sizeMiB)],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let exited = false;
      const exit = once(child, 'exit');
      void exit.then(() => (exited = true));
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const killedMidWrite = await whenTempReaches(folder.path, mib * 1024 * 1024, () => exited);
      child.kill('SIGKILL');
      const [code, signal] = (await exit) as [number | null, NodeJS.Signals | null];
      expect(stderr).toBe('');
      // The child must really have been killed while writing, or this run proved nothing.
      expect(killedMidWrite, `exit ${code} ${signal}`).toBe(true);
      expect(signal).toBe('SIGKILL');
      const after = await readFile(target);
      expect([digest(oldBytes), digest(newBytes)]).toContain(digest(after));
    },
    childWriteTimeoutMs,
  );

  it(
    'a write that is not killed replaces the file whole',
    async () => {
      const target = path.join(folder.path, 'whole.bin');
      await writeFile(target, oldBytes);
      const child = spawn(process.execPath, ['--import', 'tsx', childScript, folder.path, 'whole.bin', '4'], { stdio: 'ignore' });
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      const after = await readFile(target);
      expect(after.equals(Buffer.alloc(4 * 1024 * 1024, 'B'))).toBe(true);
      expect((await readdir(folder.path)).filter((name) => name.startsWith('.whole'))).toEqual([]);
    },
    childWriteTimeoutMs,
  );
});
