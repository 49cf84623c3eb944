import type { Logger } from 'pino';
import type { HealthReport } from '../shared/contract/health';
import type { AuditSink } from './ports/audit';
import { FairDispatcher } from './ipc/fair-dispatch';
import { Router } from './ipc/router';
import { grantInitialRoots, registerFilesDomain } from './handlers/files';
import { healthReportHandler } from './handlers/health';
import { registerTerminalDomain } from './handlers/terminal';
import { registerVoiceDomain, voiceConfirmer } from './handlers/voice';
import { VoicePlans } from './handlers/voice-plans';
import { builtinIntents } from './services/voice/builtin-intents';
import { IntentEngine } from './services/voice/engine';
import { CommandHistory, databaseHistoryStore } from './services/voice/history';
import { RootsLister } from './services/voice/paths';
import { IntentRegistry } from './services/voice/registry';
import { registerPluginIntents } from './services/voice/plugin-intents';
import { registerStorageDomain } from './handlers/settings';
import { registerPermissionsDomain } from './handlers/permissions';
import { DatabaseGrantStore } from './services/permissions/grant-store';
import { PermissionsService } from './services/permissions/permissions-service';
import { pluginAskConfirmer, registerPluginsDomain } from './handlers/plugins';
import { PluginAsks } from './services/plugins/plugin-asks';
import { PluginHost } from './services/plugins/plugin-host';
import type { SpawnWorker } from './services/plugins/sandbox';
import { generateDatabaseKey } from './services/keys/database-key';
import { fixedKeyStore, type KeyStore } from './services/keys/key-store';
import { ptySettingsFrom } from './services/settings/adapters';
import { Storage } from './services/storage/storage';
import { DisposableStore } from './lifecycle';
import { HealthMonitor } from './services/health/monitor';
import { ServiceRegistry, type ShutdownReport } from './services/runtime/service-registry';
import { storageBytes } from './services/health/storage-bytes';
import { diagnosticsExportHandler } from './handlers/diagnostics';
import { registerSessionDomain } from './handlers/session';
import { LayoutKeeper, restoreEntries } from './services/session/layout-keeper';
import { LayoutStore } from './services/session/layout-store';
import { GrantedRootsStore } from './services/workspace/granted-roots-store';
import { WorkspaceRoots, type WorkspaceStore } from './services/workspace/roots';
import type { TrashItemFn } from './services/files/trash';
import type { PickFolder } from './handlers/workspace';
import { registerUpdatesDomain } from './handlers/updates';
import { UpdateService, type UpdateInstaller } from './services/updates/update-service';

export interface CoreOptions {
  readonly dataDir: string;
  readonly workspaces: readonly string[];
  readonly logger: Logger;
  readonly transport: HealthReport['transport'];
  readonly version: string;
  readonly audit?: AuditSink;
  /** The database key; without one the database lives in memory (tests of other domains). */
  readonly keyStore?: KeyStore;
  /** better-sqlite3's addon built for Electron's ABI (LOCALBRAIN_SQLITE_BINDING). */
  readonly sqliteBinding?: string;
  /** Where granted workspace roots persist; the encrypted database's `meta` table (never a setting) when not given. */
  readonly workspaceStore?: WorkspaceStore;
  /** The OS folder dialog (Electron); without it WorkspaceGrant is Unavailable. */
  readonly pickFolder?: PickFolder;
  /** The OS trash (Electron's shell.trashItem); without it deletes go to a trash folder in the data dir. */
  readonly trashItem?: TrashItemFn;
  /** Unpacked plugin folders loaded with hot reload (serve's --plugin-dev); the desktop adds its developer setting. */
  readonly pluginDevDirs?: readonly string[];
  /** Starts a plugin worker; the built plugin-worker.cjs when not given. */
  readonly spawnPluginWorker?: SpawnWorker;
  /** What installs updates (electron-updater in the desktop app); without it update checks are Unavailable (serve mode). */
  readonly updateInstaller?: UpdateInstaller;
}

