// `npm start`: the desktop app in development, with renderer hot reload.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { electronNativeBinding, ensureElectronNativeBuild } from './electron-native.mjs';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;

function electronBinary() {
  try {
    // The electron package's main export is the path of its binary; it throws when the download never happened.
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

if (!electronBinary()) {
  console.error(
    [
      'LocalBrain: the Electron binary is not installed, so the desktop app cannot start here.',
      'Run `node node_modules/electron/install.js` on a machine that can download it (Node >= 22.12),',
      'or use serve mode, which runs the same core in your browser:',
      '',
      '  npm run serve -- --data-dir ~/.localbrain --workspace .',
    ].join('\n'),
  );
  process.exit(1);
}

ensureElectronNativeBuild();
const child = spawn(
  process.execPath,
  [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'dev', '--', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LOCALBRAIN_SQLITE_BINDING: electronNativeBinding() },
  },
);
child.on('exit', (code) => process.exit(code ?? 1));
