import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { SpawnWorker } from '../../main/services/plugins/sandbox';

/** Starts the plugin worker from its TypeScript source through tsx, as the built app starts plugin-worker.cjs. */
export const spawnSourceWorker: SpawnWorker = (options: WorkerOptions) =>
  new Worker(new URL('./ts-worker.mjs', import.meta.url), options);
