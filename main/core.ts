import type { Logger } from 'pino';
import type { HealthReport } from '../shared/contract/health';
import { MemoryAuditSink, type AuditSink } from './ipc/audit';
import { Router } from './ipc/router';
import { fileOperationHandler } from './handlers/files';
import { healthReportHandler } from './handlers/health';
import { terminalCommandHandler } from './handlers/terminal';
import { voiceCommandHandler } from './handlers/voice';
import { DisposableStore } from './lifecycle';
import { FileOperations } from './services/files/operations';
import { WorkspaceRoots } from './services/workspace/roots';

export interface CoreOptions {
  readonly dataDir: string;
  readonly workspaces: readonly string[];
  readonly logger: Logger;
  readonly transport: HealthReport['transport'];
  readonly version: string;
  readonly audit?: AuditSink;
}

/** The main-process core, the same under Electron and in serve mode. */
export interface Core {
  readonly router: Router;
  readonly roots: WorkspaceRoots;
  dispose(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const disposables = new DisposableStore(options.logger);
  try {
    const roots = new WorkspaceRoots();
    for (const folder of options.workspaces) await roots.grant(folder);
    const router = new Router({ audit: options.audit ?? new MemoryAuditSink(), logger: options.logger });
    disposables.add(router.register('VoiceCommand', voiceCommandHandler));
    disposables.add(router.register('FileOperation', fileOperationHandler(new FileOperations(roots))));
    disposables.add(router.register('TerminalCommand', terminalCommandHandler(roots)));
    disposables.add(router.register('HealthReport', healthReportHandler(router, options)));
    return { router, roots, dispose: () => disposables.dispose() };
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
}
