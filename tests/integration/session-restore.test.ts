import { mkdir, readFile, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PtySessionInfo } from '../../shared/contract/pty';
import { parseHexKey } from '../../main/services/keys/database-key';
import { StorageDatabase } from '../../main/services/storage/database';
import { migrations } from '../../main/services/storage/migrations';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

/** The layout is checked every 2 s; this leaves room for a busy machine. */
const savedWithinMs = 5_000;

interface Running {
  serve: ServeProcess;
  client: WsClient;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function folders() {
  const workspace = await tempDir();
  const dataDir = await tempDir();
  await mkdir(path.join(workspace.path, 'src'));
  await mkdir(path.join(workspace.path, 'docs'));
  cleanups.push(
    () => workspace.remove(),
    () => dataDir.remove(),
  );
  return { workspace: await realpath(workspace.path), dataDir: dataDir.path };
}

async function start(dataDir: string, workspace: string): Promise<Running> {
  const serve = await startServe({ dataDir, workspaces: [workspace] });
  const client = await WsClient.connect(serve.wsUrl);
  cleanups.push(async () => {
    await client.close();
    await serve.stop();
  });
  return { serve, client };
}

async function kill(running: Running): Promise<void> {
  running.serve.child.kill('SIGKILL');
  await new Promise((resolve) => running.serve.child.once('exit', resolve));
  running.client.socket.terminate();
}

async function list(client: WsClient): Promise<PtySessionInfo[]> {
  const reply = await client.request({ type: 'PtyList', data: {} });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value.sessions;
}

async function spawn(client: WsClient, cwd?: string): Promise<{ sessionId: string; pid: number }> {
  const reply = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24, ...(cwd ? { cwd } : {}) } });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value;
}

/** Waits for text the shell printed; the commands compute their markers, so the terminal's echo of the input never matches. */
async function waitForOutput(client: WsClient, sessionId: string, text: string): Promise<void> {
  await client.waitFor(
    () =>
      client.events
        .filter((event) => event.type === 'PtyData' && event.data.sessionId === sessionId)
        .map((event) => (event.type === 'PtyData' ? event.data.data : ''))
        .join('')
        .includes(text)
        ? true
        : undefined,
    // A login shell's rc files can take seconds on a busy machine.
    30_000,
  );
}

describe('crash-safe session restore over serve mode', () => {
  it('two terminals, one opened in src and one that ran cd docs, come back there after SIGKILL', async () => {
    const { workspace, dataDir } = await folders();
    const first = await start(dataDir, workspace);
    const inSrc = await spawn(first.client, 'src');
    const moved = await spawn(first.client);
    await first.client.request({
      type: 'PtyWrite',
      data: { sessionId: moved.sessionId, data: 'cd docs && echo MOVED-$((40+2))\r' },
    });
    await waitForOutput(first.client, moved.sessionId, 'MOVED-42');
    await new Promise((resolve) => setTimeout(resolve, savedWithinMs));
    expect(inSrc.pid).toBeGreaterThan(0);
    await kill(first);

    const second = await start(dataDir, workspace);
    const sessions = await list(second.client);
    expect(sessions.map((session) => [session.cwd, session.restored, session.orphaned]).sort()).toEqual([
      [path.join(workspace, 'docs'), true, true],
      [path.join(workspace, 'src'), true, true],
    ]);
    // The shells really run there.
    const restoredSrc = sessions.find((session) => session.cwd.endsWith('src'));
    if (!restoredSrc) throw new Error('no session');
    await second.client.request({ type: 'PtyAttach', data: { sessionId: restoredSrc.sessionId } });
    await second.client.request({ type: 'PtyWrite', data: { sessionId: restoredSrc.sessionId, data: 'pwd\r' } });
    await waitForOutput(second.client, restoredSrc.sessionId, path.join(workspace, 'src'));
    // Attached: no longer marked restored.
    const after = await list(second.client);
    expect(after.find((session) => session.sessionId === restoredSrc.sessionId)?.restored).toBe(false);
  });

  it('a folder that is gone starts in the workspace root and says so; a shell killed behind our back is not restored', async () => {
    const { workspace, dataDir } = await folders();
    const first = await start(dataDir, workspace);
    const keep = await spawn(first.client, 'docs');
    const killed = await spawn(first.client, 'src');
    process.kill(killed.pid, 'SIGKILL');
    await first.client.waitFor(() =>
      first.client.events.find((event) => event.type === 'PtyExit' && event.data.sessionId === killed.sessionId),
    );
    await new Promise((resolve) => setTimeout(resolve, savedWithinMs));
    expect(keep.sessionId).not.toBe(killed.sessionId);
    await kill(first);
    await rm(path.join(workspace, 'docs'), { recursive: true });

    const second = await start(dataDir, workspace);
    const sessions = await list(second.client);
    expect(sessions.map((session) => session.cwd)).toEqual([workspace]);
    const [moved] = sessions;
    if (!moved) throw new Error('no session');
    await second.client.request({ type: 'PtyAttach', data: { sessionId: moved.sessionId } });
    await waitForOutput(second.client, moved.sessionId, 'is gone or no longer granted');
  });

  it('with restoreScrollback on, the output comes back marked as restored', async () => {
    const { workspace, dataDir } = await folders();
    const first = await start(dataDir, workspace);
    await first.client.request({ type: 'SettingsSet', data: { values: { 'terminal.restoreScrollback': true } } });
    const session = await spawn(first.client);
    await first.client.request({
      type: 'PtyWrite',
      data: { sessionId: session.sessionId, data: 'echo EARLIER-OUTPUT-$((40+2))\r' },
    });
    await waitForOutput(first.client, session.sessionId, 'EARLIER-OUTPUT-42');
    await new Promise((resolve) => setTimeout(resolve, savedWithinMs));
    await kill(first);

    const second = await start(dataDir, workspace);
    const [restored] = await list(second.client);
    if (!restored) throw new Error('no session');
    await second.client.request({ type: 'PtyAttach', data: { sessionId: restored.sessionId } });
    await waitForOutput(second.client, restored.sessionId, 'restored output');
    await waitForOutput(second.client, restored.sessionId, 'EARLIER-OUTPUT-42');
  });

  it('a corrupt saved layout is ignored and logged; the database is kept and still verifies', async () => {
    const { workspace, dataDir } = await folders();
    const first = await start(dataDir, workspace);
    await spawn(first.client);
    await new Promise((resolve) => setTimeout(resolve, savedWithinMs));
    await first.client.close();
    await first.serve.stop();

    const key = parseHexKey((await readFile(path.join(dataDir, 'db.key'), 'utf8')).trim(), 'db.key');
    const database = StorageDatabase.open({ file: path.join(dataDir, 'localbrain.db'), keys: [key], migrations });
    database.db.prepare(`UPDATE meta SET value = ? WHERE key = 'session.layout'`).run(Buffer.from('{"version":1,"terminals":[{'));
    expect(database.db.prepare(`SELECT changes() AS n`).get()).toEqual({ n: 1 });
    await database.close();

    const second = await start(dataDir, workspace);
    expect(await list(second.client)).toEqual([]);
    expect(second.serve.stderr()).toMatch(/saved session layout is unreadable/);
    const verified = await second.client.request({ type: 'AuditVerify', data: {} });
    expect(verified).toMatchObject({ ok: true, value: { ok: true } });
  });
});
