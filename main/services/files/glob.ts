/**
 * File-name globs matched in time linear in the path's length, whatever the pattern.
 *
 * A glob turned into a backtracking regular expression (what picomatch and minimatch do)
 * can take exponential time: `*a*a*a*a*a*a*a*a*a*a*a*a*b` against a name of 36 `a`s took
 * 52 s and froze every client of the main process. Here the pattern is compiled once into a
 * Thompson NFA and a path is matched by advancing the set of live states one character at a
 * time, so the work is at most (characters in the path) × (states in the pattern).
 *
 * Supported, as in picomatch with `dot: true`: `*` (any run of characters within one path
 * segment, dotfiles included), `?` (one character, not `/`), `[abc]`, `[a-z]`, `[!a]` and
 * `[^a]` (one character, not `/`), `**` as a whole segment (any number of segments: `a/**\/b`
 * matches `a/b` and `a/x/y/b`; a trailing `/**` also matches the folder itself), `{a,b}`
 * alternatives (nested too), `\` to take the next character literally, and a leading `!` to
 * negate the whole pattern. A pattern without `/` is matched against the file name only.
 * Extglobs (`@(a|b)`), numeric ranges (`{1..3}`) and POSIX classes (`[[:alpha:]]`) are not
 * special: their characters are taken literally. An unclosed `[` or `{` is literal too.
 */

type Node =
  | { readonly kind: 'char'; readonly code: number }
  | { readonly kind: 'one' } // `?`: one character other than `/`
  | { readonly kind: 'star' } // `*`: any run of characters other than `/`
  | { readonly kind: 'segments' } // `**/`: zero or more whole segments, each ending in `/`
  | { readonly kind: 'rest' } // `**` at the end, or the whole pattern: anything, `/` included
  | { readonly kind: 'optionalRest' } // `/**` at the end: nothing, or `/` and anything
  | { readonly kind: 'class'; readonly ranges: readonly (readonly [number, number])[]; readonly negated: boolean }
  | { readonly kind: 'alternatives'; readonly options: readonly Node[][] };

const slash = 0x2f;
const star = 0x2a;

/** Parses code points into nodes; `inBraces` stops at `,` and `}` of the enclosing alternatives. */
class Parser {
  #index = 0;

  constructor(private readonly chars: readonly number[]) {}

  parse(): Node[] {
    return this.#sequence(false);
  }

