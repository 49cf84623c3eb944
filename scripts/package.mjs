// `npm run package [-- electron-builder flags]`: build, then package for this platform.
// Packaging downloads Electron for the target platform, so it needs the network that
// `npm install` used for Electron; it cannot run where that download is blocked.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

for (const [command, args] of [
  [bin('electron-vite'), ['build']],
  [bin('electron-builder'), ['--config', 'electron-builder.yml', ...process.argv.slice(2)]],
]) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
