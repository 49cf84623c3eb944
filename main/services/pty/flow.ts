import { ptyFlow } from '../../../shared/limits';

/**
 * How output is batched and throttled. Credit-based: the receiver's window is
 * `highWatermarkChars` (shared/contract/pty.ts `ptyFlow`); VS Code's 100,000 / 5,000 were
 * made for in-process IPC and left the pipe idle while an ack crossed a socket.
 */
export interface FlowOptions {
  /** The window: pause the PTY above this many unacknowledged characters (the issue caps it at 500 KB so Ctrl-C during `yes` answers at once). */
  readonly highWatermarkChars: number;
  /** Resume below this many: half the window, so output keeps flowing while the next acknowledgement is on its way. */
  readonly lowWatermarkChars: number;
  /** Output waits at most this long to be batched (VS Code: 5 ms; one frame at 60 Hz is 16 ms, so batches stay invisible). */
  readonly batchMs: number;
  /**
   * A batch this large is sent at once without waiting (Hyper: 200 KB). 32 Ki: in headless
   * Chromium 64 Ki-character frames reached xterm.js in bursts and the page drew at ~0.6× a
   * bare xterm.js page fed small frames, at 32 Ki ~0.8–0.9× (docs/benchmarks.md `pty-screen`),
   * while a Node client over the socket kept its pace (`wire`).
   */
  readonly batchMaxChars: number;
}

export const defaultFlow: FlowOptions = {
  highWatermarkChars: ptyFlow.windowChars,
  lowWatermarkChars: ptyFlow.windowChars / 2,
  batchMs: 5,
  batchMaxChars: 32 * 1024,
};
