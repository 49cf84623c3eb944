import { closeSync, constants, openSync, readSync } from 'node:fs';
import { fileLimits, type SearchMatch, type SearchQuery } from '../../../shared/contract/files';
import { LocalBrainError } from '../../../shared/errors';
import path from 'node:path';
import { type ConfinedDir, openFlags } from '../workspace/confined';
import type { Containment } from '../workspace/inside';
import { compileGlob } from './glob';
import { GuardedRegex } from './guarded-regex';
import { TimeSlicer } from './slices';
import { childPath } from './entries';
import { looksBinary } from './text';

/** Folders a search never enters: version control internals and installed dependencies. */
export const skippedFolders: ReadonlySet<string> = new Set(['.git', 'node_modules', '.hg', '.svn']);
/** Results are pushed in batches: at most this many per event… */
const batchSize = 200;
/** …and at least this often, so the first results show at once. */
const batchIntervalMs = 50;
/** Bytes examined for a NUL to decide a file is binary, as git does. */
const binarySniffBytes = 8000;

export interface SearchOptions {
  readonly query: SearchQuery;
  readonly includeHidden: boolean;
  readonly maxResults: number;
  /** What the walk may enter: granted roots minus LocalBrain's own data folder. */
  readonly scope: Containment;
  readonly signal: AbortSignal;
  /** Receives results in batches, in the order they were found. */
  readonly onResults: (matches: SearchMatch[]) => void;
}

