import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Longest stretch of synchronous file system work before yielding to the event loop.
 * Metadata and page-cache reads take microseconds; sending each one through libuv's
 * four-thread pool costs more in scheduling than in I/O (files bench: 3–6× slower),
 * so list and search run them synchronously in slices this short, and other requests
 * are served between slices. 8 ms keeps the main process's IPC latency within a frame.
 */
export const sliceMs = 8;

/** Call `pause()` between units of synchronous work: it yields once the current slice is used up. */
export class TimeSlicer {
  #started = performance.now();

  constructor(private readonly budgetMs = sliceMs) {}

  async pause(signal?: AbortSignal): Promise<void> {
    if (performance.now() - this.#started < this.budgetMs) return;
    await nextTurn();
    signal?.throwIfAborted();
    this.#started = performance.now();
  }
}
