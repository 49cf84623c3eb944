import { randomUUID } from 'node:crypto';
import { spawn as spawnPty } from 'node-pty';
import type { Logger } from 'pino';
import type { MessageData } from '../../../shared/contract';
import type { PtySessionInfo } from '../../../shared/contract/pty';
import { LocalBrainError } from '../../../shared/errors';
import { onAbort } from '../../ports/abort-fanout';
import type { Sender } from '../../ports/sender';
import { sealDescriptors } from '../child-fds';
import type { WorkspaceRoots } from '../workspace/roots';
import { defaultFlow, type FlowOptions } from './flow';
import { PtySession } from './session';
import { chooseShell, loginShell, shellEnvironment } from './shell';

/** A saved session to start again: where, with what, and (opt-in) the output it showed. */
export interface RestoreEntry {
  readonly cwd: string;
  readonly shell?: string;
  readonly title: string;
  readonly cols: number;
  readonly rows: number;
  /** Text the attaching window sees first: a note, or the saved output marked as restored. */
  readonly seed?: string;
}

/** The settings the PTY service reads at each spawn; the settings service supplies them. */
export interface PtySettings {
  /** Absolute path of the shell; the person's login shell when absent. */
  readonly defaultShell?: string;
  readonly maxSessions: number;
  /** Characters of recent output kept per session for reattaching. */
  readonly scrollbackChars: number;
}

export const defaultPtySettings: PtySettings = {
  /** DESIGN/issue 4: at most 32 sessions by default. */
  maxSessions: 32,
  /** 256 Ki characters is about 3,000 full 80-column lines: a screen and a good deal of history, at ~0.5 MB per session. */
  scrollbackChars: 256 * 1024,
};

/**
 * How long the sessions of a window that went away wait for someone to attach before
 * they are killed. A reload in serve mode is a new connection; 10 s covers a reload on
 * a slow machine, and a closed window's shells are gone soon after.
 */
const defaultOrphanGraceMs = 10_000;
/** On quit, how long to wait for killed shells to report their exit before giving up. */
const disposeWaitMs = 3_000;

export interface PtyServiceOptions {
  readonly roots: WorkspaceRoots;
  readonly logger?: Logger;
  readonly settings?: () => Partial<PtySettings>;
  readonly flow?: Partial<FlowOptions>;
  readonly orphanGraceMs?: number;
  /** Keep one shell started ahead for the next tab (see `prewarm`). */
  readonly prewarm?: boolean;
  /** The environment the allowlist reads from (tests pass their own). */
  readonly env?: NodeJS.ProcessEnv;
}

interface Ownership {
  sender: Sender | undefined;
  release: () => void;
  orphanTimer: NodeJS.Timeout | undefined;
}

/** Every PTY session of the app: who owns it, its limits, and killing them all on quit. */
export class PtyService {
  readonly #sessions = new Map<string, PtySession>();
  readonly #owners = new Map<string, Ownership>();
  readonly #exitWaiters = new Map<string, () => void>();
  readonly #options: PtyServiceOptions;
  readonly #flow: FlowOptions;
  #disposed = false;
  #spare: PtySession | undefined;
  #warming = false;

