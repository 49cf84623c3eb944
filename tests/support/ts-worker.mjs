// Runs a TypeScript worker entry from source (tests only; the app runs the built plugin-worker.cjs).
import { register } from 'tsx/esm/api';

register();
await import(new URL('../../main/services/plugins/worker.ts', import.meta.url).href);
