import type { VoiceHistoryEntry, VoiceSuggestion } from '../../../shared/contract/voice';
import { voiceLimits } from '../../../shared/contract/voice';
import type { StorageDatabase } from '../storage/database';

/** A day in milliseconds, for the recency half-life. */
const dayMs = 24 * 60 * 60 * 1000;
/**
 * Frecency half-life: a command used a week ago counts half as much as one used now, so
 * this week's habits lead, and something said daily for a month still outranks a one-off.
 */
const halfLifeDays = 7;

interface Row {
  text: string;
  intent: string;
  outcome: string;
  count: number;
  lastUsedAt: number;
  /** Lower-case text and its words, kept so a keystroke scans without allocating. */
  lower: string;
  words: readonly string[];
}

function rowOf(text: string, intent: string, outcome: string, count: number, lastUsedAt: number): Row {
  const lower = text.toLowerCase();
  return { text, intent, outcome, count, lastUsedAt, lower, words: lower.split(/\s+/) };
}

/** How strongly a typed prefix matches: whole text prefix, every typed word a word prefix, or a substring. */
function matchClass(row: { lower: string; words: readonly string[] }, typed: string, typedWords: readonly string[]): number {
  if (row.lower.startsWith(typed)) return 3;
  if (typedWords.every((word) => row.words.some((candidate) => candidate.startsWith(word)))) return 2;
  if (row.lower.includes(typed)) return 1;
  return 0;
}

export interface HistoryStore {
  /** Every row, for loading once at start. */
  load(): { text: string; intent: string; outcome: string; count: number; last_used_at: number }[];
  upsert(row: { text: string; intent: string; outcome: string; at: number }): void;
  trim(keep: number): void;
}

/** The command history table in the encrypted database. */
export function databaseHistoryStore(database: StorageDatabase): HistoryStore {
  const db = database.db;
  const upsert = db.prepare(`
    INSERT INTO command_history (text, intent, outcome, count, first_used_at, last_used_at)
    VALUES (@text, @intent, @outcome, 1, @at, @at)
    ON CONFLICT (text) DO UPDATE SET intent = @intent, outcome = @outcome, count = count + 1, last_used_at = @at`);
  const trim = db.prepare(`
    DELETE FROM command_history WHERE text NOT IN (SELECT text FROM command_history ORDER BY last_used_at DESC LIMIT ?)`);
  return {
    load: () =>
      db.prepare('SELECT text, intent, outcome, count, last_used_at FROM command_history').all() as ReturnType<
        HistoryStore['load']
      >,
    upsert(row) {
      upsert.run(row);
      database.noteWrite();
    },
    trim(keep) {
      trim.run(keep);
    },
  };
}

/**
 * The person's commands: kept in the encrypted database, mirrored in memory so a
 * suggestion per keystroke is a scan of at most a few thousand short strings.
 */
export class CommandHistory {
  readonly #rows = new Map<string, Row>();

  constructor(
    private readonly store: HistoryStore,
    private readonly now: () => number = Date.now,
    private readonly capacity: number = voiceLimits.maxHistoryEntries,
  ) {
    for (const row of store.load())
      this.#rows.set(row.text, rowOf(row.text, row.intent, row.outcome, row.count, row.last_used_at));
  }

  get size(): number {
    return this.#rows.size;
  }

  record(text: string, intent: string, outcome: string): void {
    const trimmed = text.trim();
    if (trimmed === '') return;
    const at = this.now();
    const previous = this.#rows.get(trimmed);
    this.#rows.delete(trimmed);
    this.#rows.set(trimmed, rowOf(trimmed, intent, outcome, (previous?.count ?? 0) + 1, at));
    this.store.upsert({ text: trimmed, intent, outcome, at });
    if (this.#rows.size > this.capacity) {
      // Map order is last-use order (re-inserted on use), so the first keys are the stalest.
      for (const key of [...this.#rows.keys()].slice(0, this.#rows.size - this.capacity)) this.#rows.delete(key);
      this.store.trim(this.capacity);
    }
  }

  frecency(row: { count: number; lastUsedAt: number }, now = this.now()): number {
    const ageDays = Math.max(0, now - row.lastUsedAt) / dayMs;
    return row.count * 0.5 ** (ageDays / halfLifeDays);
  }

  /** Newest first. */
  recent(limit: number): VoiceHistoryEntry[] {
    const rows = [...this.#rows.values()].slice(-limit).reverse();
    return rows.map(({ text, intent, outcome, count, lastUsedAt }) => ({ text, intent, outcome, count, lastUsedAt }));
  }

  /**
   * History entries matching what is typed, best first: by how well they match, then by
   * frecency. Empty input gives the most frecent.
   */
  suggest(typed: string, limit: number): VoiceSuggestion[] {
    const lower = typed.trim().toLowerCase();
    const words = lower.split(/\s+/).filter((word) => word !== '');
    const now = this.now();
    const scored: { row: Row; rank: number; score: number }[] = [];
    for (const row of this.#rows.values()) {
      if (row.lower === lower) continue;
      const rank = lower === '' ? 1 : matchClass(row, lower, words);
      if (rank > 0) scored.push({ row, rank, score: this.frecency(row, now) });
    }
    scored.sort((a, b) => b.rank - a.rank || b.score - a.score);
    return scored.slice(0, limit).map(({ row }) => ({ text: row.text, source: 'history', intent: row.intent }));
  }
}

/** Grammar examples as suggestions, matched the same way as history. */
export function matchExamples(
  examples: readonly { text: string; intent: string }[],
  typed: string,
  limit: number,
): VoiceSuggestion[] {
  const lower = typed.trim().toLowerCase();
  if (lower === '') return [];
  const words = lower.split(/\s+/);
  const ranked: { text: string; intent: string; rank: number }[] = [];
  for (const example of examples) {
    const exampleLower = example.text.toLowerCase();
    const rank = matchClass({ lower: exampleLower, words: exampleLower.split(/\s+/) }, lower, words);
    if (rank > 0 && exampleLower !== lower) ranked.push({ ...example, rank });
  }
  ranked.sort((a, b) => b.rank - a.rank);
  return ranked.slice(0, limit).map(({ text, intent }) => ({ text, source: 'grammar', intent }));
}
