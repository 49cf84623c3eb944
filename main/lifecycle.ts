import type { Logger } from 'pino';

export type Disposer = () => void | Promise<void>;

/**
 * Owns things that must be released, and releases them in reverse order of
 * registration, so what was started last (and may depend on the rest) stops first.
 */
export class DisposableStore {
  readonly #disposers: Disposer[] = [];
  #disposed = false;

  constructor(private readonly logger?: Logger) {}

  add(disposer: Disposer): void {
    if (this.#disposed) throw new Error('add() after dispose()');
    this.#disposers.push(disposer);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const disposer of this.#disposers.reverse()) {
      try {
        await disposer();
      } catch (error) {
        this.logger?.error({ err: error }, 'dispose failed');
      }
    }
    this.#disposers.length = 0;
  }
}
