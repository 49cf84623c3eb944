/**
 * One-at-a-time work per key (a file's real path). A save checks `expectedSha256` and then
 * writes; two saves of the same file running interleaved would both pass the check and the
 * second would silently replace the first. Serialized, the second sees the first's result.
 */
function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve: (() => void) | undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve: () => resolve?.() };
}

export class PathLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier `run` with the same key has settled. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const { promise: done, resolve: release } = withResolvers();
    const tail = previous.then(() => done);
    this.#tails.set(key, tail);
    try {
      await previous;
      return await work();
    } finally {
      release();
      // The last holder leaves no entry behind.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with work running or waiting (for tests and health). */
  get size(): number {
    return this.#tails.size;
  }
}
