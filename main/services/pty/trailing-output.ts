import { readSync } from 'node:fs';
import type { IPty } from 'node-pty';

/** One read of the master: the kernel hands a PTY's output out in chunks of at most 4 KiB, so 64 KiB drains it in a few reads. */
const drainChunkBytes = 64 * 1024;

interface UnixPtyInternals {
  readonly _fd?: unknown;
  readonly _socket?: { destroy: (...args: unknown[]) => unknown } & object;
}

/**
 * node-pty loses the last kilobytes of a process that writes and exits fast (node-pty
 * issues #72 and #726; seen here in 2 of 16 runs). The cause is libuv: on POLLHUP after
 * a partial read it assumes end of stream and closes the master, though a PTY hands out
 * its buffer in 4 KiB pieces and more is still waiting. node-pty also destroys the socket
 * 200 ms after the exit when the stream is paused by flow control, dropping what is left.
 *
 * Both paths end in `socket.destroy()` while the master descriptor is still open, so this
 * wraps that call: before the descriptor closes it is read to the end (EIO once the
 * slave side is closed and empty, EAGAIN if a process still holds it) and the bytes go to
 * `onTrailing`. The reads are non-blocking (node-pty opens the master O_NONBLOCK) and
 * bounded by the kernel's buffer. Returns false when node-pty's internals are not the
 * shape this expects, so an upgrade degrades to node-pty's own behaviour, never a crash.
 */
export function captureTrailingOutput(pty: IPty, onTrailing: (chunk: Buffer) => void): boolean {
  const internals = pty as unknown as UnixPtyInternals;
  const fd = internals._fd;
  const socket = internals._socket;
  if (typeof fd !== 'number' || socket === undefined || typeof socket.destroy !== 'function') return false;
  const destroy = socket.destroy.bind(socket);
  let drained = false;
  socket.destroy = (...args: unknown[]) => {
    if (!drained) {
      drained = true;
      drainDescriptor(fd, onTrailing);
    }
    return destroy(...args);
  };
  return true;
}

function drainDescriptor(fd: number, onTrailing: (chunk: Buffer) => void): void {
  const buffer = Buffer.allocUnsafe(drainChunkBytes);
  for (;;) {
    let read: number;
    try {
      read = readSync(fd, buffer, 0, buffer.length, null);
    } catch {
      // EIO: the slave side is closed and nothing is left; EAGAIN: nothing more for now; EBADF: already closed.
      return;
    }
    if (read <= 0) return;
    onTrailing(Buffer.from(buffer.subarray(0, read)));
  }
}

/**
 * Closes the master side and hangs up the shell. node-pty's `kill()` only signals and
 * leaves the descriptor open until the process is reaped; its untyped `destroy()`
 * closes the descriptor first, then sends SIGHUP.
 */
export function closeMaster(pty: IPty): void {
  const destroy = (pty as unknown as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') (destroy as () => void).call(pty);
  else pty.kill('SIGHUP');
}
