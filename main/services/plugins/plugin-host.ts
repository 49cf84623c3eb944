import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { confirmationDetailsSchema, type ConfirmationDetails } from '../../../shared/contract/confirm';
import type { Capability, Permission } from '../../../shared/contract/permissions';
import type { PluginInfo, PluginState } from '../../../shared/contract/plugins';
import type { Envelope } from '../../../shared/envelope';
import { LocalBrainError } from '../../../shared/errors';
import type { Sender } from '../../ports/sender';
import type { AuditSummary } from '../../ports/audit';
import type { AskApproval, PermissionsService } from '../permissions/permissions-service';
import type { CommandApproval, TerminalCommands } from '../commands/terminal-commands';
import type { StorageDatabase } from '../storage/database';
import { exampleOf, type ContributingPlugin, type Contribution } from '../voice/plugin-intents';
import { ApprovalStore } from './approvals';
import { PluginAsks, type AskParts, type CommandRun } from './plugin-asks';
import {
  compareVersions,
  engineAccepts,
  loadPluginFolder,
  manifestFileName,
  type LoadedPlugin,
  type TrustedKey,
} from './manifest';
import type { FaultKind, SandboxLimits } from './protocol';
import { PluginSandbox, type SpawnWorker } from './sandbox';
import { quickjsWasmModule } from './wasm-module';

/** Crashes that disable a plugin: 3 within 60 s (the issue's rule); fewer restart it after a backoff. */
const maxCrashes = 3;
const crashWindowMs = 60_000;
/** First restart after 1 s, doubling: quick enough for a one-off fault, slow enough that a crash loop costs little. */
const firstBackoffMs = 1_000;
/** Errors kept per plugin for the Plugins view. */
const maxRecentErrors = 10;
/** Edits come in bursts (an editor writes a temp file, then renames); one reload per burst. */
const reloadDebounceMs = 50;

/** The router's dispatch (through the fair dispatcher); the approvals and `auditExtra` carry a confirmed ask of the plugin. */
export type Dispatch = (
  message: unknown,
  sender: Sender,
  options: { byteLength?: number; approval?: AskApproval; commandApproval?: CommandApproval; auditExtra?: AuditSummary },
) => Promise<Envelope<unknown>>;

export interface PluginHostOptions {
  /** `<data-dir>/plugins/<id>/` holds the installed plugins. */
  readonly dataDir: string;
  readonly dispatch: Dispatch;
  readonly permissions: PermissionsService;
  /**
   * Where a plugin's asks wait for the person who ran its command (the core hands the same
   * object to Confirm); without one the host keeps its own.
   */
  readonly asks?: PluginAsks;
  /**
   * The TerminalCommand service, whose policy asks are passed on like permission asks (the
   * plugin's token taken, the command held for who ran the plugin's command); without it a
   * policy ask reaches the plugin as it is, with a token the plugin cannot use.
   */
  readonly commands?: Pick<TerminalCommands, 'takeAsk'>;
  readonly storage: StorageDatabase;
  readonly logger: Logger;
  readonly version: string;
  readonly trustedKeys?: () => readonly TrustedKey[];
  /** Unpacked plugin folders (serve's --plugin-dev, the desktop's developer setting), watched and reloaded on change. */
  readonly devDirs?: readonly string[];
  readonly spawn?: SpawnWorker;
  readonly limits?: Partial<SandboxLimits>;
  readonly runDeadlineMs?: number;
  readonly startDeadlineMs?: number;
  readonly backoffMs?: number;
  /**
   * Adds a running plugin's contributed commands to the voice (the intent registry); the
   * contribution is disposed when the plugin stops, fails, is disabled, removed or pending again.
   */
  readonly contribute?: (plugin: ContributingPlugin) => Contribution;
}

interface PluginRecord {
  readonly id: string;
  readonly folder: string;
  readonly dev: boolean;
  loaded?: LoadedPlugin & { signedBy?: string };
  state: PluginState;
  error?: string;
  pendingReason?: 'new' | 'changed';
  granted: readonly Permission[];
  sandbox?: PluginSandbox;
  starting?: Promise<void>;
  restartTimer?: NodeJS.Timeout;
  crashTimes: number[];
  recentErrors: { time: number; message: string }[];
  stats: { calls: number; denied: number; crashes: number };
  watcher?: FSWatcher;
  reloadTimer?: NodeJS.Timeout;
  /** Its intents in the voice registry while it runs. */
  contribution?: Contribution;
  /** Its commands running now for someone (PluginRun), so an ask can reach who ran it. */
  readonly runs: Set<CommandRun>;
}

