/** Crashes counted together: three inside a minute means reloading is not helping. */
export const crashWindowMs = 60_000;
export const maxCrashesInWindow = 3;
/** First reload after 250 ms, then 500 ms: long enough for a crash loop not to spin the CPU. */
export const firstReloadDelayMs = 250;

export interface RenderProcessGoneDetails {
  readonly reason: string;
  readonly exitCode: number;
}

/** The parts of webContents this needs (Electron's WebContents fits). */
export interface CrashingContents {
  on(event: 'render-process-gone', listener: (event: unknown, details: RenderProcessGoneDetails) => void): unknown;
  removeListener(event: 'render-process-gone', listener: (event: unknown, details: RenderProcessGoneDetails) => void): unknown;
  isDestroyed(): boolean;
  reload(): void;
}

export interface CrashRecoveryOptions {
  /** Logs each crash and what was done about it. */
  readonly onCrash: (details: RenderProcessGoneDetails, action: 'reload' | 'give-up') => void;
  /** The third crash inside a minute: tell the person (an error box) instead of reloading again. */
  readonly onGiveUp: (details: RenderProcessGoneDetails) => void;
  readonly now?: () => number;
}

/**
 * When the renderer process dies, reloads the page after a short, growing delay; the page
 * then reattaches the terminals still running in main (PtyList on load). A clean exit is a
 * window closing, not a crash. Returns the function that stops watching.
 */
export function recoverFromRendererCrashes(contents: CrashingContents, options: CrashRecoveryOptions): () => void {
  const now = options.now ?? Date.now;
  const crashes: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let gaveUp = false;
  const listener = (_event: unknown, details: RenderProcessGoneDetails) => {
    if (details.reason === 'clean-exit' || gaveUp) return;
    const time = now();
    crashes.push(time);
    while (crashes.length > 0 && (crashes[0] ?? time) <= time - crashWindowMs) crashes.shift();
    if (crashes.length >= maxCrashesInWindow) {
      gaveUp = true;
      clearTimeout(timer);
      options.onCrash(details, 'give-up');
      options.onGiveUp(details);
      return;
    }
    options.onCrash(details, 'reload');
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        timer = undefined;
        if (!contents.isDestroyed()) contents.reload();
      },
      firstReloadDelayMs * 2 ** (crashes.length - 1),
    );
  };
  contents.on('render-process-gone', listener);
  return () => {
    clearTimeout(timer);
    contents.removeListener('render-process-gone', listener);
  };
}
