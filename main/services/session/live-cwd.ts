import { execFile } from 'node:child_process';
import { readlink } from 'node:fs/promises';

/** How long asking the OS for a process's folder may take before the last known one is kept. */
const lookupTimeoutMs = 1_000;

/**
 * The folder a process is in now: /proc on Linux, lsof on macOS. Undefined when the OS
 * will not say (the process is gone, or another platform), so the caller keeps what it had.
 */
export async function liveCwd(pid: number, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform === 'linux') {
    try {
      const target = await readlink(`/proc/${pid}/cwd`);
      // A folder removed while the shell sat in it reads as "… (deleted)".
      return target.endsWith(' (deleted)') ? undefined : target;
    } catch {
      return undefined;
    }
  }
  if (platform === 'darwin') {
    return new Promise((resolve) => {
      execFile('lsof', ['-a', '-p', String(pid), '-d', 'cwd', '-Fn'], { timeout: lookupTimeoutMs }, (error, stdout) => {
        if (error) return resolve(undefined);
        const line = stdout.split('\n').find((candidate) => candidate.startsWith('n'));
        resolve(line?.slice(1));
      });
    });
  }
  return undefined;
}
