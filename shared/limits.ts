/** Limits shared by every process; each carries the reason for its number. */
export const limits = {
  /** Largest request accepted by the router, measured as UTF-8 JSON (DESIGN.md: 1 MiB default). */
  maxMessageBytes: 1024 * 1024,
  /** VoiceCommand text, in Unicode code points (DESIGN.md: 1–10,000 characters). */
  maxCommandTextChars: 10_000,
  /** Deadline for a handler when the message does not carry its own (DESIGN.md: 30 s). */
  defaultDeadlineMs: 30_000,
  /** TerminalCommand: the longest a command may run; ten minutes covers builds and test runs. */
  maxCommandTimeoutMs: 10 * 60_000,
  /** TerminalCommand: default run time when the request names none. */
  defaultCommandTimeoutMs: 30_000,
  /** TerminalCommand: bytes kept per stream before `truncated` is set (enough for a screenful of logs many times over). */
  maxCommandOutputBytes: 256 * 1024,
  /** TerminalCommand: argument count and length; Linux's ARG_MAX is 2 MiB in all, so these stay well under it. */
  maxCommandArgs: 256,
  maxCommandArgChars: 32 * 1024,
  /** Paths: PATH_MAX on Linux is 4096 bytes. */
  maxPathChars: 4096,
  /** FileOperation read: larger files are refused with a clear error rather than streamed into the UI. */
  maxReadBytes: 10 * 1024 * 1024,
  /** FileOperation list: entries returned for one folder. */
  maxListEntries: 100_000,
} as const;

/**
 * Credit-based flow control of PTY output, shared so main and the renderer agree. The
 * receiver's credit is the window: main stops reading a PTY once that many characters are
 * sent and unacknowledged, and reads again once acknowledgements bring it under half, so the
 * pipe stays full while an acknowledgement crosses the socket.
 */
export const ptyFlow = {
  /**
   * Characters (UTF-16 code units of PtyData.data) in flight per session. An earlier issue caps
   * what main holds for a frozen window at 500 KB; half of it is ~8 ms of xterm.js parsing at
   * 30 MB/s, several times an acknowledgement's round trip over the loopback socket.
   */
  windowChars: 500_000,
  /** The receiver acknowledges in batches of at least this many characters: eight acks per window, not one per 4 KB. */
  ackEveryChars: 64 * 1024,
  /**
   * Characters the renderer itself queues in xterm.js ahead of its parser. Output it has
   * received is acknowledged at once while its queue stays under this, and only as xterm.js
   * parses beyond it, so main keeps its bound (the window) and the page keeps its own. With
   * acknowledgements only after parsing, a page on a loaded machine without a GPU drew at
   * half the pace of a bare xterm.js page (docs/benchmarks.md `pty-screen`): each window's
   * output reached the page as a burst behind its own parsing and rendering, and the page then
   * sat idle for the next. Worst case behind a Ctrl-C: the window plus this queue.
   */
  rendererQueueChars: 500_000,
} as const;
