import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, type Plugin } from 'vite';

const { version } = JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as { version: string };
const define = { __LOCALBRAIN_VERSION__: JSON.stringify(version) };

/**
 * out/main/plugin-worker.cjs: each plugin's worker thread loads this one file
 * (main/services/plugins/sandbox.ts). It is CommonJS with QuickJS bundled in, because
 * Node starts a CommonJS worker without its ES module loader and resolves nothing in
 * node_modules: measured here, a fifth less CPU per plugin start than the ES module build.
 */
function pluginWorker(): Plugin {
  return {
    name: 'localbrain-plugin-worker',
    apply: 'build',
    async closeBundle() {
      await build({
        configFile: false,
        logLevel: 'warn',
        define,
        build: {
          outDir: resolve(import.meta.dirname, 'out/main'),
          emptyOutDir: false,
          ssr: resolve(import.meta.dirname, 'main/services/plugins/worker.ts'),
          target: 'node20',
          minify: false,
          rolldownOptions: {
            output: { format: 'cjs', entryFileNames: 'plugin-worker.cjs', codeSplitting: false },
          },
        },
        ssr: { noExternal: true, target: 'node' },
      });
    },
  };
}

export default defineConfig({
  main: {
    define,
    plugins: [pluginWorker()],
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve(import.meta.dirname, 'main/index.ts'),
          serve: resolve(import.meta.dirname, 'main/serve.ts'),
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
