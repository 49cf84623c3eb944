// `npm start`: the desktop app in development, with renderer hot reload.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { electronNativeBinding, ensureElectronNativeBuild } from './electron-native.mjs';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;

/** The Electron binary's path, read the way the electron package does but without its download-on-require. */
function electronBinary() {
  const packageDir = dirname(require.resolve('electron/package.json'));
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? join(override, relative ?? 'electron') : relative && join(packageDir, 'dist', relative);
  return binary && existsSync(binary) ? binary : undefined;
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
