import type { Rect } from './window-bounds';

/** Moving or resizing fires many events a second; saving once things settle keeps writes few. */
export const windowStateSaveDelayMs = 500;

/** The parts of a BrowserWindow that window-state tracking needs. */
export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  removeListener(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
}

export interface WindowStateSnapshot {
  readonly bounds: Rect;
  readonly maximized: boolean;
}

/**
 * Saves the window's normal bounds and maximized state 500 ms after it stops moving or
 * resizing, and at once when it closes. Returns the function that stops tracking (and
 * cancels a pending save). A failing save is reported, never thrown into Electron's event.
 */
export function trackWindowState(
  window: TrackedWindow,
  save: (state: WindowStateSnapshot) => void,
  onError: (error: unknown) => void,
  delayMs = windowStateSaveDelayMs,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const saveNow = () => {
    clearTimeout(timer);
    timer = undefined;
    try {
      save({ bounds: window.getNormalBounds(), maximized: window.isMaximized() });
    } catch (error) {
      onError(error);
    }
  };
  const saveSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(saveNow, delayMs);
  };
  const events = ['resize', 'move', 'maximize', 'unmaximize'] as const;
  for (const event of events) window.on(event, saveSoon);
  window.on('close', saveNow);
  return () => {
    clearTimeout(timer);
    timer = undefined;
    for (const event of events) window.removeListener(event, saveSoon);
    window.removeListener('close', saveNow);
  };
}
