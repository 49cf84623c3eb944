import { z } from 'zod';
import { ptyLimits } from '../../../shared/contract/pty';
import type { StorageDatabase } from '../storage/database';

/** Where the layout lives: one row of the encrypted database's `meta` table. */
const layoutKey = 'session.layout';
/** Saved output per terminal when the person opts in: about a screenful of history, bounded so the row stays small. */
export const maxSavedScrollbackChars = 64 * 1024;
/** More tabs than any window shows; a layout beyond it is not ours. */
const maxSavedTerminals = 256;
const maxOpenFiles = 64;

export const savedTerminalSchema = z.strictObject({
  title: z.string().max(ptyLimits.maxTitleChars),
  cwd: z.string().min(1).max(4096),
  shell: z.string().max(4096).optional(),
  cols: z.number().int().min(1).max(ptyLimits.maxCols),
  rows: z.number().int().min(1).max(ptyLimits.maxRows),
  scrollback: z.string().max(maxSavedScrollbackChars).optional(),
});
export type SavedTerminal = z.infer<typeof savedTerminalSchema>;

export const sessionLayoutSchema = z.strictObject({
  version: z.literal(1),
  savedAt: z.number(),
  terminals: z.array(savedTerminalSchema).max(maxSavedTerminals),
  /** Absolute paths (inside granted roots) the Files view had open, in order. */
  openFiles: z.array(z.string().min(1).max(4096)).max(maxOpenFiles),
});
export type SessionLayout = z.infer<typeof sessionLayoutSchema>;

export type LoadResult = { kind: 'none' } | { kind: 'ok'; layout: SessionLayout } | { kind: 'corrupt'; reason: string };

/** Reads and writes the saved layout in the encrypted database (never a plaintext file). */
export class LayoutStore {
  constructor(private readonly database: StorageDatabase) {}

  load(): LoadResult {
    const row = this.database.db.prepare('SELECT value FROM meta WHERE key = ?').get(layoutKey) as { value: Buffer } | undefined;
    if (!row) return { kind: 'none' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(row.value).toString('utf8'));
    } catch (error) {
      return { kind: 'corrupt', reason: error instanceof Error ? error.message : 'not JSON' };
    }
    const result = sessionLayoutSchema.safeParse(parsed);
    return result.success ? { kind: 'ok', layout: result.data } : { kind: 'corrupt', reason: result.error.message };
  }

  /** Replaces the saved layout in one statement; the caller has already checked it changed. */
  save(json: string): void {
    this.database.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(layoutKey, Buffer.from(json, 'utf8'));
    this.database.noteWrite();
  }
}
