// `npm run serve -- --data-dir DIR --workspace DIR [--port N]`: the core without Electron.
import { buildIfStale } from './build-if-stale.mjs';

buildIfStale();
await import('../out/main/serve.js');
