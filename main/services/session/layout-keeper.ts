import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { PtySession } from '../pty/session';
import type { RestoreEntry } from '../pty/service';
import type { WorkspaceRoots } from '../workspace/roots';
import { liveCwd } from './live-cwd';
import { maxSavedScrollbackChars, type LoadResult, type SavedTerminal, type SessionLayout } from './layout-store';

/**
 * How often the layout is compared with what was saved. Issue 11 asks for a save within
 * 10 s of a change; 2 s keeps a crash's loss to a moment, and an unchanged layout costs
 * only a readlink per terminal.
 */
export const layoutCheckIntervalMs = 2_000;

export interface LayoutKeeperOptions {
  readonly sessions: () => readonly PtySession[];
  readonly save: (json: string) => void;
  /** The opt-in `terminal.restoreScrollback` setting, read at each save. */
  readonly saveScrollback: () => boolean;
  /** Told once when saving starts failing (disk full, database read-only), so the UI can warn. */
  readonly onSaveFailed?: (message: string) => void;
  readonly logger?: Logger;
  readonly intervalMs?: number;
  readonly platform?: NodeJS.Platform;
}

/**
 * Keeps the session layout (terminal tabs with their titles and current folders, open
 * files) saved in the encrypted database a moment after any change, so a crash or a
 * SIGKILL loses no tab. Folders are read from the OS, so a `cd` in a shell is kept too.
 */
export class LayoutKeeper {
  readonly #options: LayoutKeeperOptions;
  readonly #cwds = new Map<string, string>();
  #openFiles: readonly string[] = [];
  #lastSaved: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #saving: Promise<void> | undefined;

  constructor(options: LayoutKeeperOptions) {
    this.#options = options;
  }

  /** Starts watching; `initial` is what was loaded at start, so an unchanged layout is not written again. */
  start(initial?: SessionLayout): void {
    if (initial) this.#openFiles = initial.openFiles;
    this.#timer = setInterval(() => void this.saveNow(), this.#options.intervalMs ?? layoutCheckIntervalMs);
  }

  /** Stops watching after one last save, so a clean quit keeps the latest layout. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.saveNow();
  }

  get openFiles(): readonly string[] {
    return this.#openFiles;
  }

  setOpenFiles(paths: readonly string[]): void {
    this.#openFiles = [...paths];
  }

  /** Saves the layout if it changed since the last save; concurrent calls share one save. */
  saveNow(): Promise<void> {
    this.#saving ??= this.#save().finally(() => (this.#saving = undefined));
    return this.#saving;
  }

  async #save(): Promise<void> {
    const sessions = this.#options.sessions();
    const live = new Set(sessions.map((session) => session.id));
    for (const id of this.#cwds.keys()) if (!live.has(id)) this.#cwds.delete(id);
    const withScrollback = this.#options.saveScrollback();
    const terminals: SavedTerminal[] = [];
    for (const session of sessions) {
      const cwd = (await liveCwd(session.pid, this.#options.platform)) ?? this.#cwds.get(session.id) ?? session.cwd;
      this.#cwds.set(session.id, cwd);
      terminals.push({
        title: session.title,
        cwd,
        shell: session.shell,
        cols: session.cols,
        rows: session.rows,
        ...(withScrollback ? { scrollback: session.scrollbackTail(maxSavedScrollbackChars) } : {}),
      });
    }
    const body = JSON.stringify({ terminals, openFiles: this.#openFiles });
    if (body === this.#lastSaved) return;
    const layout: SessionLayout = { version: 1, savedAt: Date.now(), terminals, openFiles: [...this.#openFiles] };
    try {
      this.#options.save(JSON.stringify(layout));
      this.#lastSaved = body;
      if (this.#failing) this.#options.logger?.info('session layout saved again');
      this.#failing = false;
    } catch (error) {
      this.#options.logger?.warn({ err: error }, 'session layout could not be saved');
      if (!this.#failing) {
        this.#failing = true;
        const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
        this.#options.onSaveFailed?.(
          `The terminal layout could not be saved (${reason}); LocalBrain keeps running and tries again.`,
        );
      }
    }
  }
}

/** Dim text, so restored output and notes read as LocalBrain's, not the shell's. */
const dim = (text: string) => `\x1b[2m${text}\x1b[0m\r\n`;

async function isFolder(candidate: string): Promise<boolean> {
  try {
    return (await stat(candidate)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What to start again from a loaded layout. A folder that is gone, or no longer inside a
 * granted root, gives way to the first root, and the terminal says so. A corrupt layout is
 * ignored (and logged); the database is left as it is.
 */
export async function restoreEntries(loaded: LoadResult, roots: WorkspaceRoots, logger?: Logger): Promise<RestoreEntry[]> {
  if (loaded.kind === 'none') return [];
  if (loaded.kind === 'corrupt') {
    logger?.warn({ reason: loaded.reason.slice(0, 500) }, 'the saved session layout is unreadable; starting without it');
    return [];
  }
  const fallback = roots.list()[0];
  const entries: RestoreEntry[] = [];
  for (const terminal of loaded.layout.terminals) {
    let cwd = terminal.cwd;
    let note = '';
    if (!(await isFolder(cwd)) || !roots.allows(cwd)) {
      if (fallback === undefined) continue;
      note = dim(`LocalBrain: ${cwd} is gone or no longer granted; this terminal starts in ${fallback}.`);
      cwd = fallback;
    }
    const restored =
      terminal.scrollback === undefined || terminal.scrollback === ''
        ? ''
        : `${dim('── restored output ──')}${terminal.scrollback}\r\n${dim('── end of restored output ──')}`;
    const seed = `${restored}${note}`;
    entries.push({
      cwd,
      title: terminal.title,
      cols: terminal.cols,
      rows: terminal.rows,
      ...(terminal.shell === undefined ? {} : { shell: terminal.shell }),
      ...(seed === '' ? {} : { seed }),
    });
  }
  return entries;
}
