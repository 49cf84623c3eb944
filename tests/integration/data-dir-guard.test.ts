import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveUrlPrefix } from '../../shared/wire';
import { runServeToExit, startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';
import { snapshotDir } from '../unit/storage/helpers';

/** Issue 13 item 8: the data dir inside the granted workspace, as someone who grants their home folder has it. */
let base: Awaited<ReturnType<typeof tempDir>>;
let workspace: string;
let dataDir: string;
const running: { serve?: ServeProcess; client?: WsClient } = {};

beforeEach(async () => {
  base = await tempDir('localbrain-data-dir-guard-');
  workspace = path.join(base.path, 'workspace');
  dataDir = path.join(workspace, 'app', 'data');
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(workspace, 'app', 'notes.txt'), 'notes\n');
});
afterEach(async () => {
  await running.client?.close();
  await running.serve?.stop();
  running.client = undefined;
  running.serve = undefined;
  await base.remove();
});

async function start(): Promise<WsClient> {
  running.serve = await startServe({ dataDir, workspaces: [workspace] });
  running.client = await WsClient.connect(running.serve.wsUrl);
  return running.client;
}

async function stop(): Promise<void> {
  await running.client?.close();
  expect((await running.serve?.stop())?.code).toBe(0);
  running.client = undefined;
  running.serve = undefined;
}

const fileOp = (client: WsClient, op: Record<string, unknown>, target: string) =>
  client.request({ type: 'FileOperation', data: { op, path: target } } as never);

describe('a folder that holds the data dir (issue 13 item 8)', () => {
  it('cannot be copied, renamed or deleted; the database stays where it is and the key stays unread', async () => {
    const client = await start();
    expect(await fileOp(client, { kind: 'read' }, 'app/data/db.key')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
    const holdsDataDir = { ok: false, error: { code: 'PermissionDenied', details: { reason: 'holds-data-dir' } } };
    expect(await fileOp(client, { kind: 'copy', to: 'app-copy' }, 'app')).toMatchObject(holdsDataDir);
    expect(existsSync(path.join(workspace, 'app-copy'))).toBe(false);
    expect(await fileOp(client, { kind: 'read' }, 'app-copy/data/db.key')).toMatchObject({
      ok: false,
      error: { code: 'NotFound' },
    });
    const renamed = await fileOp(client, { kind: 'rename', to: 'app-moved' }, 'app');
    expect(renamed).toMatchObject(holdsDataDir);
    expect(JSON.stringify(renamed)).toMatch(/holds LocalBrain's own data folder/);
    expect(await fileOp(client, { kind: 'rename', to: 'elsewhere/app' }, 'app')).toMatchObject({ ok: false });
    expect(await fileOp(client, { kind: 'delete' }, 'app')).toMatchObject(holdsDataDir);
    // By an absolute path, too.
    expect(await fileOp(client, { kind: 'copy', to: path.join(workspace, 'b') }, path.join(workspace, 'app'))).toMatchObject(
      holdsDataDir,
    );
    expect(existsSync(path.join(dataDir, 'localbrain.db'))).toBe(true);
    // What sits beside the data dir is an ordinary file.
    expect(await fileOp(client, { kind: 'copy', to: 'app/notes-copy.txt' }, 'app/notes.txt')).toMatchObject({ ok: true });
    expect(await fileOp(client, { kind: 'rename', to: 'app/notes-moved.txt' }, 'app/notes-copy.txt')).toMatchObject({
      ok: true,
    });
    expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
  });

  it('refuses to start on a fresh database when the old one is gone, naming the file, before the URL, changing nothing', async () => {
    await start();
    await stop();
    // The database moved away by something other than LocalBrain (a file manager, a sync tool).
    await rename(path.join(dataDir, 'localbrain.db'), path.join(base.path, 'moved.db'));
    const before = snapshotDir(dataDir);
    const run = await runServeToExit({ dataDir, workspaces: [workspace] });
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain(serveUrlPrefix);
    expect(run.stderr).toContain(path.join(dataDir, 'localbrain.db'));
    expect(run.stderr).toMatch(/database is gone but its key file .*db\.key shows it existed/);
    expect(snapshotDir(dataDir)).toEqual(before);
    expect(existsSync(path.join(dataDir, 'localbrain.db'))).toBe(false);

    // With the key from the environment there is no key file to go by; the fingerprint beside the database says it.
    const withEnvKey = await runServeToExit({
      dataDir,
      workspaces: [workspace],
      env: { LOCALBRAIN_DB_KEY: randomBytes(32).toString('hex') },
    });
    expect(withEnvKey.code).not.toBe(0);
    expect(withEnvKey.stdout).not.toContain(serveUrlPrefix);
    expect(withEnvKey.stderr).toMatch(/localbrain\.db\.keycheck shows it existed/);
    expect(snapshotDir(dataDir)).toEqual(before);

    // Put back, it opens as before.
    await rename(path.join(base.path, 'moved.db'), path.join(dataDir, 'localbrain.db'));
    const client = await start();
    expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
  });
});
