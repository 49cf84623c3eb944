import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FileOp } from '../../../shared/contract/files';
import { fileFixture } from './support';

/**
 * A separate process swaps names between "inside" and "pointing outside" as fast as it can
 * while this one reads them. Resolving a path and then opening it would lose this race;
 * verifying the opened descriptor must not.
 */
const swapFile = `
const fs = require('node:fs');
const [dir, inside, outside] = process.argv.slice(1);
for (let i = 0; ; i++) {
  const tmp = dir + '/.swap-' + (i % 2);
  try { fs.rmSync(tmp, { force: true }); } catch {}
  if (i % 2) fs.symlinkSync(outside, tmp); else fs.writeFileSync(tmp, inside);
  fs.renameSync(tmp, dir + '/swing');
}`;

const swapFolder = `
const fs = require('node:fs');
const [dir] = process.argv.slice(1);
for (;;) {
  try { fs.renameSync(dir + '/d', dir + '/.d-real'); fs.renameSync(dir + '/.d-link', dir + '/d'); } catch {}
  try { fs.renameSync(dir + '/d', dir + '/.d-link'); fs.renameSync(dir + '/.d-real', dir + '/d'); } catch {}
}`;

describe('symlink race: a link swapped between check and use never yields outside content', () => {
  let fixture: Awaited<ReturnType<typeof fileFixture>>;
  let swapper: ChildProcess | undefined;
  const attempts = 3000;

  beforeAll(async () => {
    fixture = await fileFixture();
    await mkdir(path.join(fixture.workspace, 'd'));
    await writeFile(path.join(fixture.workspace, 'd', 'canary.txt'), 'inside the real folder\n');
    await symlink(fixture.outside, path.join(fixture.workspace, '.d-link'));
  });

  afterEach(async () => {
    if (swapper?.exitCode === null) {
      const exited = new Promise((resolve) => swapper?.once('exit', resolve));
      swapper.kill('SIGKILL');
      await exited;
    }
  });

  afterAll(() => fixture.remove());

  /**
   * Runs the operations until both sides of the race have been seen (a success on the
   * inside file and a refusal) and at least `attempts` have run, up to a cap.
   */
  async function hammer(requested: string, ops: FileOp[], needRefusal: boolean) {
    const outcomes = new Map<string, number>();
    const count = (prefix: string) => [...outcomes].filter(([key]) => key.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
    for (let index = 0; index < attempts * 10; index += 1) {
      const op = ops[index % ops.length] ?? { kind: 'read' };
      const key = await fixture.files.run({ op, path: requested }).then(
        (reply) => {
          expect(JSON.stringify(reply)).not.toContain('CANARY');
          if (reply.kind === 'stat') expect(reply.entry.size).not.toBe(fixture.canary.length);
          return `ok:${reply.kind}`;
        },
        (error: unknown) => (error as { code: string }).code,
      );
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (index >= attempts && count('ok:') > 0 && (!needRefusal || count('PermissionDenied') > 0)) break;
    }
    expect(count('ok:'), JSON.stringify([...outcomes])).toBeGreaterThan(0);
    if (needRefusal) expect(count('PermissionDenied'), JSON.stringify([...outcomes])).toBeGreaterThan(0);
    return outcomes;
  }

  it('a file swapped with a symlink to the canary', async () => {
    swapper = spawn(process.execPath, ['-e', swapFile, fixture.workspace, 'inside\n', path.join(fixture.outside, 'canary.txt')], {
      stdio: 'ignore',
    });
    const outcomes = await hammer('swing', [{ kind: 'read' }, { kind: 'stat' }, { kind: 'diff', content: '' }], true);
    for (const code of outcomes.keys()) expect(['ok:read', 'ok:stat', 'ok:diff', 'PermissionDenied', 'NotFound']).toContain(code);
  });

  it('a parent folder swapped with a symlink to the outside folder', async () => {
    swapper = spawn(process.execPath, ['-e', swapFolder, fixture.workspace], { stdio: 'ignore' });
    const outcomes = await hammer('d/canary.txt', [{ kind: 'read' }, { kind: 'stat' }, { kind: 'diff', content: '' }], false);
    for (const code of outcomes.keys()) expect(['ok:read', 'ok:stat', 'ok:diff', 'PermissionDenied', 'NotFound']).toContain(code);
  });

  it('listing a folder that is swapped never lists the outside folder', async () => {
    swapper = spawn(process.execPath, ['-e', swapFolder, fixture.workspace], { stdio: 'ignore' });
    await writeFile(path.join(fixture.outside, 'only-outside.txt'), 'x');
    for (let index = 0; index < attempts; index += 1) {
      const reply = await fixture.files.run({ op: { kind: 'list' }, path: 'd' }).catch(() => undefined);
      if (reply?.kind === 'list') expect(reply.entries.map((entry) => entry.name)).not.toContain('only-outside.txt');
    }
  });
});
