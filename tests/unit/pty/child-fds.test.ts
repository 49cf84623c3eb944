import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { spawn as spawnPty, type IPty } from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { markCloseOnExec, sealDescriptors } from '../../../main/services/child-fds';

/** O_CLOEXEC as /proc/self/fdinfo shows it in `flags` (octal). */
const closeOnExecBit = 0o2000000;

function closeOnExec(fd: number): boolean {
  const match = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no flags for descriptor ${fd}`);
  return (Number.parseInt(match[1], 8) & closeOnExecBit) !== 0;
}

function masterOf(pty: IPty): number {
  const fd = (pty as unknown as { _fd?: unknown })._fd;
  if (typeof fd !== 'number') throw new Error('node-pty no longer exposes its master descriptor');
  return fd;
}

describe.runIf(process.platform === 'linux')('child descriptors (child-fds)', () => {
  const ptys: IPty[] = [];

  afterEach(() => {
    for (const pty of ptys.splice(0)) pty.kill('SIGKILL');
  });

  it('marks a node-pty master close-on-exec, so a later child does not see it', () => {
    const pty = spawnPty('/bin/sh', [], { cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    ptys.push(pty);
    const master = masterOf(pty);
    // node-pty 1.1.0's forkpty path: the cause of issue 13 item 2.
    expect(closeOnExec(master)).toBe(false);
    expect(execFileSync('ls', ['-l', '/proc/self/fd'], { encoding: 'utf8' })).toMatch(/ptmx/);

    const sweep = sealDescriptors();
    expect(sweep.marked).toContain(master);
    expect(sweep.checked).toBeGreaterThanOrEqual(sweep.marked.length);
    expect(closeOnExec(master)).toBe(true);
    expect(execFileSync('ls', ['-l', '/proc/self/fd'], { encoding: 'utf8' })).not.toMatch(/ptmx/);
    // Idempotent: nothing is left to mark.
    expect(sealDescriptors().marked).toEqual([]);
  });

  it('marks one descriptor, and reports one that is not open', () => {
    const pty = spawnPty('/bin/sh', [], { cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    ptys.push(pty);
    const master = masterOf(pty);
    expect(markCloseOnExec(master)).toBe(true);
    expect(closeOnExec(master)).toBe(true);
    // Already marked: still true, nothing changes.
    expect(markCloseOnExec(master)).toBe(true);

    const fd = openSync('/dev/null', 'r');
    closeSync(fd);
    expect(markCloseOnExec(fd)).toBe(false);
    expect(markCloseOnExec(-1)).toBe(false);
    expect(markCloseOnExec(2 ** 30)).toBe(false);
  });
});
