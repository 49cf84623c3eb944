import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type SyntheticEvent } from 'react';
import { ReplyError, request } from '../api';
import { RunCommand } from '../terminal/RunCommand';
import { ensureSessionEvents } from '../terminal/session-events';
import { TerminalPane, type PaneHandle } from '../terminal/TerminalPane';
import type { TerminalSettings } from '../terminal/themes';
import { useTerminalSettings } from '../terminal/useTerminalSettings';
import '../terminal/terminals.css';

interface Tab {
  /** Stable React key and element id; the session id arrives later for a new tab. */
  readonly key: string;
  readonly sessionId?: string;
  /** Set when the tab was opened to attach to a running session. */
  readonly attachTo?: string;
  readonly title: string;
  readonly exit?: { exitCode: number | null; signal: number | null };
  readonly detached?: boolean;
  readonly error?: string;
}

export interface TerminalsViewProps {
  /** Increments each time something (the "open terminal" intent) asks for a new tab. */
  readonly openRequests?: number;
  /** A session to show and focus (one a spoken command opened or named); `seq` makes a repeat count. */
  readonly attachRequest?: { readonly sessionId: string; readonly seq: number };
  /** Overrides the settings service (for embedding and tests). */
  readonly settings?: TerminalSettings;
}

let nextKey = 1;
const newKey = () => `terminal-${nextKey++}`;

function exitText(exit: { exitCode: number | null; signal: number | null }): string {
  return exit.signal !== null
    ? `The shell was stopped by signal ${exit.signal}.`
    : `The shell exited with code ${exit.exitCode ?? '?'}.`;
}

/**
 * Terminal tabs: each an xterm.js pane on a PTY session owned by main. Leaving the view
 * or reloading the window does not end the shells: on mount the view reattaches to this
 * window's sessions (and to orphaned ones) and main replays their scrollback.
 */
