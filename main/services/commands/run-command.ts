import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { MessageData, ReplyValue } from '../../../shared/contract';
import { LocalBrainError } from '../../../shared/errors';
import { limits } from '../../../shared/limits';
import { childEnvironment } from '../child-env';
import { sealDescriptors } from '../child-fds';

type CommandReply = ReplyValue<'TerminalCommand'>;

/** Collects a stream up to a byte cap and remembers whether anything was dropped. */
class CappedBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  /** Returns what was kept of the chunk (empty once the cap is reached). */
  push(chunk: Buffer): Buffer {
    const room = this.cap - this.#size;
    if (room <= 0) {
      this.truncated = true;
      return chunk.subarray(0, 0);
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.#chunks.push(kept);
    this.#size += kept.length;
    return kept;
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // The child leads its own process group (detached), so this reaches its whole tree.
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export interface RunCommandOptions {
  /** Real path of the working directory, already checked against the workspace. */
  readonly cwd: string;
  readonly signal: AbortSignal;
  readonly maxOutputBytes?: number;
  readonly env?: Record<string, string>;
  /** Receives output as it arrives (decoded on UTF-8 boundaries), up to the same cap as the reply. */
  readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Aborting this stops the command like a timeout does, but the reply is a normal one with `cancelled: true`. */
  readonly cancel?: AbortSignal;
}

/**
 * Runs `cmd` with `args` directly, never through a shell, so metacharacters in the
 * arguments are plain text. Timeouts and aborts kill the whole process group.
 */
export function runCommand(request: MessageData<'TerminalCommand'>, options: RunCommandOptions): Promise<CommandReply> {
  const timeoutMs = request.timeoutMs ?? limits.defaultCommandTimeoutMs;
  const cap = options.maxOutputBytes ?? limits.maxCommandOutputBytes;
  const started = performance.now();
  return new Promise<CommandReply>((resolve, reject) => {
    const stdout = new CappedBuffer(cap);
    const stderr = new CappedBuffer(cap);
    let timedOut = false;
    let failed: LocalBrainError | undefined;
    // libuv's child closes nothing it did not open: main's descriptors must all be close-on-exec.
    sealDescriptors();
    const child = spawn(request.cmd, request.args, {
      cwd: options.cwd,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? childEnvironment(),
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const onAbort = () => killGroup(child.pid);
    options.signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      options.cancel?.removeEventListener('abort', onCancel);
    };
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const forward = (stream: 'stdout' | 'stderr', kept: Buffer) => {
      if (!options.onOutput || kept.length === 0) return;
      const text = decoders[stream].write(kept);
      if (text.length > 0) options.onOutput(stream, text);
    };
    child.stdout.on('data', (chunk: Buffer) => forward('stdout', stdout.push(chunk)));
    child.stderr.on('data', (chunk: Buffer) => forward('stderr', stderr.push(chunk)));
    let cancelled = false;
    const onCancel = () => {
      cancelled = true;
      killGroup(child.pid);
    };
    options.cancel?.addEventListener('abort', onCancel, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        failed = new LocalBrainError('NotFound', `Command not found: ${request.cmd}`, { cmd: request.cmd });
      else if (error.code === 'EACCES')
        failed = new LocalBrainError('PermissionDenied', `Not allowed to run ${request.cmd}.`, { cmd: request.cmd });
      else
        failed = new LocalBrainError(
          'Io',
          `Could not start ${request.cmd}.`,
          { cmd: request.cmd, errno: error.code },
          { cause: error },
        );
      // 'close' may never follow a spawn failure.
      if (child.pid === undefined) {
        cleanup();
        reject(failed);
      }
    });
    child.on('close', (exitCode, signal) => {
      cleanup();
      const durationMs = performance.now() - started;
      if (failed) return reject(failed);
      if (timedOut) {
        return reject(
          new LocalBrainError('Timeout', `${request.cmd} ran longer than ${timeoutMs} ms and was stopped.`, {
            timeoutMs,
            stdout: stdout.text(),
            stderr: stderr.text(),
          }),
        );
      }
      resolve({
        exitCode,
        signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        durationMs,
        ...(cancelled ? { cancelled } : {}),
      });
    });
  });
}
