import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { VoiceShow } from '../../shared/contract/voice';
import { CommandBar } from './command/CommandBar';
import { ConfirmationHost } from './confirm/ConfirmationDialog';
import { useConnection } from './useConnection';
import { AuditView } from './views/AuditView';
import { CommandView } from './views/CommandView';
import { FilesView } from './views/FilesView';
import { HealthView } from './views/HealthView';
import { PermissionsView } from './views/PermissionsView';
import { PluginsView } from './views/PluginsView';
import { SettingsView, type SettingsFocus } from './views/SettingsView';
import { useSavedTheme } from './views/theme';
import { TerminalsView } from './views/TerminalsView';

type ViewId = 'command' | 'terminals' | 'files' | 'health' | 'audit' | 'plugins' | 'permissions' | 'settings';

export function App() {
  const [view, setView] = useState<ViewId>('command');
  const connection = useConnection();
  const [terminalAttach, setTerminalAttach] = useState<{ sessionId: string; seq: number }>();
  const [filesShow, setFilesShow] = useState<{ path: string; folder: boolean; seq: number }>();
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [settingsFocus, setSettingsFocus] = useState<SettingsFocus>();
  const seq = useRef(0);
  useSavedTheme();

  // Ctrl+K (⌘K on a Mac) anywhere, before a focused terminal can take the keystroke.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 'k' || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      event.preventDefault();
      event.stopPropagation();
      setPaletteOpen(true);
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, []);

  const show = useCallback((target: VoiceShow) => {
    if (target.view === 'command') return;
    seq.current += 1;
    if (target.view === 'terminals' && target.sessionId !== undefined) {
      setTerminalAttach({ sessionId: target.sessionId, seq: seq.current });
    }
    if (target.view === 'files' && target.path !== undefined) {
      setFilesShow({ path: target.path, folder: target.folder === true, seq: seq.current });
    }
    setView(target.view);
    setPaletteOpen(false);
  }, []);

  // The Talk button, when speech is off or refused: straight to Settings → Voice.
  const openVoiceSettings = useCallback(() => {
    seq.current += 1;
    setSettingsFocus({ section: 'voice', seq: seq.current });
    setView('settings');
    setPaletteOpen(false);
  }, []);

  const views: readonly { id: ViewId; label: string; render: () => ReactNode }[] = [
    { id: 'command', label: 'Command', render: () => <CommandView onShow={show} onOpenVoiceSettings={openVoiceSettings} /> },
    { id: 'terminals', label: 'Terminals', render: () => <TerminalsView attachRequest={terminalAttach} /> },
    { id: 'files', label: 'Files', render: () => <FilesView show={filesShow} /> },
    { id: 'health', label: 'Health', render: () => <HealthView /> },
    { id: 'audit', label: 'Audit', render: () => <AuditView /> },
    { id: 'plugins', label: 'Plugins', render: () => <PluginsView /> },
    { id: 'permissions', label: 'Permissions', render: () => <PermissionsView /> },
    { id: 'settings', label: 'Settings', render: () => <SettingsView focus={settingsFocus} /> },
  ];
  const current = views.find((candidate) => candidate.id === view) ?? views[0];

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <p className="brand">LocalBrain</p>
        <ul>
          {views.map((candidate) => (
            <li key={candidate.id}>
              <button
                type="button"
                aria-current={candidate.id === view ? 'page' : undefined}
                onClick={() => setView(candidate.id)}
              >
                {candidate.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="main-area">{current?.render()}</main>
      {paletteOpen && (
        <div
          className="palette-backdrop"
          onMouseDown={(event) => {
            if (event.target === event.currentTarget) setPaletteOpen(false);
          }}
        >
          <div className="palette" role="dialog" aria-modal="true" aria-label="Command bar">
            <CommandBar onShow={show} onOpenVoiceSettings={openVoiceSettings} onEscape={() => setPaletteOpen(false)} autoFocus />
          </div>
        </div>
      )}
      <ConfirmationHost />
      <footer className="status-bar" role="status" aria-label="Connection">
        <span className={`connection ${connection}`}>
          {connection === 'connected' ? 'Connected' : connection === 'connecting' ? 'Connecting…' : 'Disconnected'}
        </span>
      </footer>
    </div>
  );
}
