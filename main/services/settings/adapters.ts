import type { SettingsService } from './settings-service';

/**
 * The PTY service's per-spawn settings, read from the settings service each time so a
 * change applies to the next terminal. An empty default shell means the login shell.
 */
export function ptySettingsFrom(settings: SettingsService): () => { maxSessions: number; defaultShell?: string } {
  return () => {
    const shell = settings.get('terminal.defaultShell');
    const maxSessions = settings.get('terminal.maxSessions');
    return shell === '' ? { maxSessions } : { maxSessions, defaultShell: shell };
  };
}

/** Granted workspace roots kept in the `workspace.roots` setting: the shape of the files domain's WorkspaceStore. */
export class SettingsWorkspaceStore {
  constructor(private readonly settings: SettingsService) {}

  load(): Promise<string[]> {
    return Promise.resolve(this.settings.get('workspace.roots'));
  }

  save(roots: readonly string[]): Promise<void> {
    this.settings.set('workspace.roots', [...roots]);
    return Promise.resolve();
  }
}