/** The main-process core, the same under Electron and in serve mode. */
export interface Core {
  readonly router: Router;
  /** What the transports call: per-sender fairness and back-pressure in front of the router. */
  readonly dispatcher: FairDispatcher;
  readonly roots: WorkspaceRoots;
  /** The encrypted database: audit log and settings (`storage.settings` can be given to other services). */
  readonly storage: Storage;
  readonly plugins: PluginHost;
  /** What sentences mean; plugins add their intents here (`registerIntent` returns the disposer). */
  readonly intents: IntentRegistry;
  /** The background services (storage, terminals, watchers, health monitor), started in order and stopped in reverse. */
  readonly services: ServiceRegistry;
  readonly health: HealthMonitor;
  /** Stops everything: handlers first, then services in reverse start order within the shutdown deadline. */
  dispose(): Promise<ShutdownReport>;
  /** A second signal or quit: stop waiting for services that are still stopping. */
  forceDispose(): void;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const handlers = new DisposableStore(options.logger);
  const services = new ServiceRegistry(options.logger);
  const stop = async (): Promise<ShutdownReport> => {
    await handlers.dispose();
    return services.stopAll();
  };
  try {
    // Opened first and so stopped last: every other service's final audit entries still land.
    const storage = await Storage.open({
      dataDir: options.keyStore ? options.dataDir : undefined,
      keyStore: options.keyStore ?? fixedKeyStore(generateDatabaseKey(), 'memory'),
      logger: options.logger,
      ...(options.sqliteBinding === undefined ? {} : { nativeBinding: options.sqliteBinding }),
    });
    // Flushing the audit log, checkpointing and retention live in storage and stop with it.
    services.register({ name: 'storage', stop: () => storage.dispose(), stopDeadlineMs: 2_000 });
    const roots = new WorkspaceRoots();
    const workspaceStore = options.workspaceStore ?? new GrantedRootsStore(storage.database, options.logger);
    await grantInitialRoots(roots, workspaceStore, options.workspaces, options.logger);
    const audit = options.audit ?? storage.audit;
    const permissions = new PermissionsService({ roots, store: new DatabaseGrantStore(storage.database, options.logger) });
    const router = new Router({ audit, logger: options.logger, permissions });
    const dispatcher = new FairDispatcher({ router, audit, logger: options.logger });
    // Stopped before storage, so its last aggregated refusal entries still land.
    services.register({ name: 'dispatcher', dependsOn: ['storage'], stop: () => dispatcher.dispose(), stopDeadlineMs: 500 });
    registerStorageDomain({ router, storage }, handlers);
    registerPermissionsDomain(router, handlers);
    const intents = new IntentRegistry();
    for (const intent of builtinIntents) handlers.add(intents.registerIntent(intent));
    // A plugin's asks wait here for the person who ran its command; Confirm (terminal domain) redeems their tokens.
    const pluginAsks = new PluginAsks(permissions);
    const plans = new VoicePlans(
      new IntentEngine(intents, new RootsLister(roots)),
      (raw, sender, dispatchOptions) => router.dispatch(raw, sender, dispatchOptions),
      (actor, token) => pluginAsks.drop(actor, token),
    );
    const history = new CommandHistory(databaseHistoryStore(storage.database));
    registerVoiceDomain(
      {
        router,
        plans,
        registry: intents,
        history,
        speech: () => {
          const url = storage.settings.get('voice.speechEndpoint');
          return url === '' ? undefined : { url, allowRemote: storage.settings.get('voice.allowRemoteEndpoint') };
        },
      },
      handlers,
    );

    const filesScope = new DisposableStore(options.logger);
    const { watchers } = registerFilesDomain({ ...options, router, roots, store: workspaceStore }, filesScope);
    services.register({ name: 'files', dependsOn: ['storage'], stop: () => filesScope.dispose(), stopDeadlineMs: 1_000 });

    // The PTY service keeps the warm spare shell and every session; stopping kills them all.
    const terminalScope = new DisposableStore(options.logger);
    const { pty, commands } = registerTerminalDomain(
      {
        router,
        roots,
        logger: options.logger,
        ptySettings: ptySettingsFrom(storage.settings, options.logger),
        confirmers: [voiceConfirmer(plans), pluginAskConfirmer(pluginAsks)],
      },
      terminalScope,
    );
    services.register({ name: 'terminals', dependsOn: ['storage'], stop: () => terminalScope.dispose(), stopDeadlineMs: 3_500 });

    // Terminals open at the last save (a clean quit or a crash) start again, each in its folder.
    const layoutStore = new LayoutStore(storage.database);
    const loadedLayout = layoutStore.load();
    await pty.restore(await restoreEntries(loadedLayout, roots, options.logger));
    const layout = new LayoutKeeper({
      sessions: () => pty.sessions(),
      save: (json) => layoutStore.save(json),
      saveScrollback: () => storage.settings.get('terminal.restoreScrollback'),
      onSaveFailed: (message) => health.warn('storage', message),
      logger: options.logger,
    });
    services.register({
      name: 'session-layout',
      dependsOn: ['storage', 'terminals'],
      start: () => layout.start(loadedLayout.kind === 'ok' ? loadedLayout.layout : undefined),
      stop: () => layout.stop(),
      stopDeadlineMs: 1_000,
    });
    registerSessionDomain({ router, layout }, handlers);

    const health = new HealthMonitor({
      logger: options.logger,
      thresholds: { heapBudgetBytes: () => storage.settings.get('health.heapBudgetMB') * 1024 * 1024 },
      probes: {
        sessions: () => pty.stats(),
        watchers: () => watchers.size,
        audit: () => ({
          backlog: storage.audit.pendingCount,
          lastFlushAt: storage.database.lastWriteAt,
          lastCheckpointAt: storage.database.lastCheckpointAt,
        }),
        storageBytes: () => storageBytes(storage.database.memory ? undefined : storage.database.file),
        recent: () => router.metrics.recent.snapshot(),
        messageCount: () => router.metrics.totalCount,
      },
    });
    health.addCleanup('orphaned terminals', () => `${pty.trimOrphanScrollback()} characters of scrollback dropped`);
    health.addCleanup('database', () => {
      storage.database.checkpoint('PASSIVE');
      return 'WAL checkpointed';
    });
    services.register({
      name: 'health-monitor',
      dependsOn: ['storage', 'terminals', 'files'],
      start: () => health.start(),
      stop: () => health.stop(),
      stopDeadlineMs: 100,
    });

    // Reads nothing from the network at start unless the person turned automatic checks on.
    const updates = new UpdateService({
      currentVersion: options.version,
      settings: { enabled: () => storage.settings.get('updates.enabled'), url: () => storage.settings.get('updates.url') },
      logger: options.logger,
      ...(options.updateInstaller ? { installer: options.updateInstaller } : {}),
    });
    const unwatchUpdateSettings = storage.settings.onChange((key) => {
      if (key === 'updates.enabled' || key === 'updates.url') updates.settingsChanged();
    });
    services.register({
      name: 'updates',
      dependsOn: ['storage'],
      start: () => updates.start(),
      stop: () => {
        unwatchUpdateSettings();
        updates.stop();
      },
      stopDeadlineMs: 100,
    });
    registerUpdatesDomain({ router, updates }, handlers);

    handlers.add(router.register('HealthReport', healthReportHandler(router, health, services, options)));
    handlers.add(
      router.register(
        'DiagnosticsExport',
        diagnosticsExportHandler({ ...options, router, health, services, storage, sessions: () => pty.stats() }),
      ),
    );

    const plugins = new PluginHost({
      dataDir: options.dataDir,
      // A plugin is a sender like any other: its calls wait in its own bounded, round-robin queue.
      dispatch: (message, sender, dispatchOptions) => dispatcher.dispatch(message, sender, dispatchOptions),
      permissions,
      asks: pluginAsks,
      // A plugin's command the policy asks about goes to who ran the plugin's command, as its permission asks do.
      commands,
      storage: storage.database,
      logger: options.logger,
      version: options.version,
      trustedKeys: () => storage.settings.get('plugins.trustedKeys'),
      devDirs: [...(options.pluginDevDirs ?? []), ...storage.settings.get('plugins.devDirs')],
      ...(options.spawnPluginWorker === undefined ? {} : { spawn: options.spawnPluginWorker }),
      // A running plugin's utterances are intents like the built-ins; each says one PluginRun step.
      contribute: (plugin) => registerPluginIntents(intents, plugin),
    });
    registerPluginsDomain(router, plugins, handlers);
    // Every worker is terminated at once; their in-flight calls end with Unavailable before storage closes.
    services.register({
      name: 'plugins',
      dependsOn: ['storage', 'files', 'terminals'],
      start: () => plugins.start(),
      stop: () => plugins.dispose(),
      stopDeadlineMs: 1_000,
    });

    await services.startAll();
    return {
      router,
      dispatcher,
      roots,
      storage,
      plugins,
      intents,
      services,
      health,
      dispose: stop,
      forceDispose: () => services.force(),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
