import { createContext, Script } from 'node:vm';
import { LocalBrainError } from '../../../shared/errors';

/**
 * A person's regular expression can backtrack for minutes on one line (`(a+)+$`), and a
 * RegExp cannot be stopped from outside. Run inside a vm script with a timeout, V8
 * interrupts it; the search then fails with a clear error instead of freezing main.
 */
export const regexFileBudgetMs = 1_000;

/** Finds, per line, the first match of `pattern` in `text`: [line, column] pairs, 1-based. */
const findLines = new Script(`
  (() => {
    const found = [];
    if (!pattern.test(text)) return found;
    const lines = text.split('\\n');
    for (let index = 0; index < lines.length && found.length < limit; index += 1) {
      const match = pattern.exec(lines[index]);
      if (match !== null) found.push([index + 1, match.index + 1]);
    }
    return found;
  })()
`);

export class GuardedRegex {
  readonly #context: { pattern: RegExp; text: string; limit: number };

  constructor(pattern: RegExp) {
    this.#context = createContext({ pattern, text: '', limit: 0 }) as { pattern: RegExp; text: string; limit: number };
  }

  /** Matching lines of `text`, at most `limit`; throws ValidationFailed when the pattern runs away. */
  matchLines(text: string, limit: number, shown: string): [number, number][] {
    this.#context.text = text;
    this.#context.limit = limit;
    try {
      return findLines.runInContext(this.#context, { timeout: regexFileBudgetMs }) as [number, number][];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new LocalBrainError(
          'ValidationFailed',
          `The regular expression ran for over ${regexFileBudgetMs} ms on ${shown}; it likely backtracks without end. Simplify it.`,
          { path: shown },
        );
      }
      throw error;
    } finally {
      this.#context.text = '';
    }
  }
}