/** A plugin's ask with its token used up: the held message, how to send it, and the permission's approval it carries. */
type Taken = Pick<AskParts, 'held' | 'send'> & { readonly approval?: AskApproval };

export type PluginEvent = { readonly type: 'reloaded' | 'started' | 'stopped' | 'failed'; readonly id: string };

/**
 * Finds plugins, keeps their trust state and runs each approved, enabled one in its own
 * sandbox. Nothing of a plugin runs before the person approves the permissions it asks
 * for; a changed manifest or entry needs approval again; a crash restarts it with backoff,
 * and three crashes in a minute disable it. The rest of the app never waits on a plugin.
 */
export class PluginHost {
  readonly #options: PluginHostOptions;
  readonly #approvals: ApprovalStore;
  readonly #asks: PluginAsks;
  readonly #records = new Map<string, PluginRecord>();
  readonly #listeners = new Set<(event: PluginEvent) => void>();
  #disposed = false;

  constructor(options: PluginHostOptions) {
    this.#options = options;
    this.#approvals = new ApprovalStore(options.storage, options.logger);
    this.#asks = options.asks ?? new PluginAsks(options.permissions);
  }

  /** Where the plugins' asks wait for the person (Confirm redeems their tokens). */
  get asks(): PluginAsks {
    return this.#asks;
  }

  get pluginsDir(): string {
    return path.join(this.#options.dataDir, 'plugins');
  }

  /** Reads every plugin folder and starts the approved, enabled ones (and the dev folders). */
  async start(): Promise<void> {
    await mkdir(this.pluginsDir, { recursive: true, mode: 0o700 });
    await this.#discover();
    for (const folder of this.#options.devDirs ?? []) await this.#addDev(path.resolve(folder));
  }

  onEvent(listener: (event: PluginEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async list(): Promise<PluginInfo[]> {
    await this.#discover();
    return [...this.#records.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((record) => this.#info(record));
  }

  async approve(id: string): Promise<PluginInfo> {
    const record = await this.#reloadRecord(id);
    const loaded = record.loaded;
    if (!loaded) throw new LocalBrainError('Conflict', `${id} cannot be approved: ${record.error ?? 'it did not load'}.`);
    const previous = this.#approvals.get(id);
    if (previous && compareVersions(loaded.manifest.version, previous.version) < 0) {
      throw new LocalBrainError(
        'Conflict',
        `${id} ${loaded.manifest.version} is older than the approved ${previous.version}; a downgrade is refused.`,
      );
    }
    this.#approvals.put({
      id,
      version: loaded.manifest.version,
      manifestSha256: loaded.manifestSha256,
      entrySha256: loaded.entrySha256,
      permissions: loaded.manifest.permissions,
      enabled: true,
      approvedAt: Date.now(),
    });
    record.crashTimes = [];
    await this.#settle(record);
    return this.#info(record);
  }

  async enable(id: string): Promise<PluginInfo> {
    const record = this.#record(id);
    if (!record.dev) {
      if (!this.#approvals.get(id)) throw new LocalBrainError('Conflict', `${id} has not been approved yet.`);
      this.#approvals.setEnabled(id, true);
    }
    record.crashTimes = [];
    await this.#reloadRecord(id);
    await this.#settle(record);
    return this.#info(record);
  }

  async disable(id: string): Promise<PluginInfo> {
    const record = this.#record(id);
    if (!record.dev) this.#approvals.setEnabled(id, false);
    await this.#stop(record, 'The plugin was disabled.');
    record.state = 'disabled';
    return this.#info(record);
  }

  async remove(id: string): Promise<boolean> {
    const record = this.#record(id);
    await this.#stop(record, 'The plugin was removed.');
    record.watcher?.close();
    this.#approvals.remove(id);
    this.#options.permissions.forget(`plugin:${id}`);
    this.#records.delete(id);
    // Only an installed plugin's own folder is deleted; a dev folder is the developer's and stays.
    if (!record.dev && path.dirname(record.folder) === this.pluginsDir) await rm(record.folder, { recursive: true, force: true });
    return true;
  }

  /**
   * Runs one of a plugin's commands; waits for a plugin that is still starting. With a
   * `caller` (the PluginRun's sender), an invoke of the command that meets an `ask`
   * permission waits for the person and this throws ConfirmationRequired with a token
   * for the caller (see PluginAsks); without one such an invoke is refused.
   */
  async run(id: string, command: string, args: unknown, caller?: Sender): Promise<unknown> {
    const record = this.#record(id);
    await record.starting;
    const sandbox = record.sandbox;
    if (record.state !== 'enabled' || !sandbox || sandbox.stopped) {
      throw new LocalBrainError('Unavailable', `${id} is ${record.state}${record.error ? `: ${record.error}` : ''}.`, {
        state: record.state,
      });
    }
    if (!sandbox.commands.has(command)) throw new LocalBrainError('NotFound', `${id} has no command ${command}.`);
    if (!caller) return sandbox.run(command, args);
    const run = this.#asks.open(caller, id, command);
    record.runs.add(run);
    const work = sandbox.run(command, args).finally(() => record.runs.delete(run));
    return this.#asks.follow(run, work);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await Promise.all(
      [...this.#records.values()].map(async (record) => {
        record.watcher?.close();
        clearTimeout(record.reloadTimer);
        await this.#stop(record, 'LocalBrain is shutting down.');
      }),
    );
    this.#asks.dispose();
    this.#listeners.clear();
  }

  // --- discovery and trust -------------------------------------------------------------

  async #discover(): Promise<void> {
    const entries = await readdir(this.pluginsDir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || this.#records.has(entry.name)) continue;
      if (!/^[a-z0-9-]{3,64}$/.test(entry.name)) continue;
      const record = this.#newRecord(entry.name, path.join(this.pluginsDir, entry.name), false);
      this.#records.set(record.id, record);
      await this.#load(record);
      await this.#settle(record);
    }
  }

  #newRecord(id: string, folder: string, dev: boolean): PluginRecord {
    return {
      id,
      folder,
      dev,
      state: 'pending',
      granted: [],
      crashTimes: [],
      recentErrors: [],
      stats: { calls: 0, denied: 0, crashes: 0 },
      runs: new Set(),
    };
  }

