// better-sqlite3-multiple-ciphers is not N-API: Electron needs a build for its own ABI.
// The Node build in node_modules stays as it is (tests and serve mode use it); the
// Electron build goes to a folder of its own, which main loads through better-sqlite3's
// `nativeBinding` option. A packaged app gets Electron's build from electron-builder.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const cacheDir = join(root, 'node_modules', '.cache', 'localbrain-electron-native', electronVersion);

export function electronNativeBinding() {
  return join(cacheDir, 'node_modules', 'better-sqlite3-multiple-ciphers', 'build', 'Release', 'better_sqlite3.node');
}

export function ensureElectronNativeBuild() {
  if (existsSync(electronNativeBinding())) return;
  console.error(`localbrain: building better-sqlite3-multiple-ciphers for Electron ${electronVersion} (once; about a minute)…`);
  const source = dirname(require.resolve('better-sqlite3-multiple-ciphers/package.json'));
  const target = join(cacheDir, 'node_modules', 'better-sqlite3-multiple-ciphers');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, filter: (path) => !path.includes(`${source}/build`) });
  const gyp = require.resolve('node-gyp/bin/node-gyp.js');
  const result = spawnSync(
    process.execPath,
    [
      gyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      '--dist-url=https://electronjs.org/headers',
      '--runtime=electron',
    ],
    { cwd: target, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    console.error('localbrain: the Electron build of better-sqlite3-multiple-ciphers failed; see above.');
    process.exit(1);
  }
}
