// Electron's own install script downloads a ~100 MB binary from outside the npm
// registry. It is disabled in allowScripts and run here instead, so that a machine
// that cannot reach the download (CI, sandboxes) still gets a working install and
// can use serve mode; `npm start` then explains what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function electronInstallScript() {
  try {
    return join(dirname(require.resolve('electron/package.json')), 'install.js');
  } catch {
    return undefined;
  }
}

const script = electronInstallScript();
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('localbrain: ELECTRON_SKIP_BINARY_DOWNLOAD is set; the Electron binary was not fetched.');
} else if (script && existsSync(script)) {
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.warn(
      'localbrain: the Electron binary could not be downloaded. `npm test` and `npm run serve` still work;\n' +
        '`npm start` needs the binary (retry with `node node_modules/electron/install.js`).',
    );
  }
}
