/**
 * True when `a` and `b` differ by at most one edit: an insertion, a deletion, a
 * substitution or two neighbouring letters swapped (Damerau–Levenshtein ≤ 1). Linear time.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    // Substitution at i, or a swap of i and i+1.
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  // One extra letter in the longer word at i.
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** Shorter keywords are matched exactly: "run" one edit away is "sun", "gun", "rum". */
export const minTypoKeywordLength = 4;

/** Whether a spoken word counts as the keyword, and whether it took a typo to get there. */
export function matchKeyword(word: string, keyword: string): 'exact' | 'typo' | undefined {
  if (word === keyword) return 'exact';
  if (keyword.length >= minTypoKeywordLength && word.length >= minTypoKeywordLength - 1 && withinOneEdit(word, keyword))
    return 'typo';
  return undefined;
}
