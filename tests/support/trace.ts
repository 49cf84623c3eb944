import { access, chmod, constants, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './temp';

/**
 * A folder outside every workspace where a command that escaped the policy leaves a mark:
 * `program(id)` is an executable that creates `traces/cmd-ID` when run, `file(id)` a path
 * a command could write. A test that ends with `traces()` empty saw no escape.
 */
export interface TraceFolder {
  readonly root: string;
  program(id: string): Promise<string>;
  file(id: string): string;
  traces(): Promise<string[]>;
  /** Forgets the traces left so far (after a deliberate, confirmed run). */
  clear(): Promise<void>;
  remove(): Promise<void>;
}

export async function traceFolder(): Promise<TraceFolder> {
  const folder = await tempDir('localbrain-trace-');
  const bin = path.join(folder.path, 'bin');
  const traces = path.join(folder.path, 'traces');
  await mkdir(bin);
  await mkdir(traces);
  return {
    root: folder.path,
    async program(id) {
      const program = path.join(bin, `trace-${id}`);
      await writeFile(program, `#!/bin/sh\n: > '${path.join(traces, `cmd-${id}`)}'\n`);
      await chmod(program, 0o755);
      return program;
    },
    file: (id) => path.join(traces, `file-${id}`),
    traces: () => readdir(traces),
    async clear() {
      for (const name of await readdir(traces)) await rm(path.join(traces, name), { force: true });
    },
    remove: folder.remove,
  };
}

/** Whether a program can be found on the PATH, as `which` would. */
export async function installed(program: string): Promise<boolean> {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder === '') continue;
    try {
      await access(path.join(folder, program), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}
