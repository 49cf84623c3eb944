import type { ITheme } from '@xterm/xterm';

export type TerminalThemeName = 'dark' | 'light';

/** Colours matched to the app's own palette (styles.css). */
export const terminalThemes: Record<TerminalThemeName, ITheme> = {
  dark: {
    background: '#15171c',
    foreground: '#e6e8ee',
    cursor: '#6aa8ff',
    selectionBackground: '#3a4766',
    black: '#1c1f26',
    brightBlack: '#5c6370',
  },
  light: {
    background: '#fbfbfd',
    foreground: '#1d2330',
    cursor: '#2f6fd6',
    selectionBackground: '#c9dafc',
    black: '#1d2330',
    brightBlack: '#6b7280',
    white: '#d6d9e0',
    brightWhite: '#ffffff',
  },
};

export interface TerminalSettings {
  readonly fontSize: number;
  /** Lines xterm.js keeps for scrolling back. */
  readonly scrollback: number;
  readonly theme: TerminalThemeName;
}

/** Until the settings service is wired: the settings contract's defaults. */
export const defaultTerminalSettings: TerminalSettings = { fontSize: 14, scrollback: 5_000, theme: 'dark' };
