import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';

/**
 * How long a line diff may run on the main thread. Myers' diff costs (lines × edits): two
 * unlike 8,000-line files took 20 s, and every other client waited. Past this budget the
 * person sees the whole file replaced instead, which is what such a diff would show anyway.
 */
export const diffBudgetMs = 300;

/** Edits beyond which a line-by-line review is no longer readable; stops early on fast machines too. */
export const maxDiffEdits = 4_000;

export interface TextDiff {
  readonly patch: string;
  readonly additions: number;
  readonly deletions: number;
  readonly identical: boolean;
  /** True when the texts were too different to compare within the budget: the patch replaces every line. */
  readonly replaced: boolean;
}

const noNewline = '\\ No newline at end of file';

/** A file's lines as a patch shows them, each prefixed with `sign`, and the end-of-file marker when it has no final newline. */
function patchLines(text: string, sign: '-' | '+'): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  const endsWithNewline = lines.at(-1) === '';
  if (endsWithNewline) lines.pop();
  const signed = lines.map((line) => sign + line);
  if (!endsWithNewline) signed.push(noNewline);
  return signed;
}

/** The whole-file replacement: every old line removed, every new line added, in one hunk. */
function replacement(oldFileName: string, newFileName: string, before: string, after: string): StructuredPatch {
  const removed = patchLines(before, '-');
  const added = patchLines(after, '+');
  const oldLines = removed.filter((line) => line !== noNewline).length;
  const newLines = added.filter((line) => line !== noNewline).length;
  return {
    oldFileName,
    newFileName,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: oldLines + newLines === 0 ? [] : [{ oldStart: 1, oldLines, newStart: 1, newLines, lines: [...removed, ...added] }],
  };
}

/**
 * A unified diff of `before` (the file on disk, absent when `existed` is false) against
 * `after`, bounded in time: a diff that would take longer falls back to a replacement.
 */
export function textDiff(options: {
  readonly before: string;
  readonly after: string;
  readonly name: string;
  readonly existed: boolean;
  readonly context: number;
}): TextDiff {
  const { before, after, name, context } = options;
  const oldFileName = options.existed ? `a/${name}` : '/dev/null';
  const newFileName = `b/${name}`;
  const identical = before === after;
  const found = identical
    ? undefined
    : structuredPatch(oldFileName, newFileName, before, after, undefined, undefined, {
        context,
        timeout: diffBudgetMs,
        maxEditLength: maxDiffEdits,
      });
  const replaced = !identical && found === undefined;
  const structured =
    found ?? (identical ? replacement(oldFileName, newFileName, '', '') : replacement(oldFileName, newFileName, before, after));
  let additions = 0;
  let deletions = 0;
  for (const hunk of structured.hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) additions += 1;
      else if (line.startsWith('-')) deletions += 1;
    }
  }
  return { patch: formatPatch(structured), additions, deletions, identical, replaced };
}