  #sequence(inBraces: boolean): Node[] {
    const nodes: Node[] = [];
    const { chars } = this;
    while (this.#index < chars.length) {
      const code = chars[this.#index] ?? 0;
      if (inBraces && (code === 0x2c || code === 0x7d)) break; // `,` or `}`
      if (code === 0x5c && this.#index + 1 < chars.length) {
        // `\x`: x taken literally.
        nodes.push({ kind: 'char', code: chars[this.#index + 1] ?? 0 });
        this.#index += 2;
      } else if (code === star) {
        nodes.push(this.#stars(nodes));
      } else if (code === 0x3f) {
        nodes.push({ kind: 'one' });
        this.#index += 1;
      } else if (code === 0x5b) {
        const klass = this.#characterClass();
        if (klass === undefined) this.#index += 1;
        nodes.push(klass ?? { kind: 'char', code });
      } else if (code === 0x7b) {
        nodes.push(...(this.#braces() ?? [{ kind: 'char', code } as const]));
      } else {
        nodes.push({ kind: 'char', code });
        this.#index += 1;
      }
    }
    return nodes;
  }

  /** A run of `*`: a globstar when it is a whole segment, otherwise one `*`. */
  #stars(before: Node[]): Node {
    const { chars } = this;
    const start = this.#index;
    while (chars[this.#index] === star) this.#index += 1;
    const run = this.#index - start;
    const previous = before.at(-1);
    const segmentStart = previous === undefined || (previous.kind === 'char' && previous.code === slash);
    const next = chars[this.#index];
    if (run < 2 || !segmentStart) return { kind: 'star' };
    if (next === slash) {
      this.#index += 1; // the `/` belongs to the globstar: `**/` may match nothing at all
      return { kind: 'segments' };
    }
    if (next === undefined) {
      if (previous === undefined) return { kind: 'rest' };
      before.pop(); // `a/**` also matches `a` itself: the `/` becomes optional
      return { kind: 'optionalRest' };
    }
    return { kind: 'star' };
  }

  /** `[...]`, or undefined (then `[` is literal) when it does not close. */
  #characterClass(): Node | undefined {
    const { chars } = this;
    let index = this.#index + 1;
    let negated = false;
    if (chars[index] === 0x21 || chars[index] === 0x5e) {
      negated = true;
      index += 1;
    }
    const ranges: [number, number][] = [];
    let first = true;
    while (index < chars.length) {
      let code = chars[index] ?? 0;
      if (code === 0x5d && !first) {
        this.#index = index + 1;
        return { kind: 'class', ranges, negated };
      }
      first = false;
      if (code === 0x5c && index + 1 < chars.length) {
        index += 1;
        code = chars[index] ?? 0;
      }
      const dash = chars[index + 1];
      const end = chars[index + 2];
      if (dash === 0x2d && end !== undefined && end !== 0x5d) {
        ranges.push([code, end]);
        index += 3;
      } else {
        ranges.push([code, code]);
        index += 1;
      }
    }
    return undefined;
  }

  /** `{a,b,...}` as alternatives, or undefined (then `{` is literal) when it does not close or has no `,`. */
  #braces(): Node[] | undefined {
    const start = this.#index;
    this.#index += 1;
    const options: Node[][] = [];
    for (;;) {
      options.push(this.#sequence(true));
      const code = this.chars[this.#index];
      if (code === 0x2c) {
        this.#index += 1;
        continue;
      }
      if (code === 0x7d && options.length > 1) {
        this.#index += 1;
        return [{ kind: 'alternatives', options }];
      }
      this.#index = start + 1;
      return undefined;
    }
  }
}

// NFA state kinds.
const matchChar = 0;
const matchOne = 1; // any code point but `/`
const matchAny = 2; // any code point
const matchClass = 3;
const split = 4; // epsilon to out1 and out2
const jump = 5; // epsilon to out1
const accept = 6;

/** A compiled NFA: parallel arrays indexed by state. */
class Machine {
  readonly kinds: number[] = [];
  readonly codes: number[] = [];
  readonly out1: number[] = [];
  readonly out2: number[] = [];
  readonly classes: ({ ranges: readonly (readonly [number, number])[]; negated: boolean } | undefined)[] = [];

  add(kind: number, code = 0, klass?: { ranges: readonly (readonly [number, number])[]; negated: boolean }): number {
    this.kinds.push(kind);
    this.codes.push(code);
    this.out1.push(-1);
    this.out2.push(-1);
    this.classes.push(klass);
    return this.kinds.length - 1;
  }

  /** Builds `nodes` so that they continue at `next`; returns the entry state. */
  build(nodes: readonly Node[], next: number): number {
    let entry = next;
    for (let index = nodes.length - 1; index >= 0; index -= 1) {
      const node = nodes[index];
      if (node !== undefined) entry = this.#node(node, entry);
    }
    return entry;
  }

  #step(kind: number, next: number, code = 0, klass?: { ranges: readonly (readonly [number, number])[]; negated: boolean }) {
    const state = this.add(kind, code, klass);
    this.out1[state] = next;
    return state;
  }

  /** `X*` where X is one character of `kind`: a split that loops through X or leaves. */
  #loop(kind: number, next: number): number {
    const loop = this.add(split);
    const body = this.#step(kind, loop);
    this.out1[loop] = body;
    this.out2[loop] = next;
    return loop;
  }

  #node(node: Node, next: number): number {
    switch (node.kind) {
      case 'char':
        return this.#step(matchChar, next, node.code);
      case 'one':
        return this.#step(matchOne, next);
      case 'class':
        return this.#step(matchClass, next, 0, node);
      case 'star':
        return this.#loop(matchOne, next);
      case 'rest':
        return this.#loop(matchAny, next);
      case 'segments': {
        // (any* `/`)? : skip, or any run that ends with a `/`.
        const choice = this.add(split);
        this.out1[choice] = this.#loop(matchAny, this.#step(matchChar, next, slash));
        this.out2[choice] = next;
        return choice;
      }
      case 'optionalRest': {
        const choice = this.add(split);
        this.out1[choice] = this.#step(matchChar, this.#loop(matchAny, next), slash);
        this.out2[choice] = next;
        return choice;
      }
      case 'alternatives': {
        const join = this.#step(jump, next);
        let entry = -1;
        for (let index = node.options.length - 1; index >= 0; index -= 1) {
          const start = this.build(node.options[index] ?? [], join);
          if (entry === -1) entry = start;
          else {
            const choice = this.add(split);
            this.out1[choice] = start;
            this.out2[choice] = entry;
            entry = choice;
          }
        }
        return entry;
      }
    }
  }
}

function inClass(klass: { ranges: readonly (readonly [number, number])[]; negated: boolean }, code: number): boolean {
  if (code === slash) return false;
  const found = klass.ranges.some(([low, high]) => code >= low && code <= high);
  return found !== klass.negated;
}

function codePoints(text: string): number[] {
  const codes: number[] = [];
  for (const char of text) codes.push(char.codePointAt(0) ?? 0);
  return codes;
}

export interface GlobOptions {
  readonly caseSensitive: boolean;
}

/** Compiles a glob into a matcher for `/`-separated paths relative to the searched root. */
export function compileGlob(glob: string, options: GlobOptions): (relativePath: string) => boolean {
  const negated = glob.startsWith('!') && glob.length > 1;
  let body = negated ? glob.slice(1) : glob;
  if (body.startsWith('./')) body = body.slice(2);
  const fold = (text: string) => (options.caseSensitive ? text : text.toLowerCase());
  const baseNameOnly = !body.includes('/');
  const machine = new Machine();
  const acceptState = machine.add(accept);
  const start = machine.build(new Parser(codePoints(fold(body))).parse(), acceptState);
  const { kinds, codes, out1, out2, classes } = machine;
  const count = kinds.length;
  // Marks which step a state was last added in, so each state enters a set once per step.
  const seen = new Int32Array(count).fill(-1);
  let current = new Int32Array(count);
  let following = new Int32Array(count);

  // Each state is expanded once per step and pushes at most two others.
  const stack = new Int32Array(2 * count + 1);

  /** Adds `state` and every state reachable from it without consuming a character. */
  const addClosure = (set: Int32Array, size: number, state: number, step: number): number => {
    let top = 0;
    stack[top++] = state;
    let length = size;
    while (top > 0) {
      const at = stack[--top] ?? -1;
      if (at < 0 || seen[at] === step) continue;
      seen[at] = step;
      const kind = kinds[at];
      if (kind === split) {
        stack[top++] = out2[at] ?? -1;
        stack[top++] = out1[at] ?? -1;
      } else if (kind === jump) stack[top++] = out1[at] ?? -1;
      else set[length++] = at;
    }
    return length;
  };

  const consumes = (state: number, code: number): boolean => {
    switch (kinds[state]) {
      case matchChar:
        return codes[state] === code;
      case matchOne:
        return code !== slash;
      case matchAny:
        return true;
      case matchClass: {
        // Without case sensitivity the pattern, classes included, was lower-cased with the path.
        const klass = classes[state];
        return klass !== undefined && inClass(klass, code);
      }
      default:
        return false;
    }
  };

  const matches = (relativePath: string): boolean => {
    const subject = baseNameOnly ? relativePath.slice(relativePath.lastIndexOf('/') + 1) : relativePath;
    seen.fill(-1);
    let step = 0;
    let size = addClosure(current, 0, start, step);
    for (const char of fold(subject)) {
      if (size === 0) return false;
      const code = char.codePointAt(0) ?? 0;
      step += 1;
      let nextSize = 0;
      for (let index = 0; index < size; index += 1) {
        const state = current[index] ?? -1;
        if (consumes(state, code)) nextSize = addClosure(following, nextSize, out1[state] ?? -1, step);
      }
      [current, following] = [following, current];
      size = nextSize;
    }
    for (let index = 0; index < size; index += 1) if (current[index] === acceptState) return true;
    return false;
  };

  return negated ? (relativePath) => !matches(relativePath) : matches;
}
