import { readdirSync, type Dirent } from 'node:fs';
import type { WorkspaceRoots } from '../workspace/roots';
import { withinOneEdit } from './typo';

export type EntryKind = 'file' | 'directory';

export interface ResolvedSlotPath {
  /** Relative to the first workspace root, `/`-separated; `.` for the root itself. What the plan sends. */
  readonly path: string;
  /** What was found on disk; `unknown` when the words were passed on as they were said. */
  readonly kind: EntryKind | 'unknown';
}

export interface NamedEntry {
  readonly name: string;
  readonly kind: EntryKind;
}

/** Lists a folder's entries by name; the real one reads the disk under the granted roots. */
export interface FolderLister {
  list(folder: string): Promise<readonly NamedEntry[]>;
}

/** Entries kept per folder: enough for any folder a person names aloud, bounded for huge ones. */
const maxEntriesPerFolder = 2_000;

/**
 * Reads folder listings inside the workspace roots, names and kinds only. On this thread
 * (realpath and readdir, as the files domain's listing reads its entries): a sentence lists one
 * or two small folders, and two trips to the thread pool per folder cost more than the reads
 * themselves on a busy machine (the spoken-command bench, docs/benchmarks.md).
 */
export class RootsLister implements FolderLister {
  constructor(private readonly roots: WorkspaceRoots) {}

  list(folder: string): Promise<readonly NamedEntry[]> {
    let listed: Dirent[];
    try {
      listed = readdirSync(this.roots.resolveExistingNow(folder).absolute, { withFileTypes: true });
    } catch {
      return Promise.resolve([]);
    }
    const entries: NamedEntry[] = [];
    for (const entry of listed) {
      if (entry.isDirectory()) entries.push({ name: entry.name, kind: 'directory' });
      else if (entry.isFile()) entries.push({ name: entry.name, kind: 'file' });
      if (entries.length >= maxEntriesPerFolder) break;
    }
    return Promise.resolve(entries);
  }
}

/** Words that name the kind of thing, not the thing: "the docs folder". */
const kindWords = new Set([
  'folder',
  'folders',
  'directory',
  'directories',
  'dir',
  'file',
  'files',
  'document',
  'called',
  'named',
]);
/** Spoken names for common folder names. */
const synonyms: Readonly<Record<string, readonly string[]>> = {
  source: ['src', 'source', 'sources'],
  sources: ['src', 'source', 'sources'],
  documentation: ['docs', 'doc', 'documentation'],
  docs: ['docs', 'doc', 'documentation'],
  tests: ['tests', 'test', '__tests__', 'spec'],
  test: ['test', 'tests', 'spec'],
  scripts: ['scripts', 'script', 'bin'],
  root: ['.'],
  workspace: ['.'],
  here: ['.'],
  top: ['.'],
};

function join(folder: string, name: string): string {
  if (folder === '.' || folder === '') return name;
  return `${folder.replace(/\/+$/, '')}/${name}`;
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A path as said ("src/main.ts", "../../etc/passwd", "~/x") is passed on as it is; the files domain decides. */
function looksLikePath(raw: string): boolean {
  return /[/\\]/.test(raw) || /^[.~]/.test(raw);
}

/**
 * Resolves the words of a path slot against what is on disk: "the readme" → `README.md`,
 * "the source folder" → `src`, "the docs" → `docs`. Listings are cached for one sentence.
 */
export class PathSlots {
  readonly #cache = new Map<string, Promise<readonly NamedEntry[]>>();

  constructor(private readonly lister: FolderLister) {}

  #list(folder: string): Promise<readonly NamedEntry[]> {
    let listing = this.#cache.get(folder);
    if (!listing) {
      listing = this.lister.list(folder);
      this.#cache.set(folder, listing);
    }
    return listing;
  }

  /**
   * The entry of `want` kind the words name in `folder` (or one level below it), or
   * undefined. Exact names win over names without their extension, which win over typos.
   */
  async find(
    words: readonly string[],
    raw: string,
    want: EntryKind | 'any',
    folder = '.',
  ): Promise<ResolvedSlotPath | undefined> {
    const trimmed = raw.replace(/[.,!?;:]+$/, '');
    if (looksLikePath(trimmed)) return this.#exact(trimmed, want);
    const meaningful = words.filter((word) => !kindWords.has(word));
    if (meaningful.length === 0) return undefined;
    const spoken = [
      trimmed.toLowerCase(),
      meaningful.join(' '),
      meaningful.join('-'),
      meaningful.join('_'),
      meaningful.join('.'),
      meaningful.join(''),
      ...(meaningful.length === 1 ? (synonyms[meaningful[0] ?? ''] ?? []) : []),
    ];
    if (spoken.includes('.') && want !== 'file') return { path: folder, kind: 'directory' };
    const top = await this.#best(folder, spoken, want);
    if (top) return top;
    // One level down: "open the renderer folder" when it is src/renderer.
    for (const entry of await this.#list(folder)) {
      if (entry.kind !== 'directory' || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const below = await this.#best(join(folder, entry.name), spoken, want, true);
      if (below) return below;
    }
    return undefined;
  }

  async #exact(raw: string, want: EntryKind | 'any'): Promise<ResolvedSlotPath> {
    const slash = raw.replace(/\\/g, '/').replace(/\/+$/, '');
    const cut = slash.lastIndexOf('/');
    const parent = cut < 0 ? '.' : slash.slice(0, cut) || '/';
    const name = slash.slice(cut + 1);
    if (parent.startsWith('..') || parent.startsWith('/') || parent.startsWith('~') || name === '' || name === '..') {
      return { path: raw, kind: 'unknown' };
    }
    const entry = (await this.#list(parent)).find((candidate) => candidate.name === name);
    if (entry && (want === 'any' || entry.kind === want)) return { path: slash, kind: entry.kind };
    return { path: slash, kind: 'unknown' };
  }

  async #best(
    folder: string,
    spoken: readonly string[],
    want: EntryKind | 'any',
    exactOnly = false,
  ): Promise<ResolvedSlotPath | undefined> {
    const entries = await this.#list(folder);
    let best: { entry: NamedEntry; rank: number } | undefined;
    for (const entry of entries) {
      if (want !== 'any' && entry.kind !== want) continue;
      const lower = entry.name.toLowerCase();
      let rank = 0;
      if (spoken.includes(lower)) rank = 3;
      else if (spoken.includes(stem(lower))) rank = 2;
      else if (!exactOnly && lower.length >= 4 && spoken.some((word) => word.length >= 3 && withinOneEdit(word, stem(lower))))
        rank = 1;
      if (rank > 0 && (!best || rank > best.rank)) best = { entry, rank };
    }
    return best ? { path: join(folder, best.entry.name), kind: best.entry.kind } : undefined;
  }

  /** The literal text as a path, for a slot that names nothing on disk (the files domain then says NotFound or PermissionDenied). */
  literal(raw: string): ResolvedSlotPath {
    return { path: raw.replace(/[.,!?;:]+$/, '') || raw, kind: 'unknown' };
  }
}
