/**
 * The most recent output of a session, bounded in characters, kept so a reloaded window
 * can reattach and see the screen. Chunks are kept as they came and the oldest dropped,
 * so appending is O(1) amortised and nothing is copied until a snapshot is taken.
 */
export class ScrollbackRing {
  #chunks: string[] = [];
  #head = 0;
  #length = 0;

  constructor(readonly capacityChars: number) {}

  get length(): number {
    return this.#length;
  }

  push(text: string): void {
    if (text.length === 0 || this.capacityChars <= 0) return;
    const kept = text.length > this.capacityChars ? text.slice(text.length - this.capacityChars) : text;
    this.#chunks.push(kept);
    this.#length += kept.length;
    while (this.#length > this.capacityChars) {
      const oldest = this.#chunks[this.#head] ?? '';
      const excess = this.#length - this.capacityChars;
      if (oldest.length <= excess) {
        this.#head += 1;
        this.#length -= oldest.length;
      } else {
        this.#chunks[this.#head] = oldest.slice(excess);
        this.#length -= excess;
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The kept text; a cut through a surrogate pair at the start is dropped rather than shown broken. */
  snapshot(): string {
    const text = this.#chunks.slice(this.#head).join('');
    const first = text.charCodeAt(0);
    return first >= 0xdc00 && first <= 0xdfff ? text.slice(1) : text;
  }

  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#length = 0;
  }
}