  constructor(options: PtyServiceOptions) {
    this.#options = options;
    this.#flow = { ...defaultFlow, ...options.flow };
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Starts saved sessions again after a restart. They belong to no window (listed as orphaned
   * and restored) and wait for one to attach: no grace timer, since the window that will
   * reattach them may still be starting.
   */
  async restore(entries: readonly RestoreEntry[]): Promise<PtySession[]> {
    const settings = this.#settings();
    const env = this.#options.env ?? process.env;
    const started: PtySession[] = [];
    for (const entry of entries) {
      if (this.#disposed || this.#sessions.size >= settings.maxSessions) break;
      try {
        const fallback = settings.defaultShell ?? loginShell(env);
        // A saved shell that is no longer a listed login shell gives way to the default one.
        const shell = await chooseShell(entry.shell, fallback).catch(() => fallback);
        const session = this.#start(shell, entry.cwd, entry.cols, entry.rows, settings);
        session.title = entry.title;
        session.restored = true;
        if (entry.seed !== undefined) session.seedScrollback(entry.seed);
        this.#sessions.set(session.id, session);
        this.#owners.set(session.id, { sender: undefined, release: () => undefined, orphanTimer: undefined });
        started.push(session);
      } catch (error) {
        this.#options.logger?.warn({ err: error, cwd: entry.cwd }, 'a saved terminal could not be started again');
      }
    }
    return started;
  }

  /** The sessions in the order they were opened, for saving the layout. */
  sessions(): readonly PtySession[] {
    return [...this.#sessions.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Sessions and the output they keep, for the health report (UTF-16: two bytes a character). */
  stats(): { count: number; scrollbackBytes: number } {
    let chars = 0;
    for (const session of this.#sessions.values()) chars += session.scrollbackChars;
    return { count: this.#sessions.size, scrollbackBytes: chars * 2 };
  }

  /** Under memory pressure: drops the kept output of sessions no window owns; returns the characters freed. */
  trimOrphanScrollback(): number {
    let freed = 0;
    for (const [id, session] of this.#sessions) {
      if (this.#owners.get(id)?.sender === undefined) freed += session.clearScrollback();
    }
    return freed;
  }

  #settings(): PtySettings {
    return { ...defaultPtySettings, ...this.#options.settings?.() };
  }

  async spawn(owner: Sender, request: MessageData<'PtySpawn'>): Promise<PtySession> {
    if (this.#disposed) throw new LocalBrainError('Unavailable', 'LocalBrain is shutting down.');
    const settings = this.#settings();
    if (this.#sessions.size >= settings.maxSessions) {
      throw new LocalBrainError('Conflict', `At most ${settings.maxSessions} terminals can be open at once.`, {
        maxSessions: settings.maxSessions,
      });
    }
    const env = this.#options.env ?? process.env;
    const cwd = await this.#options.roots.resolveExisting(request.cwd ?? '.');
    const shell = await chooseShell(request.shell, settings.defaultShell ?? loginShell(env));
    if (owner.closed.aborted) throw new LocalBrainError('Unavailable', 'The window went away.');
    if (this.#sessions.size >= settings.maxSessions) {
      throw new LocalBrainError('Conflict', `At most ${settings.maxSessions} terminals can be open at once.`, {
        maxSessions: settings.maxSessions,
      });
    }
    const spare = this.#takeSpare(shell, cwd.absolute);
    const session = spare ?? this.#start(shell, cwd.absolute, request.cols, request.rows, settings);
    if (spare) {
      spare.resize(request.cols, request.rows);
      this.#options.logger?.debug({ sessionId: spare.id }, 'pty taken from the warm spare');
    }
    session.title = request.title ?? session.title;
    const { id } = session;
    this.#sessions.set(id, session);
    // A warm spare has already drawn its prompt: the new owner gets it as a replay, at once.
    this.#setOwner(session, owner, spare !== undefined);
    this.#options.logger?.info({ sessionId: id, pid: session.pid, actor: owner.actor }, 'pty spawned');
    this.#replenish();
    return session;
  }

  #start(shell: string, cwd: string, cols: number, rows: number, settings: PtySettings): PtySession {
    // Nothing main holds may reach the new shell: the masters of earlier sessions (node-pty
    // leaves them inheritable), the database, logs, sockets, descriptors from our own parent.
    sealDescriptors();
    let pty;
    try {
      pty = spawnPty(shell, [], {
        name: 'xterm-256color',
        cols,
        rows,
        cwd,
        env: shellEnvironment(shell, this.#options.env ?? process.env),
        // Buffers, so the session decodes UTF-8 itself and a character split across reads survives.
        encoding: null,
      });
    } catch (error) {
      throw new LocalBrainError('Io', `Could not start ${shell}.`, { shell }, { cause: error });
    }
    // And the new master reaches no later child (forkpty returns it without FD_CLOEXEC).
    try {
      sealDescriptors();
    } catch (error) {
      pty.kill('SIGKILL');
      throw error;
    }
    return new PtySession({
      id: randomUUID(),
      pty,
      shell,
      cwd,
      cols,
      rows,
      title: shell.split('/').pop() ?? 'shell',
      scrollbackChars: settings.scrollbackChars,
      flow: this.#flow,
      onExit: (ended) => this.#forget(ended.id),
    });
  }

  #takeSpare(shell: string, cwd: string): PtySession | undefined {
    const spare = this.#spare;
    if (!spare || spare.exited || spare.shell !== shell || spare.cwd !== cwd) return undefined;
    this.#spare = undefined;
    return spare;
  }

  /**
   * Keeps one shell started ahead in the first workspace root, so a new tab shows its
   * prompt at once instead of after the shell's startup files (about 200 ms for bash with
   * bash-completion here). It belongs to no one, is not listed, and is killed on quit.
   */
  prewarm(): void {
    if (!this.#options.prewarm) return;
    this.#replenish();
  }

  #replenish(): void {
    if (!this.#options.prewarm || this.#disposed || this.#spare || this.#warming) return;
    const settings = this.#settings();
    if (this.#sessions.size + 1 >= settings.maxSessions) return;
    this.#warming = true;
    const env = this.#options.env ?? process.env;
    this.#options.roots
      .resolveExisting('.')
      .then((cwd) => {
        if (this.#disposed || this.#spare) return;
        this.#spare = this.#start(settings.defaultShell ?? loginShell(env), cwd.absolute, 80, 24, settings);
      })
      .catch((error: unknown) => this.#options.logger?.debug({ err: error }, 'no warm spare shell'))
      .finally(() => (this.#warming = false));
  }

  /** The session, if it exists and `sender` owns it. */
  owned(sender: Sender, sessionId: string): PtySession {
    const session = this.#sessions.get(sessionId);
    if (!session) throw new LocalBrainError('NotFound', 'No such terminal session.', { sessionId });
    if (this.#owners.get(sessionId)?.sender?.actor !== sender.actor) {
      throw new LocalBrainError('PermissionDenied', 'This terminal belongs to another window; attach to it first.', {
        sessionId,
      });
    }
    return session;
  }

  list(sender: Sender): PtySessionInfo[] {
    return [...this.#sessions.values()].map((session) =>
      session.info(this.#owners.get(session.id)?.sender?.actor === sender.actor),
    );
  }

  /** Gives the session to `sender` and replays its scrollback to it. */
  attach(sender: Sender, sessionId: string): PtySessionInfo {
    const session = this.#sessions.get(sessionId);
    if (!session) throw new LocalBrainError('NotFound', 'No such terminal session.', { sessionId });
    if (sender.closed.aborted) throw new LocalBrainError('Unavailable', 'The window went away.');
    this.#setOwner(session, sender, true);
    return session.info(true);
  }

  kill(sender: Sender, sessionId: string): void {
    this.owned(sender, sessionId).kill();
  }

  #setOwner(session: PtySession, sender: Sender, replay: boolean): void {
    session.restored = false;
    const previous = this.#owners.get(session.id);
    if (previous) {
      previous.release();
      clearTimeout(previous.orphanTimer);
      if (previous.sender && previous.sender.actor !== sender.actor && !previous.sender.closed.aborted) {
        previous.sender.emit({ type: 'PtyDetached', data: { sessionId: session.id } });
      }
    }
    // Through the shared fan-out: a listener per terminal on the window's signal passed Node's
    // leak warning at eleven terminals.
    const stopWaiting = onAbort(sender.closed, () => this.#orphan(session));
    this.#owners.set(session.id, {
      sender,
      release: stopWaiting,
      orphanTimer: undefined,
    });
    session.setSink((event) => sender.emit(event), { replay });
  }

  #orphan(session: PtySession): void {
    const ownership = this.#owners.get(session.id);
    if (!ownership) return;
    ownership.release();
    ownership.sender = undefined;
    session.setSink(undefined);
    ownership.orphanTimer = setTimeout(() => {
      this.#options.logger?.info({ sessionId: session.id }, 'pty orphaned; killing');
      session.kill();
    }, this.#options.orphanGraceMs ?? defaultOrphanGraceMs);
  }

  #forget(sessionId: string): void {
    if (this.#spare?.id === sessionId) this.#spare = undefined;
    const ownership = this.#owners.get(sessionId);
    if (ownership) {
      ownership.release();
      clearTimeout(ownership.orphanTimer);
    }
    this.#owners.delete(sessionId);
    this.#sessions.delete(sessionId);
    this.#exitWaiters.get(sessionId)?.();
    this.#exitWaiters.delete(sessionId);
  }

  /** Kills every session and waits (briefly) for each to be reaped. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    const all = [...this.#sessions.values()];
    if (this.#spare) all.push(this.#spare);
    this.#spare = undefined;
    const exits = all.map(
      (session) =>
        new Promise<void>((resolve) => {
          this.#exitWaiters.set(session.id, resolve);
          session.kill();
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise<void>((resolve) => (timer = setTimeout(resolve, disposeWaitMs)))]);
    clearTimeout(timer);
  }
}
