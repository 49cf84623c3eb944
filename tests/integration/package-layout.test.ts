import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';

/**
 * The packaged layout, where the Electron binary is absent: electron-builder's `--dir`
 * target with `electronDist` pointed at a stand-in folder, fuses and the native rebuild
 * off for this run only. What it proves and what not: README.md, "Packaging layout test".
 */

const root = path.resolve(import.meta.dirname, '../..');
/** electron-builder and what it brings (js-yaml, @electron/asar), resolved where it finds them. */
const builderRequire = createRequire(createRequire(path.join(root, 'package.json')).resolve('app-builder-lib/package.json'));
const yaml = builderRequire('js-yaml') as { load: (text: string) => unknown };
const asar = builderRequire('@electron/asar') as {
  listPackage: (archive: string, options?: object) => string[];
  statFile: (archive: string, file: string) => { unpacked?: boolean; size?: number };
};
/** electron-builder on two busy cores: about a minute here. */
const packageTimeoutMs = 240_000;

interface LayoutProbe {
  readonly appId: string;
  readonly productName: string;
  readonly executableName: string;
  readonly desktopFileName: string;
  readonly desktopEntry: string;
  readonly icons: { file: string; size: number }[];
}

/** The files of an unpacked Electron for Linux that electron-builder touches; the binary is a script that refuses to run. */
async function standInElectron(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'resources'), { recursive: true });
  await mkdir(path.join(dir, 'locales'), { recursive: true });
  await writeFile(path.join(dir, 'electron'), '#!/bin/sh\necho "stand-in electron: not runnable" >&2\nexit 1\n');
  await chmod(path.join(dir, 'electron'), 0o755);
  await writeFile(path.join(dir, 'locales', 'en-US.pak'), '');
  await writeFile(path.join(dir, 'LICENSE'), 'stand-in\n');
  await writeFile(path.join(dir, 'version'), '45.5.0\n');
}

describe('packaged layout (electron-builder --dir with a stand-in Electron)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let unpacked: string;
  let archive: string;
  let entries: string[];
  let probe: LayoutProbe;
  let builderLog = '';

  beforeAll(async () => {
    work = await tempDir('localbrain-package-');
    const electronDist = path.join(work.path, 'electron-dist');
    const output = path.join(work.path, 'dist');
    await standInElectron(electronDist);
    // The project's own configuration, with only what this run must change.
    const config = yaml.load(await readFile(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
    delete config.electronFuses;
    Object.assign(config, {
      electronDist,
      npmRebuild: false,
      afterPack: path.join(root, 'tests/support/package-layout/after-pack.mjs'),
      directories: { ...(config.directories as object), output },
    });
    const configFile = path.join(work.path, 'electron-builder.json');
    await writeFile(configFile, JSON.stringify(config));
    const builder = spawn(
      process.execPath,
      [path.join(root, 'node_modules/electron-builder/cli.js'), '--config', configFile, '--linux', 'dir', '--x64'],
      {
        cwd: root,
        env: {
          ...process.env,
          // Any download attempt fails at once instead of reaching the network.
          HTTPS_PROXY: 'http://127.0.0.1:9',
          HTTP_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '',
          ELECTRON_GET_USE_PROXY: '1',
          CSC_IDENTITY_AUTO_DISCOVERY: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    builder.stdout.on('data', (chunk: Buffer) => (builderLog += chunk.toString('utf8')));
    builder.stderr.on('data', (chunk: Buffer) => (builderLog += chunk.toString('utf8')));
    const timer = setTimeout(() => builder.kill('SIGKILL'), packageTimeoutMs - 10_000);
    const [code] = (await once(builder, 'exit')) as [number | null];
    clearTimeout(timer);
    if (code !== 0) throw new Error(`electron-builder exited with ${code}:\n${builderLog}`);
    unpacked = path.join(output, 'linux-unpacked');
    archive = path.join(unpacked, 'resources', 'app.asar');
    entries = asar.listPackage(archive);
    probe = JSON.parse(readFileSync(path.join(output, 'layout-probe.json'), 'utf8')) as LayoutProbe;
  }, packageTimeoutMs);

  afterAll(async () => {
    await work.remove();
  });

  it('holds the built app and its runtime dependencies, and no development dependency', () => {
    for (const file of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/serve.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
    ]) {
      expect(entries, file).toContain(file);
    }
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies)) {
      expect(entries, name).toContain(`/node_modules/${name}/package.json`);
    }
    for (const name of Object.keys(manifest.devDependencies)) {
      expect(entries, name).not.toContain(`/node_modules/${name}/package.json`);
    }
  });

  it('holds no sources, tests, source maps or native build leftovers', () => {
    const topLevel = new Set(entries.map((entry) => entry.split('/')[1]));
    expect([...topLevel].sort()).toEqual(['node_modules', 'out', 'package.json']);
    const offending = entries.filter(
      (entry) =>
        entry.endsWith('.map') ||
        /\.(ts|tsx|mts|cts)$/.test(entry) ||
        /\.test\.[cm]?js$/.test(entry) ||
        /\/node_modules\/node-pty\/(src|deps|third_party)\//.test(entry) ||
        /\/node_modules\/better-sqlite3-multiple-ciphers\/(src|deps)\//.test(entry) ||
        /\/build\/Release\/(obj|obj\.target|\.deps)\//.test(entry) ||
        entry.endsWith('.a') ||
        entry.endsWith('test_extension.node'),
    );
    expect(offending).toEqual([]);
  });

  it('unpacks every native module (node-pty, better-sqlite3, koffi) next to the asar', () => {
    const natives = entries.filter((entry) => entry.endsWith('.node'));
    expect(natives).toEqual(
      expect.arrayContaining([
        '/node_modules/node-pty/build/Release/pty.node',
        '/node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node',
        `/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node`,
      ]),
    );
    for (const entry of natives) {
      expect(asar.statFile(archive, entry.slice(1)).unpacked, entry).toBe(true);
      expect(existsSync(path.join(unpacked, 'resources', 'app.asar.unpacked', entry)), entry).toBe(true);
    }
  });

  it('names the executable, the app id, the desktop entry and the icon for Linux', () => {
    expect(existsSync(path.join(unpacked, 'localbrain'))).toBe(true);
    expect(existsSync(path.join(unpacked, 'electron'))).toBe(false);
    expect(probe).toMatchObject({
      appId: 'dev.localbrain.desktop',
      productName: 'LocalBrain',
      executableName: 'localbrain',
      desktopFileName: 'localbrain.desktop',
    });
    const entry = Object.fromEntries(
      probe.desktopEntry
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(probe.desktopEntry.startsWith('[Desktop Entry]\n')).toBe(true);
    expect(entry).toMatchObject({
      Name: 'LocalBrain',
      Exec: '/opt/LocalBrain/localbrain %U',
      Terminal: 'false',
      Type: 'Application',
      Icon: 'localbrain',
      StartupWMClass: 'localbrain',
      Categories: 'Utility;',
    });
    expect(entry.Comment).toMatch(/local-first desktop command centre/);
    // The app's own icon (build/icon.png, 512 px; desktops scale it), not Electron's default.
    expect(probe.icons.map((icon) => icon.size)).toContain(512);
    const largest = probe.icons.find((icon) => icon.size === 512);
    expect(largest && existsSync(largest.file) ? readFileSync(largest.file) : undefined).toEqual(
      readFileSync(path.join(root, 'build/icon.png')),
    );
  });
});
