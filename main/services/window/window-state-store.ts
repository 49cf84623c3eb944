import { z } from 'zod';
import type { StorageDatabase } from '../storage/database';

/**
 * Where the window's size and place live: one row of the encrypted database's `meta` table,
 * next to the session layout. Not a setting (the renderer has no business changing it) and
 * never a plaintext file beside the database.
 */
const windowStateKey = 'window.state';
/** Wider than any display wall; a value beyond it is not ours. */
const maxCoordinate = 100_000;

const coordinate = z.number().int().min(-maxCoordinate).max(maxCoordinate);
const extent = z.number().int().min(1).max(maxCoordinate);

export const windowStateSchema = z.strictObject({
  /** The normal (not maximized) bounds, so un-maximizing after a restart returns to them. */
  bounds: z.strictObject({ x: coordinate, y: coordinate, width: extent, height: extent }),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export class WindowStateStore {
  constructor(private readonly database: StorageDatabase) {}

  /** The saved state, or undefined when there is none or it is not valid (then the window opens at its default size). */
  load(): WindowState | undefined {
    const row = this.database.db.prepare('SELECT value FROM meta WHERE key = ?').get(windowStateKey) as
      { value: Buffer } | undefined;
    if (!row) return undefined;
    try {
      const parsed = windowStateSchema.safeParse(JSON.parse(Buffer.from(row.value).toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  save(state: WindowState): void {
    const valid = windowStateSchema.parse({
      bounds: {
        x: Math.round(state.bounds.x),
        y: Math.round(state.bounds.y),
        width: Math.round(state.bounds.width),
        height: Math.round(state.bounds.height),
      },
      maximized: state.maximized,
    });
    this.database.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(windowStateKey, Buffer.from(JSON.stringify(valid), 'utf8'));
    this.database.noteWrite();
  }
}
