import type { Logger } from 'pino';
import type { HealthReport } from '../shared/contract/health';
import type { AuditSink } from './ports/audit';
import { Router } from './ipc/router';
import { grantInitialRoots, registerFilesDomain } from './handlers/files';
import { healthReportHandler } from './handlers/health';
import { registerTerminalDomain } from './handlers/terminal';
import { voiceCommandHandler } from './handlers/voice';
import { registerStorageDomain } from './handlers/settings';
import { registerPermissionsDomain } from './handlers/permissions';
import { DatabaseGrantStore } from './services/permissions/grant-store';
import { PermissionsService } from './services/permissions/permissions-service';
import { registerPluginsDomain } from './handlers/plugins';
import { PluginHost } from './services/plugins/plugin-host';
import type { SpawnWorker } from './services/plugins/sandbox';
import { generateDatabaseKey } from './services/keys/database-key';
import { fixedKeyStore, type KeyStore } from './services/keys/key-store';
import { ptySettingsFrom, SettingsWorkspaceStore } from './services/settings/adapters';
import { Storage } from './services/storage/storage';
import { DisposableStore } from './lifecycle';
import { WorkspaceRoots, type WorkspaceStore } from './services/workspace/roots';
import type { TrashItemFn } from './services/files/trash';
import type { PickFolder } from './handlers/workspace';

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
  /** Where granted workspace roots persist; the encrypted `workspace.roots` setting when not given. */
  readonly workspaceStore?: WorkspaceStore;
  /** The OS folder dialog (Electron); without it WorkspaceGrant is Unavailable. */
  readonly pickFolder?: PickFolder;
  /** The OS trash (Electron's shell.trashItem); without it deletes go to a trash folder in the data dir. */
  readonly trashItem?: TrashItemFn;
  /** Unpacked plugin folders loaded with hot reload (serve's --plugin-dev); the desktop adds its developer setting. */
  readonly pluginDevDirs?: readonly string[];
  /** Starts a plugin worker; the built plugin-worker.js when not given. */
  readonly spawnPluginWorker?: SpawnWorker;
}

/** The main-process core, the same under Electron and in serve mode. */
export interface Core {
  readonly router: Router;
  readonly roots: WorkspaceRoots;
  /** The encrypted database: audit log and settings (`storage.settings` can be given to other services). */
  readonly storage: Storage;
  readonly plugins: PluginHost;
  dispose(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const disposables = new DisposableStore(options.logger);
  try {
    // Opened first and so disposed last: every other service's final audit entries still land.
    const storage = await Storage.open({
      dataDir: options.keyStore ? options.dataDir : undefined,
      keyStore: options.keyStore ?? fixedKeyStore(generateDatabaseKey(), 'memory'),
      logger: options.logger,
      ...(options.sqliteBinding === undefined ? {} : { nativeBinding: options.sqliteBinding }),
    });
    disposables.add(() => storage.dispose());
    const roots = new WorkspaceRoots();
    const workspaceStore = options.workspaceStore ?? new SettingsWorkspaceStore(storage.settings);
    await grantInitialRoots(roots, workspaceStore, options.workspaces, options.logger);
    const permissions = new PermissionsService({ roots, store: new DatabaseGrantStore(storage.database, options.logger) });
    const router = new Router({ audit: options.audit ?? storage.audit, logger: options.logger, permissions });
    registerStorageDomain({ router, storage }, disposables);
    registerPermissionsDomain(router, disposables);
    disposables.add(router.register('VoiceCommand', voiceCommandHandler));
    registerFilesDomain({ ...options, router, roots, store: workspaceStore }, disposables);
    registerTerminalDomain(
      { router, roots, logger: options.logger, ptySettings: ptySettingsFrom(storage.settings) },
      disposables,
    );
    disposables.add(router.register('HealthReport', healthReportHandler(router, options)));
    const plugins = new PluginHost({
      dataDir: options.dataDir,
      dispatch: (message, sender, dispatchOptions) => router.dispatch(message, sender, dispatchOptions),
      permissions,
      storage: storage.database,
      logger: options.logger,
      version: options.version,
      trustedKeys: () => storage.settings.get('plugins.trustedKeys'),
      devDirs: [...(options.pluginDevDirs ?? []), ...storage.settings.get('plugins.devDirs')],
      ...(options.spawnPluginWorker === undefined ? {} : { spawn: options.spawnPluginWorker }),
    });
    // Registered before start so a plugin that loads slowly never leaves the messages missing; stopped before the router's handlers go.
    registerPluginsDomain(router, plugins, disposables);
    disposables.add(() => plugins.dispose());
    await plugins.start();
    return { router, roots, storage, plugins, dispose: () => disposables.dispose() };
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
}
