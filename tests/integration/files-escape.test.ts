import { link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

/**
 * Every way out of a workspace we could think of, sent as a real FileOperation over serve
 * mode. Each must be refused, and no reply may carry the canary placed outside.
 */
const canaryMarker = 'CANARY-5f0e1c';
const refusedCodes = ['PermissionDenied', 'NotFound', 'ValidationFailed'];

interface Attempt {
  readonly name: string;
  readonly op: Record<string, unknown>;
  readonly path: string;
}

describe('escape attempts through FileOperation over serve mode', () => {
  let serve: ServeProcess;
  let client: WsClient;
  let base: Awaited<ReturnType<typeof tempDir>>;
  let workspace: string;
  let outside: string;
  let dataDir: string;
  let outsideBefore: string[];

  beforeAll(async () => {
    base = await tempDir('localbrain-escape-');
    workspace = path.join(base.path, 'workspace');
    outside = path.join(base.path, 'outside');
    dataDir = path.join(base.path, 'data');
    const sibling = path.join(base.path, 'workspace-evil');
    for (const folder of [workspace, outside, dataDir, sibling, path.join(workspace, 'docs')]) await mkdir(folder);
    await writeFile(path.join(outside, 'canary.txt'), `${canaryMarker}: never readable through LocalBrain\n`);
    await writeFile(path.join(sibling, 'canary.txt'), `${canaryMarker}: sibling with a shared prefix\n`);
    await writeFile(path.join(workspace, 'readme.md'), '# inside\n');
    await writeFile(path.join(workspace, 'docs', 'guide.md'), 'a guide\n');
    await symlink(path.join(outside, 'canary.txt'), path.join(workspace, 'link-out'));
    await symlink(outside, path.join(workspace, 'dir-out'));
    await symlink('link-out', path.join(workspace, 'chain'));
    await symlink('../../outside/canary.txt', path.join(workspace, 'docs', 'rel-up'));
    await symlink('/', path.join(workspace, 'abs-root'));
    await symlink('/proc/self/root', path.join(workspace, 'proc-root'));
    await symlink('loop-b', path.join(workspace, 'loop-a'));
    await symlink('loop-a', path.join(workspace, 'loop-b'));
    await symlink(path.join(workspace, 'readme.md'), path.join(workspace, 'link-in'));
    // A hard link is the same file in two places; this one is made inside to check it stays readable (it is inside).
    await link(path.join(workspace, 'readme.md'), path.join(workspace, 'hard-in.md'));
    outsideBefore = (await readdir(outside)).sort();
    serve = await startServe({ dataDir, workspaces: [workspace] });
    client = await WsClient.connect(serve.wsUrl);
  });

  afterAll(async () => {
    await client.close();
    await serve.stop();
    await base.remove();
  });

  const read = { kind: 'read' };
  const attempts = (): Attempt[] => {
    const O = outside;
    const W = workspace;
    const B = base.path;
    const reads: [string, string][] = [
      ['parent folder', '..'],
      ['parent with slash', '../'],
      ['sibling canary', '../outside/canary.txt'],
      ['dot then parent', './../outside/canary.txt'],
      ['down then up twice', 'docs/../../outside/canary.txt'],
      ['through a file', 'docs/guide.md/../../../outside/canary.txt'],
      ['many parents to /etc/passwd', '../../../../../../../../etc/passwd'],
      ['fifty parents', `${'../'.repeat(50)}etc/passwd`],
      ['doubled slashes', '..//outside//canary.txt'],
      ['dot segments mixed', '.././outside/./canary.txt'],
      ['deep dot segments', 'docs/./../.././outside/canary.txt'],
      ['trailing dot on outside name', '../outside/canary.txt.'],
      ['trailing space on outside name', '../outside/canary.txt '],
      ['absolute canary', `${O}/canary.txt`],
      ['absolute /etc/passwd', '/etc/passwd'],
      ['filesystem root', '/'],
      ['base folder', B],
      ['absolute with parent', `${W}/../outside/canary.txt`],
      ['absolute down and up', `${W}/docs/../../outside/canary.txt`],
      ['sibling sharing the prefix', `${W}-evil/canary.txt`],
      ['double leading slash', '//etc/passwd'],
      ['proc root', '/proc/self/root/etc/passwd'],
      ['proc cwd', '/proc/self/cwd/package.json'],
      ['proc fd', '/proc/self/fd/0'],
      ['file symlink out', 'link-out'],
      ['folder symlink out', 'dir-out/canary.txt'],
      ['symlink chain out', 'chain'],
      ['relative symlink out', 'docs/rel-up'],
      ['symlink to /', 'abs-root/etc/passwd'],
      ['symlink to proc root', 'proc-root/etc/passwd'],
      ['symlink loop', 'loop-a'],
      ['folder symlink then parent', 'dir-out/../outside/canary.txt'],
      ['percent-encoded dots', '%2e%2e/outside/canary.txt'],
      ['percent-encoded slashes', '%2e%2e%2foutside%2fcanary.txt'],
      ['half-encoded', '..%2foutside%2fcanary.txt'],
      ['double-encoded', '%252e%252e/outside/canary.txt'],
      ['overlong UTF-8 slash, as text', '..%c0%afoutside/canary.txt'],
      ['overlong UTF-8 dots, as characters', '\u00c0\u00ae\u00c0\u00ae/outside/canary.txt'],
      ['full-width dots', '\uff0e\uff0e/outside/canary.txt'],
      ['one-dot leaders', '\u2024\u2024/outside/canary.txt'],
      ['division slash', '..\u2215outside\u2215canary.txt'],
      ['backslashes', '..\\outside\\canary.txt'],
      ['backslashes to passwd', '..\\..\\..\\..\\etc\\passwd'],
      ['four dots', '....//outside/canary.txt'],
      ['three dots', '.../outside/canary.txt'],
      ['dots and a space', '.. /outside/canary.txt'],
      ['drive letter backslash', 'C:\\Windows\\win.ini'],
      ['drive letter slash', 'C:/Windows/win.ini'],
      ['drive relative', 'c:..\\outside\\canary.txt'],
      ['UNC share', '\\\\server\\share\\canary.txt'],
      ['Win32 file namespace', '\\\\?\\C:\\Windows\\win.ini'],
      ['Win32 device namespace', '\\\\.\\PhysicalDrive0'],
      ['forward-slash device namespace', '//?/C:/Windows/win.ini'],
      ['device name CON', 'CON'],
      ['device name with extension', 'aux.txt'],
      ['device name COM1', 'docs/COM1'],
      ['alternate data stream', 'readme.md::$DATA'],
      ['upper-cased workspace path', `${W.toUpperCase()}/../outside/canary.txt`],
      ['upper-cased outside path', `${O.toUpperCase()}/CANARY.TXT`],
      ['upper-cased symlink name', 'LINK-OUT'],
      ['home tilde', '~/.bashrc'],
      ['shell variable', '$HOME/.bashrc'],
      ['file URL', 'file:///etc/passwd'],
      ['NUL byte', 'readme.md\u0000../../outside/canary.txt'],
      ['lone NUL', '\u0000'],
      ['empty path', ''],
      ['over-long path', 'a/'.repeat(3000)],
    ];
    const others: Attempt[] = [
      { name: 'stat through a symlink out', op: { kind: 'stat' }, path: 'link-out' },
      { name: 'list a folder symlink out', op: { kind: 'list' }, path: 'dir-out' },
      { name: 'list the parent', op: { kind: 'list', includeHidden: true }, path: '..' },
      { name: 'diff against the canary', op: { kind: 'diff', content: '' }, path: 'link-out' },
      { name: 'diff through a folder symlink', op: { kind: 'diff', content: '' }, path: 'dir-out/canary.txt' },
      { name: 'write outside', op: { kind: 'write', content: 'pwned' }, path: '../outside/new.txt' },
      { name: 'write through a folder symlink', op: { kind: 'write', content: 'pwned' }, path: 'dir-out/new.txt' },
      { name: 'overwrite the canary through a link', op: { kind: 'write', content: 'pwned' }, path: 'link-out' },
      { name: 'mkdir through a folder symlink', op: { kind: 'mkdir' }, path: 'dir-out/newdir' },
      { name: 'rename out', op: { kind: 'rename', to: '../outside/stolen.md' }, path: 'readme.md' },
      { name: 'rename in from outside', op: { kind: 'rename', to: 'stolen.txt' }, path: 'dir-out/canary.txt' },
      { name: 'copy the canary in', op: { kind: 'copy', to: 'copied.txt' }, path: 'dir-out/canary.txt' },
      { name: 'copy out', op: { kind: 'copy', to: 'dir-out/copied.md' }, path: 'readme.md' },
      { name: 'delete through a folder symlink', op: { kind: 'delete' }, path: 'dir-out/canary.txt' },
      { name: 'delete the parent', op: { kind: 'delete' }, path: '..' },
      { name: 'delete the root itself', op: { kind: 'delete' }, path: '.' },
      { name: 'search the parent', op: { kind: 'search', searchId: 'esc1', query: { text: canaryMarker } }, path: '..' },
      {
        name: 'search a folder symlink out',
        op: { kind: 'search', searchId: 'esc2', query: { text: canaryMarker } },
        path: 'dir-out',
      },
    ];
    return [...reads.map(([name, requested]) => ({ name, op: read, path: requested })), ...others];
  };

  it('has at least 60 attempts', () => {
    expect(attempts().length).toBeGreaterThanOrEqual(60);
  });

  it('refuses every attempt and never returns the canary', async () => {
    const outcomes: string[] = [];
    for (const attempt of attempts()) {
      const reply = await client.request({ type: 'FileOperation', data: { op: attempt.op, path: attempt.path } });
      const text = JSON.stringify(reply);
      expect(text, attempt.name).not.toContain(canaryMarker);
      expect(text, attempt.name).not.toContain('root:x:0:0');
      expect(reply.ok, `${attempt.name} should be refused`).toBe(false);
      if (!reply.ok) {
        expect(refusedCodes, `${attempt.name}: ${reply.error.code} ${reply.error.message}`).toContain(reply.error.code);
        outcomes.push(`${reply.error.code}\t${attempt.name}`);
      }
    }
    expect(outcomes).toHaveLength(attempts().length);
  });

  it('left the outside folder exactly as it was', async () => {
    expect((await readdir(outside)).sort()).toEqual(outsideBefore);
    expect(await readFile(path.join(outside, 'canary.txt'), 'utf8')).toContain(canaryMarker);
  });

  it('a search from the root finds nothing outside and does not follow symlinks out', async () => {
    const reply = await client.request({
      type: 'FileOperation',
      data: { op: { kind: 'search', searchId: 'root-search', query: { text: canaryMarker } }, path: '.' },
    });
    expect(reply).toMatchObject({ ok: true, value: { kind: 'search', matches: 0 } });
    expect(JSON.stringify(client.events)).not.toContain(canaryMarker);
  });

  it('still serves the inside: a symlink and a hard link that stay in the workspace are readable', async () => {
    for (const inside of ['readme.md', 'link-in', 'hard-in.md', `${workspace}/docs/../readme.md`, 'docs/../readme.md']) {
      const reply = await client.request({ type: 'FileOperation', data: { op: read, path: inside } });
      expect(reply, inside).toMatchObject({ ok: true, value: { kind: 'read', content: '# inside\n' } });
    }
  });
});

describe('the data dir inside a granted folder, over serve mode', () => {
  it('refuses every file LocalBrain keeps there (key file, database, logs), while the rest of the folder works', async () => {
    const base = await tempDir('localbrain-escape-data-');
    const dataDir = path.join(base.path, '.localbrain');
    await writeFile(path.join(base.path, 'notes.md'), 'mine\n');
    const serve = await startServe({ dataDir, workspaces: [base.path] });
    const client = await WsClient.connect(serve.wsUrl);
    try {
      // Something to keep: a setting lands in the encrypted database.
      await client.request({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'notes.md' } });
      const kept = await readdir(dataDir, { recursive: true });
      expect(kept.length).toBeGreaterThan(0);
      for (const name of ['', ...kept]) {
        for (const op of [{ kind: 'read' }, { kind: 'stat' }, { kind: 'list' }, { kind: 'delete' }]) {
          const reply = await client.request({ type: 'FileOperation', data: { op, path: path.join('.localbrain', name) } });
          expect(reply, `${op.kind} ${name}`).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
        }
      }
      expect(await client.request({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'notes.md' } })).toMatchObject({
        ok: true,
        value: { content: 'mine\n' },
      });
    } finally {
      await client.close();
      await serve.stop();
      await base.remove();
    }
  });
});
