import { StringDecoder } from 'node:string_decoder';
import type { IDisposable, IPty } from 'node-pty';
import type { AppEvent } from '../../../shared/contract';
import type { PtySessionInfo } from '../../../shared/contract/pty';
import type { FlowOptions } from './flow';
import { ScrollbackRing } from './scrollback-ring';
import { captureTrailingOutput, closeMaster } from './trailing-output';

/** After SIGHUP and closing the master, a shell that still has not exited gets SIGKILL to its process group after this long (VS Code waits 5 s on shutdown; 2 s is plenty for a hang-up). */
const killGraceMs = 2_000;

export interface SessionExit {
  readonly exitCode: number | null;
  readonly signal: number | null;
}

export interface PtySessionOptions {
  readonly id: string;
  readonly pty: IPty;
  readonly shell: string;
  readonly cwd: string;
  readonly cols: number;
  readonly rows: number;
  readonly title: string;
  readonly scrollbackChars: number;
  readonly flow: FlowOptions;
  /** Called once, after PtyExit has been emitted. */
  readonly onExit: (session: PtySession, exit: SessionExit) => void;
}

/**
 * One shell on one PTY: decodes output on UTF-8 boundaries, batches it, keeps a bounded
 * scrollback, and pauses the PTY while the receiver has too much unacknowledged.
 */
export class PtySession {
  readonly id: string;
  readonly pid: number;
  readonly shell: string;
  readonly cwd: string;
  readonly createdAt = Date.now();
  title: string;
  cols: number;
  rows: number;
  /** Started again from the saved layout after a restart, and not yet attached by a window. */
  restored = false;

  readonly #pty: IPty;
  readonly #flow: FlowOptions;
  readonly #decoder = new StringDecoder('utf8');
  readonly #ring: ScrollbackRing;
  readonly #listeners: IDisposable[] = [];
  readonly #onExit: PtySessionOptions['onExit'];
  #pending: string[] = [];
  #pendingChars = 0;
  #batchTimer: NodeJS.Timeout | undefined;
  #lastFlushAt = -Infinity;
  #peakBuffered = 0;
  #killTimer: NodeJS.Timeout | undefined;
  #sink: ((event: AppEvent) => void) | undefined;
  #unacked = 0;
  #paused = false;
  #exit: SessionExit | undefined;
  #finished = false;
  #killed = false;

  constructor(options: PtySessionOptions) {
    this.id = options.id;
    this.#pty = options.pty;
    this.pid = options.pty.pid;
    this.shell = options.shell;
    this.cwd = options.cwd;
    this.cols = options.cols;
    this.rows = options.rows;
    this.title = options.title;
    this.#flow = options.flow;
    this.#onExit = options.onExit;
    this.#ring = new ScrollbackRing(options.scrollbackChars);
    // With `encoding: null` node-pty hands out Buffers; its typings still say string.
    this.#listeners.push(this.#pty.onData((chunk: string | Buffer) => this.#output(chunk)));
    this.#listeners.push(this.#pty.onExit(({ exitCode, signal }) => this.#exited(exitCode, signal)));
    // What a killed shell left unread is dropped: no one is waiting for it, and reading it
    // past flow control would let a kill during `yes` push main beyond the high watermark.
    captureTrailingOutput(this.#pty, (chunk) => {
      if (!this.#killed) this.#output(chunk);
    });
  }

  /** Characters of output kept for reattaching. */
  get scrollbackChars(): number {
    return this.#ring.length;
  }

  /** Puts text in the scrollback as if the shell had printed it, for the window that attaches (restored output, notes). */
  seedScrollback(text: string): void {
    this.#ring.push(text);
  }

  /** The last `maxChars` of the kept output. */
  scrollbackTail(maxChars: number): string {
    const text = this.#ring.snapshot();
    return text.length > maxChars ? text.slice(text.length - maxChars) : text;
  }

  /** Forgets the kept output (memory pressure); a later attach shows only what comes next. */
  clearScrollback(): number {
    const freed = this.#ring.length;
    this.#ring.clear();
    return freed;
  }

