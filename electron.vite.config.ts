import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const { version } = JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as { version: string };
const define = { __LOCALBRAIN_VERSION__: JSON.stringify(version) };

export default defineConfig({
  main: {
    define,
    build: {
      outDir: 'out/main',
      // Bundled into plugin-worker.js rather than imported from node_modules: every plugin worker loads them afresh,
      // and one file instead of six cut a worker's start (main only resolves the .wasm file's path).
      externalizeDeps: { exclude: ['quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync'] },
      rolldownOptions: {
        input: {
          index: resolve(import.meta.dirname, 'main/index.ts'),
          serve: resolve(import.meta.dirname, 'main/serve.ts'),
          // Each plugin's worker thread loads this file (main/services/plugins/sandbox.ts).
          'plugin-worker': resolve(import.meta.dirname, 'main/services/plugins/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'preload/index.ts') },
        // A sandboxed preload cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rolldownOptions: {
        input: {
          index: resolve(import.meta.dirname, 'renderer/index.html'),
          bridge: resolve(import.meta.dirname, 'renderer/bridge/ws-bridge.ts'),
        },
        output: { entryFileNames: (chunk) => (chunk.name === 'bridge' ? 'bridge.js' : 'assets/[name]-[hash].js') },
      },
    },
  },
});
