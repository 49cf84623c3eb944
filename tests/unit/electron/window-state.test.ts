import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { trackWindowState, type WindowStateSnapshot } from '../../../main/electron/window-state';
import type { Rect } from '../../../main/electron/window-bounds';
import { generateDatabaseKey } from '../../../main/services/keys/database-key';
import { StorageDatabase } from '../../../main/services/storage/database';
import { migrations } from '../../../main/services/storage/migrations';
import { WindowStateStore } from '../../../main/services/window/window-state-store';
import { tempDir } from '../../support/temp';

/** Stands in for a BrowserWindow (Electron's binary is not here): bounds that tests move. */
class FakeWindow extends EventEmitter {
  bounds: Rect = { x: 10, y: 20, width: 1280, height: 800 };
  maximized = false;
  getNormalBounds() {
    return this.bounds;
  }
  isMaximized() {
    return this.maximized;
  }
}

describe('trackWindowState', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once, 500 ms after moving and resizing stop', () => {
    const window = new FakeWindow();
    const saved: WindowStateSnapshot[] = [];
    const stop = trackWindowState(
      window,
      (state) => saved.push(state),
      () => undefined,
    );
    for (let step = 0; step < 20; step += 1) {
      window.bounds = { ...window.bounds, x: 10 + step };
      window.emit('move');
      vi.advanceTimersByTime(100);
    }
    expect(saved).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(saved).toEqual([{ bounds: { x: 29, y: 20, width: 1280, height: 800 }, maximized: false }]);
    window.maximized = true;
    window.emit('maximize');
    vi.advanceTimersByTime(500);
    expect(saved.at(-1)).toEqual({ bounds: { x: 29, y: 20, width: 1280, height: 800 }, maximized: true });
    stop();
  });

  it('saves at once on close, and stops listening when disposed', () => {
    const window = new FakeWindow();
    const saved: WindowStateSnapshot[] = [];
    const stop = trackWindowState(
      window,
      (state) => saved.push(state),
      () => undefined,
    );
    window.emit('resize');
    window.emit('close');
    expect(saved).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(saved).toHaveLength(1);
    stop();
    window.emit('resize');
    window.emit('close');
    vi.advanceTimersByTime(1_000);
    expect(saved).toHaveLength(1);
    expect(window.eventNames()).toEqual([]);
  });

  it('reports a failing save instead of throwing into the window event', () => {
    const window = new FakeWindow();
    const errors: unknown[] = [];
    const stop = trackWindowState(
      window,
      () => {
        throw new Error('disk full');
      },
      (error) => errors.push(error),
    );
    expect(() => window.emit('close')).not.toThrow();
    expect(errors).toHaveLength(1);
    stop();
  });
});

describe('WindowStateStore', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let database: StorageDatabase | undefined;

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await database?.close();
    await dir.remove();
  });

  it('keeps the state in the encrypted database across a reopen; nothing readable on disk', async () => {
    const key = generateDatabaseKey();
    const file = path.join(dir.path, 'localbrain.db');
    database = StorageDatabase.open({ file, keys: [key], migrations });
    const store = new WindowStateStore(database);
    expect(store.load()).toBeUndefined();
    store.save({ bounds: { x: -1200.4, y: 40, width: 1000, height: 700.6 }, maximized: true });
    await database.close();
    database = StorageDatabase.open({ file, keys: [key], migrations });
    expect(new WindowStateStore(database).load()).toEqual({
      bounds: { x: -1200, y: 40, width: 1000, height: 701 },
      maximized: true,
    });
    database.checkpoint('TRUNCATE');
    expect((await readFile(file)).includes(Buffer.from('maximized'))).toBe(false);
  });

  it('ignores a saved state that is not valid, and refuses to save one', () => {
    database = StorageDatabase.open({ file: path.join(dir.path, 'localbrain.db'), keys: [generateDatabaseKey()], migrations });
    database.db.prepare(`INSERT INTO meta (key, value) VALUES ('window.state', ?)`).run(Buffer.from('{"bounds":{"x":"a"}}'));
    const store = new WindowStateStore(database);
    expect(store.load()).toBeUndefined();
    database.db.prepare(`UPDATE meta SET value = ? WHERE key = 'window.state'`).run(Buffer.from('not json'));
    expect(store.load()).toBeUndefined();
    expect(() => store.save({ bounds: { x: 0, y: 0, width: 0, height: 10 }, maximized: false })).toThrow();
    expect(() => store.save({ bounds: { x: Number.NaN, y: 0, width: 10, height: 10 }, maximized: false })).toThrow();
  });
});
