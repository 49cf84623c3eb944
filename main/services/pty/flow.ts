/** How output is batched and throttled; the defaults follow xterm.js's flow-control guide and VS Code. */
export interface FlowOptions {
  /** Pause the PTY above this many unacknowledged characters (VS Code: 100,000; the issue caps it at 500 KB so Ctrl-C during `yes` answers at once). */
  readonly highWatermarkChars: number;
  /** Resume below this many (VS Code: 5,000). */
  readonly lowWatermarkChars: number;
  /** Output waits at most this long to be batched (VS Code: 5 ms; one frame at 60 Hz is 16 ms, so batches stay invisible). */
  readonly batchMs: number;
  /** A batch this large is sent at once without waiting (Hyper: 200 KB; 64 Ki keeps the worst case of a never-acknowledging window at 164 K characters). */
  readonly batchMaxChars: number;
}

export const defaultFlow: FlowOptions = {
  highWatermarkChars: 100_000,
  lowWatermarkChars: 5_000,
  batchMs: 5,
  batchMaxChars: 64 * 1024,
};
