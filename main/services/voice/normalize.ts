/**
 * Turns a sentence into the words the intent grammar matches, and remembers where each
 * word came from, so a slot can take the person's exact text (a command line, a file
 * name, search text) instead of its normalised form.
 */

export interface Token {
  /** Lower case, without the punctuation around it; number words are digits. */
  readonly norm: string;
  /** Offsets of the raw word (punctuation included) in the original text. */
  readonly start: number;
  readonly end: number;
}

export interface Utterance {
  readonly text: string;
  /** The words to match, without fillers, wake phrase or articles. */
  readonly tokens: readonly Token[];
  /** Where the sentence ends once trailing fillers ("please", "thanks") are left out. */
  readonly end: number;
}

/**
 * Words beyond this are never matched one by one: a sentence that long is noise, except for
 * a trailing command line or text, which a slot takes whole. Keeps parsing linear in the input.
 */
export const maxMatchedTokens = 64;
/** Raw words looked at in all: 10,000 characters of noise are cut here before any work. */
const maxRawWords = 4_096;

/** Said before a command and meaning nothing to it; longest first so "hey brain" wins over "brain". */
const leadingFillers: readonly (readonly string[])[] = [
  ['hey', 'local', 'brain'],
  ['hey', 'localbrain'],
  ['hey', 'brain'],
  ['ok', 'brain'],
  ['okay', 'brain'],
  ['hi', 'brain'],
  ['localbrain'],
  ['brain'],
  ['could', 'you', 'please'],
  ['can', 'you', 'please'],
  ['would', 'you', 'please'],
  ['could', 'you'],
  ['can', 'you'],
  ['would', 'you'],
  ['will', 'you'],
  ['i', 'would', 'like', 'to'],
  ["i'd", 'like', 'to'],
  ['i', 'want', 'to'],
  ['i', 'wanna'],
  ['i', 'need', 'to'],
  ['go', 'ahead', 'and'],
  ["let's"],
  ['lets'],
  ['just'],
  ['now'],
  ['ok'],
  ['okay'],
  ['so'],
];
const trailingFillers: readonly (readonly string[])[] = [
  ['for', 'me', 'please'],
  ['for', 'me'],
  ['thank', 'you'],
  ['thanks'],
  ['now'],
  ['please'],
];
/** Hesitations and politeness dropped wherever they are. */
const anywhereFillers = new Set(['please', 'um', 'umm', 'uh', 'uhm', 'erm', 'er', 'hmm', 'kindly']);
/** Articles and determiners: "open the readme" and "open readme" mean the same. */
const articles = new Set(['a', 'an', 'the', 'my', 'this', 'some', 'our']);

const units: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const tens: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

/**
 * A phrase's keyword as a sentence's word is normalised: undefined for one normalising always
 * drops ("the", "please"), so a phrase written as people speak still matches; digits for a
 * number word.
 */
export function phraseWord(word: string): string | undefined {
  const lower = word.toLowerCase();
  if (articles.has(lower) || anywhereFillers.has(lower)) return undefined;
  const number = units[lower] ?? tens[lower];
  return number === undefined ? lower : String(number);
}

const edgePunctuation = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** Lower case without the punctuation at a word's edges ("Terminal," → "terminal"; "../x" → "x"). */
export function normWord(raw: string): string {
  return raw.normalize('NFKC').toLowerCase().replaceAll('’', "'").replace(edgePunctuation, '');
}

interface RawWord {
  readonly norm: string;
  /** Plain word (letters, maybe a trailing comma or stop): only these may be dropped as fillers or articles. */
  readonly plain: boolean;
  readonly start: number;
  readonly end: number;
}

function rawWords(text: string): RawWord[] {
  const words: RawWord[] = [];
  const pattern = /\S+/g;
  for (let match = pattern.exec(text); match !== null && words.length < maxRawWords; match = pattern.exec(text)) {
    words.push({
      norm: normWord(match[0]),
      plain: /^\p{L}+(['’]\p{L}+)*[,.!?]?$/u.test(match[0]),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return words;
}

/** "twenty four" → 24, "fourteen" → 14, "a hundred"/"one hundred" → 100; the rest stay words. */
function foldNumbers(words: RawWord[]): RawWord[] {
  const out: RawWord[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word) break;
    const ten = tens[word.norm];
    const unit = units[word.norm];
    if (ten !== undefined) {
      const next = words[i + 1];
      const nextUnit = next ? units[next.norm] : undefined;
      if (next && nextUnit !== undefined && nextUnit > 0 && nextUnit < 10) {
        out.push({ norm: String(ten + nextUnit), plain: false, start: word.start, end: next.end });
        i++;
      } else out.push({ ...word, norm: String(ten) });
    } else if (unit !== undefined) {
      const next = words[i + 1];
      if (next?.norm === 'hundred') {
        out.push({ norm: String(unit * 100), plain: false, start: word.start, end: next.end });
        i++;
      } else out.push({ ...word, norm: String(unit) });
    } else out.push(word);
  }
  return out;
}

function startsWith(words: readonly RawWord[], from: number, phrase: readonly string[]): boolean {
  return phrase.every((part, offset) => words[from + offset]?.norm === part);
}

function endsWith(words: readonly RawWord[], to: number, phrase: readonly string[]): boolean {
  return phrase.every((part, offset) => words[to - phrase.length + offset]?.norm === part);
}

export function normalizeUtterance(text: string): Utterance {
  const words = foldNumbers(rawWords(text));
  let from = 0;
  let to = words.length;
  // Leading and trailing fillers may stack: "hey brain, could you please …".
  for (let changed = true; changed;) {
    changed = false;
    while (from < to && (words[from]?.norm === '' || anywhereFillers.has(words[from]?.norm ?? ''))) from++;
    for (const phrase of leadingFillers) {
      if (from + phrase.length <= to && startsWith(words, from, phrase)) {
        from += phrase.length;
        changed = true;
        break;
      }
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const phrase of trailingFillers) {
      if (to - phrase.length >= from && endsWith(words, to, phrase)) {
        to -= phrase.length;
        changed = true;
        break;
      }
    }
  }
  const tokens: Token[] = [];
  for (const word of words.slice(from, to)) {
    if (word.norm === '' || (word.plain && (anywhereFillers.has(word.norm) || articles.has(word.norm)))) continue;
    tokens.push({ norm: word.norm, start: word.start, end: word.end });
  }
  const last = to > from ? words[to - 1] : undefined;
  return { text, tokens, end: last?.end ?? 0 };
}
