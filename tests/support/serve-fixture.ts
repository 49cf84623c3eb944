import { startServe, type ServeProcess } from './serve-process';
import { tempDir } from './temp';
import { WsClient } from './ws-client';

/** A running serve process over a fresh workspace and data dir, with one connected client. */
export interface ServeFixture {
  readonly serve: ServeProcess;
  readonly client: WsClient;
  /** Real path of the granted workspace folder. */
  readonly workspace: string;
  readonly dataDir: string;
  /** Closes the client, stops the server and removes both folders. */
  close(): Promise<void>;
}

/**
 * Starts the real built serve entry point for a test file; `prepare` fills the workspace
 * before the server starts.
 */
export async function startServeFixture(prepare?: (workspace: string) => Promise<void>): Promise<ServeFixture> {
  const workspace = await tempDir();
  const dataDir = await tempDir();
  await prepare?.(workspace.path);
  const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
  const client = await WsClient.connect(serve.wsUrl);
  return {
    serve,
    client,
    workspace: workspace.path,
    dataDir: dataDir.path,
    close: async () => {
      await client.close();
      await serve.stop();
      await workspace.remove();
      await dataDir.remove();
    },
  };
}
