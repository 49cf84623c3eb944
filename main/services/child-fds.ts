import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LocalBrainError } from '../../shared/errors';

/**
 * The descriptors a child process (shell or command) inherits: none but its own stdio.
 *
 * A descriptor without FD_CLOEXEC survives exec(2) into every child. node-pty 1.1.0's
 * `forkpty` path returns each PTY master without it, so every later shell and command held
 * the masters of the terminals opened before it and could type into them. Node has no
 * fcntl(2), so it is called through koffi (a prebuilt N-API FFI, nothing to compile, the
 * same binary under Node and Electron). Before every spawn and right after each PTY spawn,
 * every open descriptor above stderr is marked close-on-exec: the PTY masters, and also
 * anything inherited from whoever started LocalBrain. What main opens itself (SQLite with
 * O_CLOEXEC, libuv's files, sockets, pipes and inotify) already has the flag; the sweep
 * makes that an invariant rather than an assumption. Children still get their stdio, which
 * the spawner dup2()s onto 0–2 after the fork (dup2 clears the flag on the copy).
 */

/** fcntl(2) commands and flag: the same numbers on Linux, macOS and the BSDs. */
const getDescriptorFlags = 1;
const setDescriptorFlags = 2;
const closeOnExecFlag = 1;

type Fcntl = (fd: number, command: number, ...variadic: unknown[]) => number;

let cachedFcntl: Fcntl | Error | undefined;

/** Loads fcntl from the C library the process already runs on (dlopen(NULL)), once. */
function loadFcntl(): Fcntl {
  if (cachedFcntl === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const koffi = require('koffi') as typeof import('koffi');
      // Declared variadic as in <fcntl.h>: on arm64 macOS variadic arguments go on the stack.
      cachedFcntl = koffi.load(null).func('int fcntl(int fd, int cmd, ...)');
    } catch (error) {
      cachedFcntl = error instanceof Error ? error : new Error(String(error));
    }
  }
  if (cachedFcntl instanceof Error) {
    throw new LocalBrainError(
      'Unavailable',
      'LocalBrain cannot keep its own descriptors from a new process here (fcntl could not be loaded).',
      { reason: cachedFcntl.message },
      { cause: cachedFcntl },
    );
  }
  return cachedFcntl;
}

/** Where the process's open descriptors are listed. */
function descriptorFolder(): string {
  return process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';
}

function openDescriptors(): number[] {
  let names: string[];
  try {
    names = readdirSync(descriptorFolder());
  } catch (error) {
    throw new LocalBrainError(
      'Unavailable',
      `LocalBrain cannot list its open descriptors (${descriptorFolder()}), so it cannot keep them from a new process.`,
      {},
      { cause: error },
    );
  }
  return names.map(Number).filter((fd) => Number.isInteger(fd) && fd > 2);
}

/** Marks one descriptor close-on-exec; false when it is not open (any more). */
export function markCloseOnExec(fd: number): boolean {
  if (process.platform === 'win32') return false;
  const fcntl = loadFcntl();
  const flags = fcntl(fd, getDescriptorFlags, 'int', 0);
  if (flags < 0) return false;
  if ((flags & closeOnExecFlag) !== 0) return true;
  return fcntl(fd, setDescriptorFlags, 'int', flags | closeOnExecFlag) === 0;
}

export interface DescriptorSweep {
  /** Descriptors above stderr that were open. */
  readonly checked: number;
  /** Those that lacked FD_CLOEXEC and now have it. */
  readonly marked: readonly number[];
}

/**
 * Marks every open descriptor above stderr close-on-exec, so no child inherits it. Call it
 * right before spawning a child and right after node-pty returns a new master. Throws
 * `Unavailable` when it cannot (fcntl not loadable, descriptors not listable): a shell that
 * could type into another session is worse than no shell. A no-op on Windows, where
 * handles are not inherited unless marked so.
 */
export function sealDescriptors(): DescriptorSweep {
  if (process.platform === 'win32') return { checked: 0, marked: [] };
  const fcntl = loadFcntl();
  const marked: number[] = [];
  const descriptors = openDescriptors();
  for (const fd of descriptors) {
    // The listing's own descriptor is closed by now: EBADF (-1) is skipped.
    const flags = fcntl(fd, getDescriptorFlags, 'int', 0);
    if (flags < 0 || (flags & closeOnExecFlag) !== 0) continue;
    if (fcntl(fd, setDescriptorFlags, 'int', flags | closeOnExecFlag) === 0) marked.push(fd);
  }
  return { checked: descriptors.length, marked };
}
