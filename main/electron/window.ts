import type { BrowserWindow as ElectronBrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import type { Rect } from './window-bounds';

type WindowConstructor = new (
  options: BrowserWindowConstructorOptions,
) => Pick<ElectronBrowserWindow, 'once' | 'on' | 'show' | 'loadURL'>;

/**
 * Creates the app's window: isolated, sandboxed, no Node, web security on (Electron
 * security checklist items 2–6, 9, 10). The options are a literal here so static scanners
 * such as Electronegativity can read them; the constructor is injected so tests can too.
 * It is named `BrowserWindow` on purpose: the scanner recognises `new BrowserWindow(…)` by name.
 */
export function createMainWindow<W extends WindowConstructor>(
  BrowserWindow: W,
  preloadPath: string,
  /** Saved bounds already clamped to a visible display (clampToDisplays); the default size and a centred window otherwise. */
  bounds?: Rect,
): InstanceType<W> {
  const window = new BrowserWindow({
    ...(bounds ? { x: bounds.x, y: bounds.y } : {}),
    width: bounds?.width ?? 1280,
    height: bounds?.height ?? 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    backgroundColor: '#15171c',
    title: 'LocalBrain',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would otherwise open links in a new window (Electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => window.show());
  return window as InstanceType<W>;
}
