import { LocalBrainError } from '../../../shared/errors';

/**
 * Splits a command line into words the way a POSIX shell does for quoting — single
 * quotes, double quotes (where `\` escapes `"`, `\`, `$` and a backquote) and a backslash
 * outside quotes — and does nothing else: no variables, globs, `~`, `;`, pipes or
 * redirections. Those characters stay literal text in the words; nothing here, or later,
 * runs a shell.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && i + 1 < line.length && '"\\$`'.includes(line.charAt(i + 1))) current += line.charAt(++i);
      else current += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < line.length) {
      current += line.charAt(++i);
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new LocalBrainError('ValidationFailed', `The command has an unclosed ${quote} quote.`);
  if (inWord) words.push(current);
  return words;
}
