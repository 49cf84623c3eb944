import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh real folder under the system temp dir, removed by the returned function. */
export async function tempDir(prefix = 'localbrain-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const created = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  return { path: created, remove: () => rm(created, { recursive: true, force: true }) };
}
