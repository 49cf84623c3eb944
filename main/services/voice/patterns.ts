import { matchKeyword } from './typo';
import type { Token, Utterance } from './normalize';
import { maxMatchedTokens, phraseWord } from './normalize';

/**
 * The phrase syntax of the intent registry, kept small on purpose:
 *
 *   word          a keyword (one typo allowed when it has four letters or more)
 *   (a|b c)       one of the alternatives
 *   [a b]         optional
 *   {name}        a slot: one or more words
 *   {name!}       a slot that must resolve (a folder that exists), else this reading is dropped
 *   {name=a|b}    a slot that is exactly one of these words
 *
 * A slot at the very end takes the rest of the sentence, however long. Words a sentence
 * never keeps (articles, "please") are left out of a phrase too; number words are digits.
 */
type Node =
  | { readonly kind: 'word'; readonly word: string }
  | { readonly kind: 'alt'; readonly options: readonly (readonly Node[])[]; readonly optional: boolean }
  | { readonly kind: 'slot'; readonly name: string; readonly strict: boolean; readonly choices?: readonly string[] };

export interface CompiledPhrase {
  readonly source: string;
  readonly nodes: readonly Node[];
}

/** A slot as matched: its words and the person's own text for them. */
export interface SlotMatch {
  readonly words: readonly string[];
  readonly raw: string;
  readonly strict: boolean;
  /** True when the slot took the rest of the sentence. */
  readonly tail: boolean;
}

export interface PhraseMatch {
  readonly slots: ReadonlyMap<string, SlotMatch>;
  /** Keywords matched; more is a more specific reading. */
  readonly keywords: number;
  readonly typos: number;
}

/** Longest run of words a slot in the middle of a phrase takes: a folder or file name, not a paragraph. */
const maxInnerSlotWords = 12;
/** Readings collected per phrase; ambiguity beyond this is not worth resolving. */
const maxMatchesPerPhrase = 16;

function tokenize(source: string): string[] {
  return source.match(/\{[^}]*\}|[()[\]|]|[^\s()[\]|{}]+/g) ?? [];
}

export function compilePhrase(source: string): CompiledPhrase {
  const parts = tokenize(source);
  let index = 0;
  const sequence = (closer: string | undefined): Node[][] => {
    const options: Node[][] = [[]];
    while (index < parts.length) {
      const part = parts[index++] ?? '';
      const current = options.at(-1) ?? [];
      if (part === closer) return options;
      if (part === '|') options.push([]);
      else if (part === '(' || part === '[') {
        const inner = sequence(part === '(' ? ')' : ']');
        current.push({ kind: 'alt', options: inner, optional: part === '[' });
      } else if (part.startsWith('{')) {
        const body = part.slice(1, -1);
        const [name = '', choices] = body.split('=');
        const strict = name.endsWith('!');
        current.push({
          kind: 'slot',
          name: strict ? name.slice(0, -1) : name,
          strict,
          ...(choices === undefined ? {} : { choices: choices.split('|') }),
        });
      } else if (part === ')' || part === ']') throw new Error(`unbalanced "${part}" in phrase "${source}"`);
      else {
        const word = phraseWord(part);
        if (word !== undefined) current.push({ kind: 'word', word });
      }
    }
    if (closer !== undefined) throw new Error(`missing "${closer}" in phrase "${source}"`);
    return options;
  };
  const top = sequence(undefined);
  if (top.length !== 1) throw new Error(`top-level "|" in phrase "${source}"; wrap alternatives in ( )`);
  return { source, nodes: top[0] ?? [] };
}

interface State {
  readonly pos: number;
  readonly slots: ReadonlyMap<string, SlotMatch>;
  readonly keywords: number;
  readonly typos: number;
}

function rawSpan(utterance: Utterance, tokens: readonly Token[], from: number, to: number): string {
  const start = tokens[from]?.start ?? 0;
  return utterance.text.slice(start, tokens[to - 1]?.end ?? start).trim();
}

/**
 * The person's own text from word `from` to the end of the sentence (trailing fillers left
 * out). Symbols said right after the last keyword belong to it ("run ; ls", "run *"), while
 * dropped words (articles, fillers) before the next kept word do not.
 */
