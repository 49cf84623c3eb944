import { ptyFlow } from '../../../shared/limits';
import { request } from '../api';

/** Acknowledgements are sent in batches of this many characters; well under half the window, so a paused session always resumes. */
const ackChunkChars = ptyFlow.ackEveryChars;
/** The remainder is acknowledged after this quiet spell, so nothing waits unacknowledged forever. */
const ackIdleMs = 20;

/**
 * Tells main how much output the page has taken in, in batches. The page takes output off
 * main's hands as it arrives while its own queue in xterm.js (received, not yet parsed) is
 * under `ptyFlow.rendererQueueChars`; past that, only as xterm.js parses. So main holds at
 * most the window, the page at most its queue plus the window, and flow control still
 * follows the page's real pace once it falls behind.
 */
export class Acknowledger {
  #received = 0;
  #parsed = 0;
  #acknowledged = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #disposed = false;

  constructor(private readonly sessionId: string) {}

  /** Output handed to xterm.js, not yet parsed. */
  received(chars: number): void {
    this.#received += chars;
    this.#update();
  }

  /** Output xterm.js has parsed (its write callback). */
  drawn(chars: number): void {
    this.#parsed += chars;
    this.#update();
  }

  /** What may be acknowledged now: everything received, less what the queue holds beyond its bound. */
  #ackable(): number {
    return Math.min(this.#received, this.#parsed + ptyFlow.rendererQueueChars) - this.#acknowledged;
  }

  #update(): void {
    if (this.#disposed) return;
    const ackable = this.#ackable();
    if (ackable >= ackChunkChars) this.#flush();
    else if (ackable > 0) this.#timer ??= setTimeout(() => this.#flush(), ackIdleMs);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const bytes = this.#ackable();
    if (bytes <= 0 || this.#disposed) return;
    this.#acknowledged += bytes;
    // A lost ack only means the session stays paused until the next one; nothing to report.
    request({ type: 'PtyAck', data: { sessionId: this.sessionId, bytes } }).catch(() => undefined);
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
  }
}
