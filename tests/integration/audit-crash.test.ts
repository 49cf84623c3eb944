import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHexKey } from '../../main/services/keys/database-key';
import { fixedKeyStore } from '../../main/services/keys/key-store';
import { Storage } from '../../main/services/storage/storage';
import { capturingLogger } from '../support/logger';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

/** Requests kept in flight at once, so the kill lands mid-stream with appends queued and syncing. */
const inFlight = 16;

let workspace: Awaited<ReturnType<typeof tempDir>>;
let dataDir: Awaited<ReturnType<typeof tempDir>>;

beforeEach(async () => {
  workspace = await tempDir();
  dataDir = await tempDir();
});
afterEach(async () => {
  await workspace.remove();
  await dataDir.remove();
});

describe('audit durability across SIGKILL', () => {
  it('keeps every acknowledged privileged entry, and the chain verifies, after the process is killed mid-stream', async () => {
    const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    const client = await WsClient.connect(serve.wsUrl);
    const acknowledged: number[] = [];
    let next = 0;
    const state = { killed: false };
    const worker = async () => {
      while (!state.killed) {
        const value = next++;
        const reply = await Promise.race([
          client.request({ type: 'SettingsSet', data: { values: { 'terminal.scrollback': value } } }),
          new Promise<undefined>((resolve) => client.socket.once('close', () => resolve(undefined))),
        ]);
        if (reply?.ok) acknowledged.push(value);
        else break;
      }
    };
    const workers = Array.from({ length: inFlight }, () => worker());
    // Interleave ordinary (batched) traffic so the kill also catches a batch in memory.
    const chatter = (async () => {
      while (!state.killed) {
        await Promise.race([
          client.request({ type: 'HealthReport', data: {} }),
          new Promise((resolve) => client.socket.once('close', resolve)),
        ]);
      }
    })();
    await client.waitFor(() => (acknowledged.length >= 300 ? true : undefined), 30_000);
    serve.child.kill('SIGKILL');
    state.killed = true;
    await Promise.all([...workers, chatter]);
    await serve.stop();
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    const key = parseHexKey(readFileSync(path.join(dataDir.path, 'db.key'), 'utf8'), 'db.key');
    const { logger } = capturingLogger();
    const storage = await Storage.open({ dataDir: dataDir.path, keyStore: fixedKeyStore(key, 'env'), logger });
    try {
      const stored = new Set<number>();
      for (let after = 0, done = false; !done;) {
        const page = storage.audit.exportPage(after, 10_000);
        for (const line of page.jsonl.split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as { type: string; outcome: string; summary: Record<string, unknown> };
          const value = entry.summary['terminal.scrollback'];
          if (entry.type === 'SettingsSet' && entry.outcome === 'ok' && typeof value === 'number') stored.add(value);
        }
        after = page.lastSeq;
        done = page.done;
      }
      const missing = acknowledged.filter((value) => !stored.has(value));
      expect(missing).toEqual([]);
      expect(await storage.audit.verify()).toMatchObject({ ok: true });
    } finally {
      await storage.dispose();
    }
  });
});
