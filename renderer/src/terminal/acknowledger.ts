import { ptyFlow } from '../../../shared/limits';
import { request } from '../api';

/** Acknowledgements are sent once this many characters are drawn; well under half the window, so a paused session always resumes. */
const ackChunkChars = ptyFlow.ackEveryChars;
/** The remainder is acknowledged after this quiet spell, so nothing waits unacknowledged forever. */
const ackIdleMs = 20;

/** Tells main what xterm.js has drawn, in batches, so flow control sees the renderer's real pace. */
export class Acknowledger {
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #disposed = false;

  constructor(private readonly sessionId: string) {}

  drawn(chars: number): void {
    if (this.#disposed) return;
    this.#pending += chars;
    if (this.#pending >= ackChunkChars) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), ackIdleMs);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending === 0 || this.#disposed) return;
    const bytes = this.#pending;
    this.#pending = 0;
    // A lost ack only means the session stays paused until the next one; nothing to report.
    request({ type: 'PtyAck', data: { sessionId: this.sessionId, bytes } }).catch(() => undefined);
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
  }
}
