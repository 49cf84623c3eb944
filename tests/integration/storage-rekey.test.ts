import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveKeyStore } from '../../main/services/keys/key-file';
import { Storage } from '../../main/services/storage/storage';
import { capturingLogger } from '../support/logger';
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
  for (const client of running.clients.splice(0)) await client.close().catch(() => undefined);
  await running.serve?.stop();
  running.serve = undefined;
  await workspace.remove();
  await dataDir.remove();
});

const dbFile = () => path.join(dataDir.path, 'localbrain.db');
const keyFile = () => path.join(dataDir.path, 'db.key');

/**
 * Fills the data dir with a database of `entries` audit entries (~1 KB each) under a key
 * file, through the real Storage, so rekeys have real work to do and AuditVerify a real chain.
 */
async function seed(entries: number): Promise<void> {
  const { logger } = capturingLogger();
  const storage = await Storage.open({ dataDir: dataDir.path, keyStore: serveKeyStore(dataDir.path, dbFile()), logger });
  try {
    const filler = 'x'.repeat(900);
    for (let index = 0; index < entries; index++) {
      void storage.audit.append(
        {
          time: Date.now(),
          actor: 'seed',
          type: 'FileOperation',
          summary: { op: 'stat', path: `seed/${index}/${filler}` },
          outcome: 'ok',
          durationMs: 0.1,
        },
        { privileged: false },
      );
      if (index % 500 === 499) storage.audit.flush();
    }
    storage.audit.flush();
  } finally {
    await storage.dispose();
  }
}

async function start(): Promise<WsClient> {
  running.serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
  const client = await WsClient.connect(running.serve.wsUrl);
  running.clients.push(client);
  return client;
}

async function stopGracefully(): Promise<void> {
  for (const client of running.clients.splice(0)) await client.close();
  expect((await running.serve?.stop())?.code).toBe(0);
  running.serve = undefined;
}

async function killHard(): Promise<void> {
  const serve = running.serve;
  running.serve = undefined;
  for (const client of running.clients.splice(0)) client.socket.terminate();
  if (serve?.child.exitCode !== null || serve.child.signalCode !== null) return;
  const exited = once(serve.child, 'exit');
  serve.child.kill('SIGKILL');
  await exited;
}

describe('StorageRekey over serve: one at a time (issue 13 item 3)', () => {
  it('answers three rekeys sent at once with exactly one ok and two Conflicts; the database opens after a restart', async () => {
    await seed(2_000);
    const before = readFileSync(keyFile(), 'utf8');
    const client = await start();
    const replies = await Promise.all([1, 2, 3].map(() => client.request({ type: 'StorageRekey', data: {} })));
    expect(replies.filter((reply) => reply.ok)).toHaveLength(1);
    const refused = replies.filter((reply) => !reply.ok);
    expect(refused).toHaveLength(2);
    for (const reply of refused) expect(reply).toMatchObject({ ok: false, error: { code: 'Conflict' } });
    await stopGracefully();
    expect(readFileSync(keyFile(), 'utf8')).not.toBe(before);
    expect(existsSync(`${keyFile()}.next`)).toBe(false);

    const again = await start();
    expect(await again.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
    // After the first finished, a new rekey is no conflict.
    expect(await again.request({ type: 'StorageRekey', data: {} })).toMatchObject({ ok: true });
    const audited = await again.request({ type: 'AuditQuery', data: { type: 'StorageRekey', limit: 10 } });
    expect(audited.ok && audited.value.entries.map((entry) => entry.outcome).sort()).toEqual([
      'Conflict',
      'Conflict',
      'ok',
      'ok',
    ]);
  });

  it('keeps a key on disk that opens the database when killed at random points of overlapping rekeys, run after run', async () => {
    await seed(2_500);
    // Kills land anywhere from before the first rekey starts to after one finished: the spread is
    // one measured rekey of this database on this machine, and half as much again.
    const calibration = await start();
    const measuring = performance.now();
    expect(await calibration.request({ type: 'StorageRekey', data: {} })).toMatchObject({ ok: true });
    const spreadMs = Math.ceil((performance.now() - measuring) * 1.5);
    await stopGracefully();
    const runs = 20;
    const outcomes = { ok: 0, conflict: 0 };
    const unexpected: string[] = [];
    const startedAt = performance.now();
    for (let run = 0; run < runs; run++) {
      // The start itself proves the key on disk opens the database (serve exits before its URL otherwise).
      const first = await start();
      const second = await WsClient.connect(running.serve?.wsUrl ?? '');
      running.clients.push(second);
      const verify = await first.request({ type: 'AuditVerify', data: {} });
      expect(verify, `AuditVerify after restart ${run}`).toMatchObject({ ok: true, value: { ok: true } });
      // Replies cut off by the kill never come; only those that do are counted.
      for (const client of [first, second, first]) {
        void client.request({ type: 'StorageRekey', data: {} }).then((reply) => {
          if (reply.ok) outcomes.ok++;
          else if (reply.error.code === 'Conflict') outcomes.conflict++;
          else unexpected.push(`run ${run}: ${reply.error.code} ${reply.error.message}`);
        });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * spreadMs));
      await killHard();
    }
    const client = await start();
    expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
    await stopGracefully();
    const seen = JSON.stringify({ ...outcomes, spreadMs, totalMs: Math.round(performance.now() - startedAt) });
    expect(unexpected).toEqual([]);
    // Some runs were killed before any rekey finished and some after: the kills really landed on both sides.
    expect(outcomes.ok, seen).toBeGreaterThan(0);
    expect(outcomes.conflict, seen).toBeGreaterThan(0);
  }, 240_000);
});
