import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHexKey } from '../../main/services/keys/database-key';
import { readListedShells } from '../../main/services/settings/login-shells';
import { SqliteDatabaseConstructor } from '../../main/services/storage/sqlite';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

let workspace: Awaited<ReturnType<typeof tempDir>>;
let outside: Awaited<ReturnType<typeof tempDir>>;
let dataDir: Awaited<ReturnType<typeof tempDir>>;
const running: { serve?: ServeProcess; client?: WsClient } = {};

beforeEach(async () => {
  workspace = await tempDir();
  outside = await tempDir();
  dataDir = await tempDir();
});
afterEach(async () => {
  await running.client?.close();
  await running.serve?.stop();
  running.client = undefined;
  running.serve = undefined;
  await workspace.remove();
  await outside.remove();
  await dataDir.remove();
});

/** Starts serve over the test's folders and connects one client; afterEach stops both. */
async function start(): Promise<WsClient> {
  await running.client?.close();
  await running.serve?.stop();
  running.serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
  running.client = await WsClient.connect(running.serve.wsUrl);
  return running.client;
}

async function stop(): Promise<void> {
  await running.client?.close();
  expect((await running.serve?.stop())?.code).toBe(0);
  running.client = undefined;
  running.serve = undefined;
}

/** Writes a settings row straight into the stopped server's encrypted database, as someone holding the key could. */
function plantSetting(key: string, value: unknown): void {
  const dbKey = parseHexKey(readFileSync(path.join(dataDir.path, 'db.key'), 'utf8'), 'db.key');
  const raw = new SqliteDatabaseConstructor(path.join(dataDir.path, 'localbrain.db'));
  try {
    raw.pragma(`key = "x'${dbKey.toString('hex')}'"`);
    raw
      .prepare(
        'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  } finally {
    raw.close();
  }
}

const onlyTheWorkspace = () => ({ ok: true, value: { roots: [{ path: workspace.path, name: path.basename(workspace.path) }] } });

describe('settings cannot grant what only the person may grant (issue 13 item 1, issue 12 item 5)', () => {
  it('refuses workspace.roots in SettingsSet with ValidationFailed; nothing persists, /etc stays out of reach after a restart', async () => {
    let client = await start();
    const set = await client.request({
      type: 'SettingsSet',
      data: { values: { 'workspace.roots': [outside.path, '/etc'], 'terminal.fontSize': 20 } } as never,
    });
    expect(set).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    expect(JSON.stringify(set)).toContain('workspace.roots');
    const got = await client.request({ type: 'SettingsGet', data: {} });
    expect(got).toMatchObject({ ok: true, value: { values: { 'terminal.fontSize': 14 } } });
    expect(got.ok && Object.keys(got.value.values)).not.toContain('workspace.roots');
    expect(await client.request({ type: 'WorkspaceList', data: {} })).toEqual(onlyTheWorkspace());
    await stop();

    client = await start();
    expect(await client.request({ type: 'WorkspaceList', data: {} })).toEqual(onlyTheWorkspace());
    const passwd = await client.request({ type: 'FileOperation', data: { op: { kind: 'read' }, path: '/etc/passwd' } });
    expect(passwd).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    const write = await client.request({
      type: 'FileOperation',
      data: { op: { kind: 'write', content: 'x' }, path: path.join(outside.path, 'planted.txt') },
    });
    expect(write).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    // The refused request is still on record, with what it asked for.
    const audit = await client.request({ type: 'AuditQuery', data: { type: 'SettingsSet', limit: 5 } });
    expect(audit).toMatchObject({ ok: true, value: { entries: [{ type: 'SettingsSet', outcome: 'ValidationFailed' }] } });
  });

  it('grants nothing from roots an earlier LocalBrain saved in the old workspace.roots setting', async () => {
    await start();
    await stop();
    plantSetting('workspace.roots', [outside.path, '/etc']);
    const client = await start();
    expect(await client.request({ type: 'WorkspaceList', data: {} })).toEqual(onlyTheWorkspace());
    const passwd = await client.request({ type: 'FileOperation', data: { op: { kind: 'read' }, path: '/etc/passwd' } });
    expect(passwd).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
  });

  it('refuses a default shell /etc/shells does not list, and never starts one a database already holds', async () => {
    let client = await start();
    const refused = await client.request({
      type: 'SettingsSet',
      data: { values: { 'terminal.defaultShell': '/usr/bin/python3' } },
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'PermissionDenied', details: { shell: '/usr/bin/python3' } } });
    const relative = await client.request({ type: 'SettingsSet', data: { values: { 'terminal.defaultShell': 'python3' } } });
    expect(relative).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    expect(await client.request({ type: 'SettingsGet', data: {} })).toMatchObject({
      ok: true,
      value: { values: { 'terminal.defaultShell': '' } },
    });
    await stop();

    // A database that holds it anyway (an older LocalBrain accepted it): the next spawn starts the login shell.
    plantSetting('terminal.defaultShell', '/usr/bin/python3');
    client = await start();
    const spawned = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24 } });
    expect(spawned.ok).toBe(true);
    if (!spawned.ok) return;
    expect(spawned.value.shell).not.toBe('/usr/bin/python3');
    const expectedShell = process.env.SHELL ?? spawned.value.shell;
    expect(spawned.value.shell).toBe(expectedShell);
    // Asking for the stored value by name is no way around the list either.
    const named = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24, shell: '/usr/bin/python3' } });
    expect(named).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(readListedShells().has('/usr/bin/python3')).toBe(false);
    expect(running.serve?.stderr()).toContain('terminal.defaultShell is not listed in /etc/shells');
  });
});