function tailText(utterance: Utterance, tokens: readonly Token[], from: number): string {
  const previousEnd = from > 0 ? (tokens[from - 1]?.end ?? 0) : 0;
  const next = tokens[from];
  const gap = utterance.text.slice(previousEnd, next?.start ?? previousEnd);
  const start = next === undefined || !/[\p{L}\p{N}]/u.test(gap) ? previousEnd : next.start;
  return utterance.text.slice(start, Math.max(utterance.end, next?.end ?? 0)).trim();
}

/**
 * Every reading of the utterance by this phrase (up to a cap). Backtracking is bounded:
 * at most `maxMatchedTokens` words are matched one by one and a middle slot takes at
 * most `maxInnerSlotWords`, so a phrase costs O(words × slot width) at worst.
 */
export function matchPhrase(phrase: CompiledPhrase, utterance: Utterance): PhraseMatch[] {
  const tokens = utterance.tokens;
  const results: PhraseMatch[] = [];
  const limit = Math.min(tokens.length, maxMatchedTokens);

  const walk = (nodes: readonly Node[], at: number, state: State, rest: readonly (readonly Node[])[]): void => {
    if (results.length >= maxMatchesPerPhrase) return;
    if (at === nodes.length) {
      const [next, ...others] = rest;
      if (next) return walk(next, 0, state, others);
      if (state.pos === tokens.length) results.push({ slots: state.slots, keywords: state.keywords, typos: state.typos });
      return;
    }
    const node = nodes[at];
    if (!node) return;
    if (node.kind === 'word') {
      if (state.pos >= limit) return;
      const how = matchKeyword(tokens[state.pos]?.norm ?? '', node.word);
      if (!how) return;
      walk(
        nodes,
        at + 1,
        { ...state, pos: state.pos + 1, keywords: state.keywords + 1, typos: state.typos + (how === 'typo' ? 1 : 0) },
        rest,
      );
      return;
    }
    if (node.kind === 'alt') {
      const after = [nodes.slice(at + 1), ...rest];
      for (const option of node.options) walk(option, 0, state, after);
      if (node.optional) walk(nodes, at + 1, state, rest);
      return;
    }
    const isLast = at === nodes.length - 1 && rest.every((group) => group.length === 0);
    if (isLast && !node.choices) {
      const raw = tailText(utterance, tokens, state.pos);
      if (raw === '') return;
      const slot: SlotMatch = {
        words: tokens.slice(state.pos, Math.min(tokens.length, state.pos + maxMatchedTokens)).map((token) => token.norm),
        raw,
        strict: node.strict,
        tail: true,
      };
      walk(nodes, at + 1, { ...state, pos: tokens.length, slots: new Map(state.slots).set(node.name, slot) }, rest);
      return;
    }
    if (state.pos >= tokens.length) return;
    if (node.choices) {
      if (state.pos >= limit) return;
      const word = tokens[state.pos]?.norm ?? '';
      for (const choice of node.choices) {
        const how = matchKeyword(word, choice);
        if (!how) continue;
        const slot: SlotMatch = { words: [choice], raw: choice, strict: node.strict, tail: false };
        walk(
          nodes,
          at + 1,
          {
            pos: state.pos + 1,
            slots: new Map(state.slots).set(node.name, slot),
            keywords: state.keywords + 1,
            typos: state.typos + (how === 'typo' ? 1 : 0),
          },
          rest,
        );
        return;
      }
      return;
    }
    const widest = Math.min(limit, state.pos + maxInnerSlotWords);
    for (let end = state.pos + 1; end <= widest; end++) {
      const slot: SlotMatch = {
        words: tokens.slice(state.pos, end).map((token) => token.norm),
        raw: rawSpan(utterance, tokens, state.pos, end),
        strict: node.strict,
        tail: false,
      };
      walk(nodes, at + 1, { ...state, pos: end, slots: new Map(state.slots).set(node.name, slot) }, rest);
    }
  };

  walk(phrase.nodes, 0, { pos: 0, slots: new Map(), keywords: 0, typos: 0 }, []);
  return results;
}

/** The keywords of a phrase, for suggestions: its first reading with slots shown as `…`. */
export function phraseKeywords(phrase: CompiledPhrase): string[] {
  const words: string[] = [];
  const visit = (nodes: readonly Node[]) => {
    for (const node of nodes) {
      if (node.kind === 'word') words.push(node.word);
      else if (node.kind === 'alt') node.options.forEach(visit);
      else if (node.choices) words.push(...node.choices);
    }
  };
  visit(phrase.nodes);
  return words;
}