export interface SearchOutcome {
  readonly matches: number;
  readonly filesScanned: number;
  readonly truncated: boolean;
  readonly cancelled: boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileText(query: SearchQuery): RegExp | undefined {
  if (query.text === undefined) return undefined;
  const flags = query.caseSensitive ? '' : 'i';
  try {
    return new RegExp(query.regex ? query.text : escapeRegExp(query.text), flags);
  } catch (error) {
    throw new LocalBrainError(
      'ValidationFailed',
      `The search pattern is not a valid regular expression: ${(error as Error).message}`,
      {
        pattern: query.text,
      },
    );
  }
}

class Stop extends Error {}

/**
 * ASCII bytes from most to least common in source code and prose, after ripgrep's rare-byte
 * heuristic: a case-insensitive search first checks with memchr that a file holds the
 * needle's rarest byte (either case), and only then runs the pattern.
 */
const bytesByFrequency = ' \n\teotainsrlcdhumpf._(),;=gy"/-bw:\'vkx0>12{}[]<*|&!+j#q$%@?~^`\\z3456789';

/** The needle's rarest byte, as the bytes that stand for it (both cases for a letter). */
function rareBytes(needle: string): number[] {
  let best: number[] = [];
  let bestRank = -1;
  for (const char of needle.toLowerCase()) {
    const found = bytesByFrequency.indexOf(char);
    const rank = found === -1 ? bytesByFrequency.length : found;
    if (rank > bestRank) {
      bestRank = rank;
      const upper = char.toUpperCase();
      best = upper === char ? [char.charCodeAt(0)] : [char.charCodeAt(0), upper.charCodeAt(0)];
    }
  }
  return best;
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

/**
 * Walks a verified folder without following symlinks (they could lead out, or loop),
 * matching names by glob and contents by text or regex, and streams what it finds.
 */
export async function searchTree(start: ConfinedDir, startRelative: string, options: SearchOptions): Promise<SearchOutcome> {
  const pattern = compileText(options.query);
  const literal =
    pattern !== undefined && !options.query.regex && options.query.caseSensitive === true
      ? Buffer.from(options.query.text ?? '')
      : undefined;
  // Case-insensitive plain ASCII text can be looked for in the bytes read as Latin-1, a plain
  // copy, instead of decoding every file as UTF-8: non-ASCII characters never match ASCII ones
  // under /i without the u flag. Only the files that match are decoded.
  const asciiFolded = pattern !== undefined && literal === undefined && !options.query.regex && isAscii(options.query.text ?? '');
  const rare = asciiFolded ? rareBytes(options.query.text ?? '') : [];
  // Linear in the path's length for any pattern: a backtracking glob could freeze main (glob.ts).
  const nameMatches =
    options.query.names === undefined
      ? () => true
      : compileGlob(options.query.names, { caseSensitive: options.query.caseSensitive === true });
  let matches = 0;
  let filesScanned = 0;
  let truncated = false;
  let pending: SearchMatch[] = [];
  let lastFlush = Date.now();

  const flush = () => {
    if (pending.length === 0) return;
    options.onResults(pending);
    pending = [];
    lastFlush = Date.now();
  };
  const add = (match: SearchMatch) => {
    if (matches >= options.maxResults) {
      truncated = true;
      throw new Stop();
    }
    matches += 1;
    pending.push(match);
    if (pending.length >= batchSize || Date.now() - lastFlush >= batchIntervalMs) flush();
  };

  const slicer = new TimeSlicer();
  // Only a person's own regex can run away; escaped text compiles to a pattern that cannot.
  const guarded = pattern !== undefined && options.query.regex === true ? new GuardedRegex(pattern) : undefined;
  // One buffer for every file: a file that fills it is over the size limit and skipped.
  const buffer = pattern === undefined ? Buffer.alloc(0) : Buffer.allocUnsafe(fileLimits.maxSearchFileBytes + 1);

  /** Reads a file by name inside a verified folder, never following a symlink; undefined when skipped. */
  const readSmallFile = (dir: ConfinedDir, name: string): Buffer | undefined => {
    let fd: number;
    try {
      fd = openSync(dir.join(name), constants.O_RDONLY | openFlags.nonBlock | openFlags.noFollow);
    } catch {
      return undefined; // vanished, unreadable or swapped for a symlink: not a result
    }
    try {
      let length = 0;
      for (;;) {
        const read = readSync(fd, buffer, length, buffer.length - length, length);
        if (read === 0) break;
        length += read;
        if (length === buffer.length) return undefined;
      }
      return buffer.subarray(0, length);
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  };

  const searchContent = (dir: ConfinedDir, name: string, relative: string) => {
    if (pattern === undefined) return;
    const bytes = readSmallFile(dir, name);
    if (bytes === undefined) return;
    filesScanned += 1;
    if (looksBinary(bytes.subarray(0, binarySniffBytes))) return;
    if (literal !== undefined && bytes.indexOf(literal) === -1) return;
    if (asciiFolded) {
      if (rare.length > 0 && rare.every((byte) => bytes.indexOf(byte) === -1)) return;
      if (!pattern.test(bytes.toString('latin1'))) return;
    }
    const text = bytes.toString('utf8');
    if (guarded !== undefined) {
      const lines = text.split('\n');
      for (const [line, column] of guarded.matchLines(text, options.maxResults - matches + 1, relative)) {
        add({ path: relative, line, column, preview: (lines[line - 1] ?? '').slice(0, fileLimits.maxPreviewChars) });
      }
      return;
    }
    if (literal === undefined && !asciiFolded && !pattern.test(text)) return;
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index += 1) {
      const line = lines[index] ?? '';
      const found = pattern.exec(line);
      if (found === null) continue;
      add({ path: relative, line: index + 1, column: found.index + 1, preview: line.slice(0, fileLimits.maxPreviewChars) });
    }
  };

  const walk = async (dir: ConfinedDir, relative: string): Promise<void> => {
    options.signal.throwIfAborted();
    // Sorted, so results arrive in the order the tree shows them.
    const entries = dir.readEntriesNow().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const files: { name: string; path: string }[] = [];
    const folders: string[] = [];
    for (const entry of entries) {
      if (!options.includeHidden && entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) folders.push(entry.name);
      } else if (entry.isFile()) {
        const entryPath = childPath(relative, entry.name);
        if (!nameMatches(entryPath)) continue;
        if (pattern === undefined) add({ path: entryPath });
        else files.push({ name: entry.name, path: entryPath });
      }
    }
    for (const file of files) {
      await slicer.pause(options.signal);
      // Results found a while ago go out even when no new ones follow soon.
      if (Date.now() - lastFlush >= batchIntervalMs) flush();
      searchContent(dir, file.name, file.path);
    }
    for (const folder of folders) {
      if (!options.scope.allows(path.join(dir.realPath, folder))) continue;
      const child = await dir.openChild(folder, options.scope, childPath(relative, folder)).catch(() => undefined);
      if (child === undefined) continue;
      try {
        await walk(child, childPath(relative, folder));
      } finally {
        await child.close();
      }
    }
  };

  try {
    await walk(start, startRelative);
  } catch (error) {
    // Stop: the cap was reached. An abort: cancelled. Anything else is a real failure.
    if (!(error instanceof Stop) && !options.signal.aborted) throw error;
  }
  // Also true when the abort came between two folders and the walk just stopped entering them.
  const cancelled = options.signal.aborted;
  flush();
  return { matches, filesScanned, truncated, cancelled };
}
