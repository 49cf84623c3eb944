import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { ReplyError, request } from '../api';
import { Acknowledger } from './acknowledger';
import { hasHardwareWebgl } from './gpu';
import { listenToSession } from './session-events';
import { terminalThemes, type TerminalSettings } from './themes';

export interface PaneHandle {
  find(text: string, backwards: boolean): boolean;
  focus(): void;
}

export interface TerminalPaneProps {
  /** An existing session to attach to; without it the pane spawns a new shell. */
  readonly sessionId?: string;
  /** The tab's name, kept by main so a reattaching window shows the same. */
  readonly title: string;
  readonly active: boolean;
  readonly settings: TerminalSettings;
  readonly onSession: (sessionId: string) => void;
  readonly onExit: (exit: { exitCode: number | null; signal: number | null }) => void;
  readonly onDetached: () => void;
  readonly onError: (message: string) => void;
  /** Ctrl+PageUp / Ctrl+PageDown inside the terminal. */
  readonly onSwitchTab: (delta: number) => void;
  readonly onReady: (handle: PaneHandle | undefined) => void;
}

/** Resize messages wait for the window to settle; one frame at 60 Hz. */
const resizeDebounceMs = 16;

function describe(error: unknown): string {
  return error instanceof ReplyError ? `${error.payload.code}: ${error.payload.message}` : 'The terminal could not be reached.';
}

function exitBanner(exit: { exitCode: number | null; signal: number | null }): string {
  const how = exit.signal !== null ? `was stopped by signal ${exit.signal}` : `exited with code ${exit.exitCode ?? '?'}`;
  return `\r\n\x1b[2m[The shell ${how}.]\x1b[0m\r\n`;
}

/** One xterm.js terminal bound to one PTY session in main. */
export function TerminalPane(props: TerminalPaneProps) {
  const container = useRef<HTMLDivElement>(null);
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });
  const terminalRef = useRef<Terminal | undefined>(undefined);
  const fitRef = useRef<FitAddon | undefined>(undefined);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const { settings } = latest.current;
    const terminal = new Terminal({
      fontSize: settings.fontSize,
      scrollback: settings.scrollback,
      theme: terminalThemes[settings.theme],
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    terminal.loadAddon(fit);
    terminal.loadAddon(search);
    terminal.loadAddon(new WebLinksAddon());
    element.style.setProperty('--terminal-font-size', `${settings.fontSize}px`);
    terminal.open(element);
    if (hasHardwareWebgl()) {
      try {
        const webgl = new WebglAddon();
        webgl.onContextLoss(() => webgl.dispose());
        terminal.loadAddon(webgl);
      } catch {
        // No WebGL here after all: xterm.js keeps its DOM renderer.
      }
    }
    terminalRef.current = terminal;
    fitRef.current = fit;
    const tryFit = () => {
      if (element.offsetParent !== null) fit.fit();
    };
    tryFit();

    let disposed = false;
    let sessionId: string | undefined;
    let ack: Acknowledger | undefined;
    let stopListening: (() => void) | undefined;
    let exited = false;
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;

    const connect = (id: string) => {
      sessionId = id;
      ack = new Acknowledger(id);
      const acknowledger = ack;
      stopListening = listenToSession(id, (event) => {
        if (event.type === 'PtyData') {
          const chars = event.data.data.length;
          terminal.write(event.data.data, () => acknowledger.drawn(chars));
          acknowledger.received(chars);
        } else if (event.type === 'PtyExit') {
          exited = true;
          terminal.write(exitBanner(event.data));
          latest.current.onExit(event.data);
        } else {
          latest.current.onDetached();
        }
      });
      latest.current.onSession(id);
    };

    const start = async () => {
      try {
        if (latest.current.sessionId !== undefined) {
          connect(latest.current.sessionId);
          await request({ type: 'PtyAttach', data: { sessionId: latest.current.sessionId } });
          await request({
            type: 'PtyResize',
            data: { sessionId: latest.current.sessionId, cols: terminal.cols, rows: terminal.rows },
          });
        } else {
          const reply = await request({
            type: 'PtySpawn',
            data: { cols: terminal.cols, rows: terminal.rows, title: latest.current.title },
          });
          if (disposed) {
            // The pane went away while the shell started (React StrictMode mounts twice in development).
            await request({ type: 'PtyKill', data: { sessionId: reply.sessionId } });
            return;
          }
          connect(reply.sessionId);
        }
      } catch (error) {
        if (!disposed) latest.current.onError(describe(error));
      }
    };
    void start();

    const input = terminal.onData((data) => {
      if (sessionId === undefined || exited) return;
      request({ type: 'PtyWrite', data: { sessionId, data } }).catch((error: unknown) => latest.current.onError(describe(error)));
    });
    const resized = terminal.onResize(({ cols, rows }) => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (sessionId === undefined || exited) return;
        request({ type: 'PtyResize', data: { sessionId, cols, rows } }).catch(() => undefined);
      }, resizeDebounceMs);
    });
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown') return true;
      if (event.ctrlKey && event.shiftKey && event.code === 'KeyC') {
        const selection = terminal.getSelection();
        if (selection) void navigator.clipboard.writeText(selection).catch(() => undefined);
        return false;
      }
      if (event.ctrlKey && (event.key === 'PageUp' || event.key === 'PageDown')) {
        latest.current.onSwitchTab(event.key === 'PageUp' ? -1 : 1);
        return false;
      }
      return true;
    });
    const observer = new ResizeObserver(() => tryFit());
    observer.observe(element);

    latest.current.onReady({
      find: (text, backwards) => (backwards ? search.findPrevious(text) : search.findNext(text)),
      focus: () => terminal.focus(),
    });

    return () => {
      disposed = true;
      latest.current.onReady(undefined);
      observer.disconnect();
      clearTimeout(resizeTimer);
      input.dispose();
      resized.dispose();
      stopListening?.();
      ack?.dispose();
      terminal.dispose();
      terminalRef.current = undefined;
      fitRef.current = undefined;
    };
  }, []);

  useEffect(() => {
    const terminal = terminalRef.current;
    if (!terminal) return;
    terminal.options.fontSize = props.settings.fontSize;
    container.current?.style.setProperty('--terminal-font-size', `${props.settings.fontSize}px`);
    terminal.options.scrollback = props.settings.scrollback;
    terminal.options.theme = terminalThemes[props.settings.theme];
    if (container.current?.offsetParent) fitRef.current?.fit();
  }, [props.settings]);

  useEffect(() => {
    if (!props.active) return;
    fitRef.current?.fit();
    terminalRef.current?.focus();
  }, [props.active]);

  return <div className="terminal-pane" ref={container} />;
}
