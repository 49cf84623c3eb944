import type { Logger } from 'pino';
import type { HealthReport } from '../shared/contract/health';
import type { AuditSink } from './ports/audit';
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
import { registerStorageDomain } from './handlers/settings';
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
}

/** The main-process core, the same under Electron and in serve mode. */
export interface Core {
  readonly router: Router;
  readonly roots: WorkspaceRoots;
  /** The encrypted database: audit log and settings (`storage.settings` can be given to other services). */
  readonly storage: Storage;
  /** What sentences mean; plugins add their intents here (`registerIntent` returns the disposer). */
  readonly intents: IntentRegistry;
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
    const router = new Router({ audit: options.audit ?? storage.audit, logger: options.logger });
    registerStorageDomain({ router, storage }, disposables);
    const intents = new IntentRegistry();
    for (const intent of builtinIntents) disposables.add(intents.registerIntent(intent));
    const plans = new VoicePlans(new IntentEngine(intents, new RootsLister(roots)), (raw, sender, dispatchOptions) =>
      router.dispatch(raw, sender, dispatchOptions),
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
      disposables,
    );
    registerFilesDomain({ ...options, router, roots, store: workspaceStore }, disposables);
    registerTerminalDomain(
      {
        router,
        roots,
        logger: options.logger,
        ptySettings: ptySettingsFrom(storage.settings),
        confirmers: [voiceConfirmer(plans)],
      },
      disposables,
    );
    disposables.add(router.register('HealthReport', healthReportHandler(router, options)));
    return { router, roots, storage, intents, dispose: () => disposables.dispose() };
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
}
