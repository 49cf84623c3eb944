import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { confirmationDetailsSchema, type ConfirmationDetails } from '../../shared/contract/confirm';
import type { Envelope } from '../../shared/envelope';
import type { Core } from '../../main/core';
import type { AuditSink } from '../../main/ports/audit';
import { serveCore } from './core';
import { spawnSourceWorker } from './plugin-worker';
import { startServe, type ServeProcess } from './serve-process';
import { tempDir } from './temp';

type Folder = Awaited<ReturnType<typeof tempDir>>;

/** A workspace, a data dir and a folder holding one unpacked plugin: what serve's `--plugin-dev` loads. */
export interface DevPluginFolders {
  readonly workspace: Folder;
  readonly dataDir: Folder;
  readonly devDir: Folder;
  remove(): Promise<void>;
}

/** Writes `manifest` as localbrain-plugin.json and `source` as its entry (`index.js`) into a fresh dev folder. */
export async function devPluginFolders(manifest: object, source: string): Promise<DevPluginFolders> {
  const workspace = await tempDir();
  const dataDir = await tempDir();
  const devDir = await tempDir();
  await writeFile(path.join(devDir.path, 'localbrain-plugin.json'), JSON.stringify(manifest));
  await writeFile(path.join(devDir.path, 'index.js'), source);
  return {
    workspace,
    dataDir,
    devDir,
    remove: async () => {
      await workspace.remove();
      await dataDir.remove();
      await devDir.remove();
    },
  };
}

/** The details of a `ConfirmationRequired` reply, validated; any other reply fails the test, showing it. */
export function askedDetails(reply: Envelope<unknown>): ConfirmationDetails {
  if (reply.ok || reply.error.code !== 'ConfirmationRequired')
    throw new Error(`expected ConfirmationRequired, got ${JSON.stringify(reply)}`);
  return confirmationDetailsSchema.parse(reply.error.details);
}

/** The core as serve builds it, in-process, with the dev plugin loaded (its worker run from the TypeScript sources). */
export function devPluginCore(folders: DevPluginFolders, audit: AuditSink): Promise<Core> {
  return serveCore(folders.dataDir.path, [folders.workspace.path], {
    version: '0.1.0',
    audit,
    spawnPluginWorker: spawnSourceWorker,
    pluginDevDirs: [folders.devDir.path],
  });
}

/** The real serve process over the folders, with `--plugin-dev` pointing at the plugin. */
export function devPluginServe(folders: DevPluginFolders): Promise<ServeProcess> {
  return startServe({
    dataDir: folders.dataDir.path,
    workspaces: [folders.workspace.path],
    pluginDevDirs: [folders.devDir.path],
  });
}
