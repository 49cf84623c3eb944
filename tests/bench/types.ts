/** One measured figure, printed beside its target; `pass` is undefined for figures without a target. */
export interface BenchRow {
  readonly metric: string;
  readonly value: string;
  readonly target?: string;
  readonly pass?: boolean;
}

/** A bench suite: every `tests/bench/*.bench.ts` default-exports one. */
export interface BenchSuite {
  readonly name: string;
  /** What is compared with what, in one sentence, for docs/benchmarks.md. */
  readonly description: string;
  /**
   * What investigation found about a figure that misses its target, printed under the table: kept
   * with the suite, because a rerun rewrites the section and would drop a note added by hand.
   */
  readonly findings?: string;
  /** Long runs (the soak) run only when named: `npm run bench -- soak`. */
  readonly explicitOnly?: boolean;
  run(): Promise<BenchRow[]>;
}