export function TerminalsView({ openRequests = 0, attachRequest, settings: given }: TerminalsViewProps) {
  const stored = useTerminalSettings();
  const settings = given ?? stored;
  const [tabs, setTabs] = useState<readonly Tab[]>([]);
  const [activeKey, setActiveKey] = useState<string>();
  const [renaming, setRenaming] = useState<{ key: string; value: string }>();
  const [findText, setFindText] = useState('');
  const [loaded, setLoaded] = useState(false);
  const [listError, setListError] = useState<string>();
  const handles = useRef(new Map<string, PaneHandle>());
  const handledRequests = useRef(0);
  const handledAttach = useRef(0);
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());

  const update = useCallback((key: string, change: Partial<Tab>) => {
    setTabs((current) => current.map((tab) => (tab.key === key ? { ...tab, ...change } : tab)));
  }, []);

  const openTab = useCallback(() => {
    const key = newKey();
    setTabs((current) => [...current, { key, title: `Terminal ${current.length + 1}` }]);
    setActiveKey(key);
  }, []);

  useEffect(() => {
    ensureSessionEvents();
    let cancelled = false;
    request({ type: 'PtyList', data: {} })
      .then(({ sessions }) => {
        if (cancelled) return;
        const reattach = sessions
          .filter((session) => session.mine || session.orphaned)
          .sort((a, b) => a.createdAt - b.createdAt)
          .map((session): Tab => ({
            key: newKey(),
            attachTo: session.sessionId,
            sessionId: session.sessionId,
            title: session.title,
          }));
        setTabs((current) => [...reattach, ...current]);
        setActiveKey((current) => current ?? reattach[0]?.key);
      })
      .catch((error: unknown) => setListError(error instanceof ReplyError ? error.payload.message : 'Could not list terminals.'))
      .finally(() => {
        if (!cancelled) setLoaded(true);
      });
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    if (!loaded || openRequests <= handledRequests.current) return;
    handledRequests.current = openRequests;
    openTab();
  }, [loaded, openRequests, openTab]);

  const showSession = useCallback(
    (sessionId: string) => {
      const existing = tabs.find((tab) => tab.sessionId === sessionId);
      if (existing) {
        setActiveKey(existing.key);
        return;
      }
      const key = newKey();
      setTabs((current) => [...current, { key, attachTo: sessionId, sessionId, title: `Terminal ${current.length + 1}` }]);
      setActiveKey(key);
    },
    [tabs],
  );

  // A terminal a spoken command opened belongs to this window: attach it in a tab of its own and show it.
  useEffect(() => {
    if (!loaded || !attachRequest || attachRequest.seq <= handledAttach.current) return;
    handledAttach.current = attachRequest.seq;
    showSession(attachRequest.sessionId);
  }, [loaded, attachRequest, showSession]);

  const closeTab = (tab: Tab) => {
    if (tab.sessionId !== undefined && tab.exit === undefined && !tab.detached) {
      request({ type: 'PtyKill', data: { sessionId: tab.sessionId } }).catch(() => undefined);
    }
    setTabs((current) => {
      const index = current.findIndex((candidate) => candidate.key === tab.key);
      const remaining = current.filter((candidate) => candidate.key !== tab.key);
      if (activeKey === tab.key) setActiveKey(remaining[Math.min(index, remaining.length - 1)]?.key);
      return remaining;
    });
  };

  const switchBy = useCallback(
    (delta: number) => {
      setActiveKey((current) => {
        const index = tabs.findIndex((tab) => tab.key === current);
        const next = tabs[(index + delta + tabs.length) % tabs.length];
        if (next) tabRefs.current.get(next.key)?.focus();
        return next?.key ?? current;
      });
    },
    [tabs],
  );

  const onTabKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      event.preventDefault();
      switchBy(event.key === 'ArrowRight' ? 1 : -1);
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      const target = event.key === 'Home' ? tabs[0] : tabs.at(-1);
      if (target) {
        setActiveKey(target.key);
        tabRefs.current.get(target.key)?.focus();
      }
    } else if (event.key === 'F2') {
      const tab = tabs.find((candidate) => candidate.key === activeKey);
      if (tab) setRenaming({ key: tab.key, value: tab.title });
    }
  };

  const submitRename = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!renaming) return;
    const title = renaming.value.trim();
    const tab = tabs.find((candidate) => candidate.key === renaming.key);
    setRenaming(undefined);
    if (!tab || title === '') return;
    update(tab.key, { title });
    if (tab.sessionId !== undefined && tab.exit === undefined) {
      request({ type: 'PtyRename', data: { sessionId: tab.sessionId, title } }).catch(() => undefined);
    }
    handles.current.get(tab.key)?.focus();
  };

  const submitFind = (event: SyntheticEvent, backwards = false) => {
    event.preventDefault();
    if (activeKey !== undefined && findText !== '') handles.current.get(activeKey)?.find(findText, backwards);
  };

  const active = tabs.find((tab) => tab.key === activeKey);

  return (
    <section className="view terminals-view" aria-labelledby="terminals-heading">
      <h1 id="terminals-heading" className="visually-hidden">
        Terminals
      </h1>
      <div className="terminal-toolbar">
        <div role="tablist" aria-label="Terminal tabs" className="terminal-tabs" onKeyDown={onTabKeyDown}>
          {tabs.map((tab) => (
            <div key={tab.key} className={tab.key === activeKey ? 'terminal-tab active' : 'terminal-tab'}>
              <button
                type="button"
                role="tab"
                id={`${tab.key}-tab`}
                ref={(element) => {
                  if (element) tabRefs.current.set(tab.key, element);
                  else tabRefs.current.delete(tab.key);
                }}
                aria-selected={tab.key === activeKey}
                aria-controls={`${tab.key}-panel`}
                tabIndex={tab.key === activeKey ? 0 : -1}
                onClick={() => setActiveKey(tab.key)}
                onDoubleClick={() => setRenaming({ key: tab.key, value: tab.title })}
                title="Double-click or F2 to rename; Ctrl+PageUp/PageDown to switch"
              >
                {tab.title}
                {tab.exit ? ' (exited)' : ''}
              </button>
              <button type="button" className="close-tab" aria-label={`Close ${tab.title}`} onClick={() => closeTab(tab)}>
                ×
              </button>
            </div>
          ))}
        </div>
        <button type="button" className="new-tab" onClick={openTab}>
          New terminal
        </button>
        {renaming ? (
          <form className="terminal-rename" onSubmit={submitRename}>
            <input
              aria-label="Tab name"
              value={renaming.value}
              maxLength={256}
              autoFocus
              onChange={(event) => setRenaming({ ...renaming, value: event.target.value })}
              onKeyDown={(event) => {
                if (event.key === 'Escape') setRenaming(undefined);
              }}
              onBlur={submitRename}
            />
          </form>
        ) : (
          active && (
            <form className="terminal-find" role="search" onSubmit={submitFind}>
              <input
                aria-label="Find in terminal"
                placeholder="Find"
                value={findText}
                onChange={(event) => setFindText(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' && event.shiftKey) submitFind(event, true);
                }}
              />
            </form>
          )
        )}
      </div>
      <RunCommand />
      {listError && (
        <p className="terminal-error" role="alert">
          {listError}
        </p>
      )}
      {loaded && tabs.length === 0 && (
        <div className="terminal-empty">
          <p>No terminals are open.</p>
          <button type="button" onClick={openTab}>
            Open a terminal
          </button>
        </div>
      )}
      <div className="terminal-panels">
        {tabs.map((tab) => (
          <div
            key={tab.key}
            role="tabpanel"
            id={`${tab.key}-panel`}
            aria-labelledby={`${tab.key}-tab`}
            className="terminal-panel"
            hidden={tab.key !== activeKey}
          >
            {tab.error && (
              <p className="terminal-error" role="alert">
                {tab.error}
              </p>
            )}
            {tab.exit && (
              <p className="terminal-exit" role="status">
                {exitText(tab.exit)}{' '}
                <button type="button" onClick={() => closeTab(tab)}>
                  Close tab
                </button>
              </p>
            )}
            {tab.detached && (
              <p className="terminal-exit" role="status">
                This terminal was opened in another window.
              </p>
            )}
            <TerminalPane
              sessionId={tab.attachTo}
              title={tab.title}
              active={tab.key === activeKey}
              settings={settings}
              onSession={(sessionId) => update(tab.key, { sessionId })}
              onExit={(exit) => update(tab.key, { exit })}
              onDetached={() => update(tab.key, { detached: true })}
              onError={(error) => update(tab.key, { error })}
              onSwitchTab={switchBy}
              onReady={(handle) => {
                if (handle) handles.current.set(tab.key, handle);
                else handles.current.delete(tab.key);
              }}
            />
          </div>
        ))}
      </div>
    </section>
  );
}
