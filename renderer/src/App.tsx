import { useState, type ReactNode } from 'react';
import { useConnection } from './useConnection';
import { AuditView } from './views/AuditView';
import { CommandView } from './views/CommandView';
import { FilesView } from './views/FilesView';
import { HealthView } from './views/HealthView';
import { PermissionsView } from './views/PermissionsView';
import { PluginsView } from './views/PluginsView';
import { SettingsView } from './views/SettingsView';
import { useSavedTheme } from './views/theme';
import { TerminalsView } from './views/TerminalsView';

type ViewId = 'command' | 'terminals' | 'files' | 'health' | 'audit' | 'plugins' | 'permissions' | 'settings';

export function App() {
  const [view, setView] = useState<ViewId>('command');
  const connection = useConnection();
  const [terminalRequests, setTerminalRequests] = useState(0);
  useSavedTheme();

  const views: readonly { id: ViewId; label: string; render: () => ReactNode }[] = [
    {
      id: 'command',
      label: 'Command',
      render: () => (
        <CommandView
          onIntent={(intent) => {
            if (intent !== 'open_terminal') return;
            setTerminalRequests((count) => count + 1);
            setView('terminals');
          }}
        />
      ),
    },
    { id: 'terminals', label: 'Terminals', render: () => <TerminalsView openRequests={terminalRequests} /> },
    { id: 'files', label: 'Files', render: () => <FilesView /> },
    { id: 'health', label: 'Health', render: () => <HealthView /> },
    { id: 'audit', label: 'Audit', render: () => <AuditView /> },
    { id: 'plugins', label: 'Plugins', render: () => <PluginsView /> },
    { id: 'permissions', label: 'Permissions', render: () => <PermissionsView /> },
    { id: 'settings', label: 'Settings', render: () => <SettingsView /> },
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
      <footer className="status-bar" role="status" aria-label="Connection">
        <span className={`connection ${connection}`}>
          {connection === 'connected' ? 'Connected' : connection === 'connecting' ? 'Connecting…' : 'Disconnected'}
        </span>
      </footer>
    </div>
  );
}
