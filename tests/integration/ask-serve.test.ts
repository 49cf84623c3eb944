import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confirmationDetailsSchema, type ConfirmationDetails } from '../../shared/contract/confirm';
import type { Envelope } from '../../shared/envelope';
import { parseHexKey } from '../../main/services/keys/database-key';
import { SqliteDatabaseConstructor } from '../../main/services/storage/sqlite';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

let workspace: Awaited<ReturnType<typeof tempDir>>;
let dataDir: Awaited<ReturnType<typeof tempDir>>;
const running: { serve?: ServeProcess; clients: WsClient[] } = { clients: [] };

beforeEach(async () => {
  workspace = await tempDir();
  dataDir = await tempDir();
});
afterEach(async () => {
  await stop();
  await workspace.remove();
  await dataDir.remove();
});

async function start(): Promise<WsClient> {
  running.serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
  return connect();
}

async function connect(): Promise<WsClient> {
  const client = await WsClient.connect(running.serve?.wsUrl ?? '');
  running.clients.push(client);
  return client;
}

async function stop(): Promise<void> {
  for (const client of running.clients.splice(0)) await client.close();
  await running.serve?.stop();
  running.serve = undefined;
}

/** The person's "ask me first" for writing text files, stored for serve clients in the stopped server's encrypted database. */
function plantAskGrant(): void {
  const dbKey = parseHexKey(readFileSync(path.join(dataDir.path, 'db.key'), 'utf8'), 'db.key');
  const raw = new SqliteDatabaseConstructor(path.join(dataDir.path, 'localbrain.db'));
  try {
    raw.pragma(`key = "x'${dbKey.toString('hex')}'"`);
    const permission = { message: 'FileOperation', ops: ['write'], paths: ['*.txt'], effect: 'ask' };
    raw
      .prepare(
        "INSERT INTO permission_grants (subject, effect, permission, origin, created_at) VALUES ('serve', 'ask', ?, 'setting', 1)",
      )
      .run(JSON.stringify(permission));
  } finally {
    raw.close();
  }
}

const write = (file: string, content: string) =>
  ({ type: 'FileOperation', data: { op: { kind: 'write', content }, path: file } }) as const;

function asked(reply: Envelope<unknown>): ConfirmationDetails {
  if (reply.ok || reply.error.code !== 'ConfirmationRequired')
    throw new Error(`expected ConfirmationRequired, got ${JSON.stringify(reply)}`);
  return confirmationDetailsSchema.parse(reply.error.details);
}

const contentOf = (file: string) => readFile(path.join(workspace.path, file), 'utf8').catch(() => undefined);

describe('a stored "ask me first" over serve mode (issue 10 item 1)', () => {
  it('asks with a token; deny runs nothing, once runs once, always persists across a restart; every decision is audited', async () => {
    await start();
    await stop();
    plantAskGrant();
    const client = await start();

    const first = asked(await client.request(write('a.txt', 'one')));
    expect(first).toMatchObject({
      kind: 'Message',
      asker: expect.stringMatching(/^serve:/) as string,
      message: 'FileOperation',
      file: { op: 'write', paths: ['a.txt'] },
      always: 'FileOperation write on *.txt',
    });
    expect(await client.request({ type: 'Confirm', data: { token: first.token, decision: 'deny' } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', details: { declined: true } },
    });
    expect(await contentOf('a.txt')).toBeUndefined();

    const second = asked(await client.request(write('a.txt', 'two')));
    const other = await connect();
    expect(await other.request({ type: 'Confirm', data: { token: second.token } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
    expect(await client.request({ type: 'Confirm', data: { token: second.token, decision: 'once' } })).toMatchObject({
      ok: true,
      value: { type: 'Message', value: { type: 'FileOperation' } },
    });
    expect(await contentOf('a.txt')).toBe('two');
    // Once is once: the same message asks again.
    const third = asked(await client.request(write('a.txt', 'three')));
    expect(third.token).not.toBe(second.token);
    expect(await client.request({ type: 'Confirm', data: { token: third.token, decision: 'always' } })).toMatchObject({
      ok: true,
    });
    expect(await contentOf('a.txt')).toBe('three');
    expect(await client.request(write('b.txt', 'at once'))).toMatchObject({ ok: true });
    expect(await contentOf('b.txt')).toBe('at once');

    const audit = await client.request({ type: 'AuditQuery', data: { type: 'Confirm' } });
    if (!audit.ok) throw new Error(JSON.stringify(audit));
    expect(audit.value.entries.map((entry) => [entry.summary.decision, entry.outcome]).reverse()).toEqual([
      ['deny', 'PermissionDenied'],
      ['once', 'PermissionDenied'],
      ['once', 'ok'],
      ['always', 'ok'],
    ]);
    const writes = await client.request({ type: 'AuditQuery', data: { type: 'FileOperation' } });
    if (!writes.ok) throw new Error(JSON.stringify(writes));
    expect(writes.value.entries.filter((entry) => entry.summary.confirmed !== undefined)).toHaveLength(2);

    await stop();
    const later = await start();
    expect(await later.request(write('c.txt', 'after restart'))).toMatchObject({ ok: true });
    expect(await contentOf('c.txt')).toBe('after restart');
  });
});