  async #addDev(folder: string): Promise<void> {
    const probe = this.#newRecord('(dev)', folder, true);
    await this.#load(probe);
    const id = probe.loaded?.manifest.id ?? path.basename(folder);
    if (this.#records.has(id)) {
      this.#options.logger.warn({ plugin: id, folder }, 'a dev plugin has the id of an installed one; the dev folder is skipped');
      return;
    }
    const record: PluginRecord = { ...probe, id, runs: new Set() };
    this.#records.set(id, record);
    await this.#settle(record);
    record.watcher = watch(folder, (_event, name) => {
      if (name !== null && name !== manifestFileName && name !== record.loaded?.manifest.entry) return;
      clearTimeout(record.reloadTimer);
      record.reloadTimer = setTimeout(() => void this.#hotReload(record), reloadDebounceMs);
    });
    record.watcher.on('error', (error) => this.#options.logger.warn({ err: error, plugin: id }, 'dev plugin watcher failed'));
  }

  async #load(record: PluginRecord): Promise<void> {
    try {
      const loaded = await loadPluginFolder(record.folder, {
        anyName: record.dev,
        trustedKeys: this.#options.trustedKeys?.() ?? [],
      });
      if (!engineAccepts(loaded.manifest.engine, this.#options.version)) {
        throw new LocalBrainError('Conflict', `It needs LocalBrain ${loaded.manifest.engine}; this is ${this.#options.version}.`);
      }
      if (record.loaded === undefined || record.id === '(dev)' || loaded.manifest.id === record.id) record.loaded = loaded;
      else throw new LocalBrainError('Conflict', `The manifest's id changed to ${loaded.manifest.id}.`);
      record.error = undefined;
    } catch (error) {
      record.loaded = undefined;
      record.error = error instanceof Error ? error.message : String(error);
    }
  }

  async #reloadRecord(id: string): Promise<PluginRecord> {
    const record = this.#record(id);
    if (!record.sandbox || record.sandbox.stopped) await this.#load(record);
    return record;
  }