  get exited(): boolean {
    return this.#exit !== undefined;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Characters sent and not yet acknowledged plus those waiting in the batch: what main holds for the receiver. */
  get bufferedChars(): number {
    return this.#unacked + this.#pendingChars;
  }

  /** The most `bufferedChars` has been since the session started (for benches and tests). */
  get peakBufferedChars(): number {
    return this.#peakBuffered;
  }

  get unackedChars(): number {
    return this.#unacked;
  }

  /** Where output goes; undefined while no window owns the session (it then only fills the scrollback). */
  setSink(sink: ((event: AppEvent) => void) | undefined, options: { replay: boolean } = { replay: false }): void {
    this.#flush();
    this.#sink = sink;
    this.#unacked = 0;
    if (sink && options.replay) {
      const scrollback = this.#ring.snapshot();
      if (scrollback.length > 0) this.#send(scrollback, true);
    }
    this.#updatePause();
  }

  write(data: string): void {
    if (this.#exit || this.#killed) return;
    this.#pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.#exit || this.#killed) return;
    this.#pty.resize(cols, rows);
    this.cols = cols;
    this.rows = rows;
  }

  ack(chars: number): void {
    this.#unacked = Math.max(0, this.#unacked - chars);
    this.#updatePause();
  }

  /**
   * Hangs up the shell. node-pty's `kill()` only signals, so the master is closed too
   * (which frees its descriptor and sends SIGHUP to the foreground job); a shell that
   * ignores the hang-up has its process group killed after a grace period.
   */
  kill(): void {
    if (this.#exit || this.#killed) return;
    this.#killed = true;
    closeMaster(this.#pty);
    this.#killTimer = setTimeout(() => {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, killGraceMs);
  }

  info(mine: boolean): PtySessionInfo {
    return {
      sessionId: this.id,
      pid: this.pid,
      shell: this.shell,
      cwd: this.cwd,
      cols: this.cols,
      rows: this.rows,
      title: this.title,
      createdAt: this.createdAt,
      orphaned: this.#sink === undefined,
      mine,
      restored: this.restored,
    };
  }

  #output(chunk: string | Buffer): void {
    if (this.#finished) return;
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    if (text.length === 0) return;
    this.#ring.push(text);
    if (!this.#sink) return;
    this.#pending.push(text);
    this.#pendingChars += text.length;
    // Leading edge: output after a quiet spell (a keystroke's echo) goes at once; a stream is batched behind it.
    const quiet = this.#batchTimer === undefined && performance.now() - this.#lastFlushAt >= this.#flow.batchMs;
    if (quiet || this.#pendingChars >= this.#flow.batchMaxChars) this.#flush();
    else this.#batchTimer ??= setTimeout(() => this.#flush(), this.#flow.batchMs);
    this.#peakBuffered = Math.max(this.#peakBuffered, this.#unacked + this.#pendingChars);
    this.#updatePause();
  }

  #flush(): void {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    if (this.#pendingChars === 0) return;
    this.#lastFlushAt = performance.now();
    const data = this.#pending.length === 1 ? (this.#pending[0] ?? '') : this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    this.#send(data, false);
    this.#updatePause();
  }

  #send(data: string, replay: boolean): void {
    if (!this.#sink) return;
    this.#unacked += data.length;
    this.#sink({ type: 'PtyData', data: replay ? { sessionId: this.id, data, replay } : { sessionId: this.id, data } });
  }

  #updatePause(): void {
    if (this.#exit || this.#killed) return;
    // With no one to acknowledge, output only fills the bounded scrollback, so reading goes on.
    // Counting what waits in the batch too bounds main's holding at the high watermark plus one read.
    const shouldPause = this.#sink !== undefined && this.#unacked + this.#pendingChars > this.#flow.highWatermarkChars;
    const shouldResume = this.#sink === undefined || this.#unacked < this.#flow.lowWatermarkChars;
    if (shouldPause && !this.#paused) {
      this.#paused = true;
      this.#pty.pause();
    } else if (this.#paused && shouldResume) {
      this.#paused = false;
      this.#pty.resume();
    }
  }

  #exited(exitCode: number, signal: number | undefined): void {
    if (this.#exit) return;
    // node-pty reports 0 as the code of a process killed by a signal; say "no code" instead.
    this.#exit = signal ? { exitCode: null, signal } : { exitCode, signal: null };
    // node-pty can deliver data after its exit event; let what is already queued land first.
    setImmediate(() => this.#finish());
  }

  #finish(): void {
    if (this.#finished || !this.#exit) return;
    const tail = this.#decoder.end();
    if (tail.length > 0) this.#output(tail);
    this.#flush();
    this.#finished = true;
    clearTimeout(this.#killTimer);
    for (const listener of this.#listeners.splice(0)) listener.dispose();
    const exit = this.#exit;
    this.#sink?.({ type: 'PtyExit', data: { sessionId: this.id, exitCode: exit.exitCode, signal: exit.signal } });
    this.#sink = undefined;
    this.#ring.clear();
    this.#onExit(this, exit);
  }
}
