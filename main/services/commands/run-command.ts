import { spawn } from 'node:child_process';
import type { MessageData, ReplyValue } from '../../../shared/contract';
import { LocalBrainError } from '../../../shared/errors';
import { limits } from '../../../shared/limits';
import { childEnvironment } from '../child-env';

type CommandReply = ReplyValue<'TerminalCommand'>;

/** Collects a stream up to a byte cap and remembers whether anything was dropped. */
class CappedBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.#size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.#chunks.push(kept);
    this.#size += kept.length;
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
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
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
      });
    });
  });
}