  /** Decides the state from what is on disk and what was approved, and starts or stops the sandbox to match. */
  async #settle(record: PluginRecord): Promise<void> {
    const loaded = record.loaded;
    record.pendingReason = undefined;
    if (!loaded) {
      await this.#stop(record, 'The plugin could not be loaded.');
      record.state = 'failed';
      return;
    }
    if (record.dev) {
      // Naming the folder on the command line (or in the developer setting) is the approval of what it asks for.
      record.granted = loaded.manifest.permissions;
    } else {
      const approval = this.#approvals.get(record.id);
      if (!approval) return this.#pending(record, 'new');
      if (compareVersions(loaded.manifest.version, approval.version) < 0) {
        await this.#stop(record, 'The plugin was downgraded.');
        record.state = 'failed';
        record.error = `Version ${loaded.manifest.version} is older than the approved ${approval.version}; a downgrade is refused.`;
        return;
      }
      if (approval.manifestSha256 !== loaded.manifestSha256 || approval.entrySha256 !== loaded.entrySha256) {
        return this.#pending(record, 'changed');
      }
      record.granted = approval.permissions;
      if (!approval.enabled) {
        await this.#stop(record, 'The plugin is disabled.');
        record.state = 'disabled';
        return;
      }
    }
    record.state = 'enabled';
    this.#options.permissions.introduce(this.#capability(record));
    if (!record.sandbox || record.sandbox.stopped) await this.#startSandbox(record);
  }

  async #pending(record: PluginRecord, reason: 'new' | 'changed'): Promise<void> {
    await this.#stop(record, 'The plugin needs approval.');
    record.state = 'pending';
    record.pendingReason = reason;
    record.granted = [];
  }

  #capability(record: PluginRecord): Capability {
    return { subject: `plugin:${record.id}`, permissions: [...record.granted] };
  }

  // --- sandboxes -------------------------------------------------------------------------

  #startSandbox(record: PluginRecord): Promise<void> {
    if (record.starting) return record.starting;
    const loaded = record.loaded;
    if (!loaded || this.#disposed) return Promise.resolve();
    const starting = this.#spawn(record, loaded).then(
      (sandbox) => {
        record.sandbox = sandbox;
        record.error = undefined;
        this.#contribute(record);
        this.#emit({ type: 'started', id: record.id });
      },
      (error: unknown) => this.#crashed(record, 'load', error instanceof Error ? error.message : String(error)),
    );
    record.starting = starting.finally(() => {
      record.starting = undefined;
    });
    return record.starting;
  }

  #spawn(record: PluginRecord, loaded: LoadedPlugin): Promise<PluginSandbox> {
    const actor = `plugin:${record.id}`;
    let sandbox: PluginSandbox | undefined;
    const options = this.#options;
    return PluginSandbox.start({
      pluginId: record.id,
      source: loaded.source,
      entryName: loaded.manifest.entry,
      wasmModule: quickjsWasmModule(),
      ...(options.spawn === undefined ? {} : { spawn: options.spawn }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.runDeadlineMs === undefined ? {} : { runDeadlineMs: options.runDeadlineMs }),
      ...(options.startDeadlineMs === undefined ? {} : { startDeadlineMs: options.startDeadlineMs }),
      dispatch: async (message, byteLength, closed) => {
        record.stats.calls += 1;
        // The capability is read on every call, so a revoke or a new approval applies at once.
        const sender = (): Sender => ({ actor, capability: this.#capability(record), emit: () => undefined, closed });
        const reply = await options.dispatch(message, sender(), { byteLength });
        return this.#answer(record, reply, sender, () => sandbox);
      },
      onRefused: (count) => {
        record.stats.denied += count;
      },
      onLog: (level, text) => options.logger.info({ plugin: record.id, level }, text),
      onFault: (kind, reason) => {
        // While starting, the failed start reports it (once); a fault of a sandbox replaced by a hot reload is old news.
        if (sandbox === undefined || record.sandbox !== sandbox) return;
        record.sandbox = undefined;
        this.#crashed(record, kind, reason);
      },
    }).then((started) => {
      sandbox = started;
      return started;
    });
  }

  /**
   * What the plugin's invoke gets: the reply, or, when it is an ask of the plugin, the reply
   * after the person decided. A confirmed message may meet a second question (an `ask`
   * permission on a TerminalCommand, then the command policy): that one is passed on too.
   */
  #answer(
    record: PluginRecord,
    reply: Envelope<unknown>,
    sender: () => Sender,
    sandbox: () => PluginSandbox | undefined,
    answered?: AskApproval,
  ): Envelope<unknown> | Promise<Envelope<unknown>> {
    // Not async: every invoke of every plugin passes here, and most replies are no ask.
    const asked = this.#askOf(reply, `plugin:${record.id}`);
    if (asked) return this.#forwardAsk(record, asked, sender, sandbox, answered);
    if (!reply.ok && reply.error.code === 'PermissionDenied') record.stats.denied += 1;
    return reply;
  }

  /** The ask in a reply to the plugin that can be passed on: a permission's, or the command policy's when commands are wired. */
  #askOf(reply: Envelope<unknown>, actor: string): ConfirmationDetails | undefined {
    const asked = capabilityAsk(reply, actor);
    if (asked?.kind === 'TerminalCommand' && !this.#options.commands) return undefined;
    return asked;
  }

  /**
   * One of the plugin's invokes met an `ask` permission or the command policy asked: the
   * plugin's own token is used up here (it never sees one; it cannot send Confirm anyway)
   * and the invoke waits for the person who ran the command. Which command an invoke
   * belongs to is known only while exactly one of the plugin's commands runs: the guest's
   * promises carry no context. `answered` is the permission's approval the message was just
   * sent with, when the command policy now asks about it as well.
   */
  #forwardAsk(
    record: PluginRecord,
    shown: ConfirmationDetails,
    sender: () => Sender,
    sandbox: () => PluginSandbox | undefined,
    answered?: AskApproval,
  ): Promise<Envelope<unknown>> {
    const actor = `plugin:${record.id}`;
    let parts: Taken;
    try {
      parts = this.#take(actor, shown, sender, answered);
    } catch (error) {
      const payload =
        error instanceof LocalBrainError ? error.toPayload() : { code: 'Internal' as const, message: 'The ask was lost.' };
      return Promise.resolve({ ok: false, error: payload });
    }
    const runs = [...record.runs];
    const run = runs.length === 1 ? runs[0] : undefined;
    const held = this.#asks.hold(run, {
      held: parts.held,
      send: parts.send,
      // Its token (used up above) and expiry are replaced by the caller's own when the ask is shown.
      shown,
      pause: () => sandbox()?.pauseDeadline() ?? (() => undefined),
      alive: () => {
        const current = sandbox();
        return current !== undefined && !current.stopped;
      },
    });
    // The allowed message may meet a second question (its permission asked, then the command policy): passed on too.
    return held.then((reply) => this.#answer(record, reply, sender, sandbox, parts.approval));
  }

  /**
   * Uses up the plugin's own token of an ask: the held message, and how to send it once
   * with the one-time approval the service that asked made for it (the permissions service
   * for an `ask` permission, the TerminalCommand service for its policy).
   */
  #take(actor: string, shown: ConfirmationDetails, sender: () => Sender, answered: AskApproval | undefined): Taken {
    const { dispatch, permissions, commands } = this.#options;
    if (shown.kind === 'TerminalCommand' && commands) {
      const { request, approval } = commands.takeAsk(actor, shown.token);
      const held = { request: { type: 'TerminalCommand', data: request } as const, action: shown.action, subject: actor };
      return {
        held,
        send: (audit) =>
          dispatch(held.request, sender(), {
            commandApproval: approval,
            // Its `ask` permission was answered already for this very command: not asked again.
            approval: answered && permissions.renew(answered, held.request),
            auditExtra: audit,
          }),
      };
    }
    const { held, approval } = permissions.redeemAsk(actor, shown.token);
    return { held, approval, send: (audit) => dispatch(held.request, sender(), { approval, auditExtra: audit }) };
  }

  #crashed(record: PluginRecord, kind: FaultKind, reason: string): void {
    this.#withdraw(record);
    const now = Date.now();
    record.stats.crashes += 1;
    record.crashTimes = [...record.crashTimes.filter((time) => now - time < crashWindowMs), now];
    this.#noteError(record, `${kind}: ${reason}`);
    this.#options.logger.warn({ plugin: record.id, kind, reason }, 'plugin crashed');
    if (this.#disposed || record.state !== 'enabled') return;
    record.state = 'failed';
    record.error = reason;
    this.#emit({ type: 'failed', id: record.id });
    if (record.crashTimes.length >= maxCrashes) {
      record.state = 'disabled';
      record.error = `Disabled after ${maxCrashes} crashes within ${crashWindowMs / 1000} s; last: ${reason}`;
      if (!record.dev) this.#approvals.setEnabled(record.id, false);
      return;
    }
    const delay = (this.#options.backoffMs ?? firstBackoffMs) * 2 ** (record.crashTimes.length - 1);
    clearTimeout(record.restartTimer);
    record.restartTimer = setTimeout(() => {
      record.restartTimer = undefined;
      if (this.#disposed || record.state !== 'failed' || !this.#records.has(record.id)) return;
      void this.#load(record).then(() => {
        // Reloaded from disk: a file changed since approval sends it to pending instead of restarting it.
        if (record.state !== 'failed') return;
        record.state = 'enabled';
        return this.#settle(record);
      });
    }, delay);
  }

  async #hotReload(record: PluginRecord): Promise<void> {
    if (this.#disposed) return;
    const old = record.sandbox;
    await this.#load(record);
    if (!record.loaded) {
      this.#noteError(record, record.error ?? 'the plugin could not be loaded');
      return;
    }
    record.granted = record.loaded.manifest.permissions;
    this.#options.permissions.introduce(this.#capability(record));
    try {
      // The new worker starts first; the old one serves until it is ready, then its calls end with Unavailable.
      const next = await this.#spawn(record, record.loaded);
      record.sandbox = next;
      record.state = 'enabled';
      record.error = undefined;
      // The manifest may have changed its utterances: the old intents go, the new ones come.
      this.#contribute(record);
      await old?.dispose('The plugin was reloaded.');
      this.#emit({ type: 'reloaded', id: record.id });
    } catch (error) {
      this.#noteError(record, error instanceof Error ? error.message : String(error));
    }
  }

  async #stop(record: PluginRecord, reason: string): Promise<void> {
    clearTimeout(record.restartTimer);
    record.restartTimer = undefined;
    await record.starting?.catch(() => undefined);
    this.#withdraw(record);
    const sandbox = record.sandbox;
    record.sandbox = undefined;
    if (sandbox) {
      await sandbox.dispose(reason);
      this.#emit({ type: 'stopped', id: record.id });
    }
  }

  /** Registers the running plugin's commands with the voice; what could not be registered becomes its error. */
  #contribute(record: PluginRecord): void {
    this.#withdraw(record);
    const contribute = this.#options.contribute;
    const manifest = record.loaded?.manifest;
    const sandbox = record.sandbox;
    if (!contribute || !manifest || !sandbox) return;
    const problems: string[] = [];
    const commands = manifest.contributes.commands.filter((command) => {
      if (command.utterances.length === 0) return false;
      if (sandbox.commands.has(command.id)) return true;
      problems.push(`command ${command.id} has utterances but the script did not register it`);
      return false;
    });
    try {
      const contribution = contribute({ id: record.id, name: manifest.name, commands });
      record.contribution = contribution;
      problems.push(...contribution.problems);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
    if (problems.length === 0) return;
    record.error = `Voice: ${problems.join('; ')}`;
    for (const problem of problems) this.#noteError(record, `voice: ${problem}`);
    this.#options.logger.warn({ plugin: record.id, problems }, 'utterances of the plugin were not registered');
  }

  #withdraw(record: PluginRecord): void {
    record.contribution?.dispose();
    record.contribution = undefined;
  }

  #noteError(record: PluginRecord, message: string): void {
    record.recentErrors = [...record.recentErrors, { time: Date.now(), message }].slice(-maxRecentErrors);
  }

  #record(id: string): PluginRecord {
    const record = this.#records.get(id);
    if (!record) throw new LocalBrainError('NotFound', `No plugin ${id}.`);
    return record;
  }

  #emit(event: PluginEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #info(record: PluginRecord): PluginInfo {
    const manifest = record.loaded?.manifest;
    return {
      id: record.id,
      name: manifest?.name ?? record.id,
      version: manifest?.version ?? '',
      state: record.state,
      requested: manifest?.permissions ?? [],
      granted: [...record.granted],
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.pendingReason === undefined ? {} : { pendingReason: record.pendingReason }),
      commands: (manifest?.contributes.commands ?? []).map((command) => ({
        id: command.id,
        title: command.title,
        utterances: command.utterances,
        examples: command.examples ?? command.utterances.map(exampleOf),
      })),
      dev: record.dev,
      ...(record.loaded?.signedBy === undefined ? {} : { signedBy: record.loaded.signedBy }),
      recentErrors: [...record.recentErrors],
      stats: { ...record.stats },
    };
  }
}

/**
 * The details of an ask issued to `actor`: a message its `ask` permission held back
 * (`Message`) or a command the policy asked about (`TerminalCommand`), else undefined.
 */
function capabilityAsk(reply: Envelope<unknown>, actor: string): ConfirmationDetails | undefined {
  if (reply.ok || reply.error.code !== 'ConfirmationRequired') return undefined;
  const parsed = confirmationDetailsSchema.safeParse(reply.error.details);
  if (!parsed.success || parsed.data.asker !== actor) return undefined;
  if (parsed.data.kind !== 'Message' && parsed.data.kind !== 'TerminalCommand') return undefined;
  return parsed.data;
}
