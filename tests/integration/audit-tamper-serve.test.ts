import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHexKey } from '../../main/services/keys/database-key';
import { SqliteDatabaseConstructor } from '../../main/services/storage/sqlite';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

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

/** Opens the stopped server's database as someone holding its key would, to change it behind LocalBrain's back. */
function tamper(change: (db: InstanceType<typeof SqliteDatabaseConstructor>) => void): void {
  const key = parseHexKey(readFileSync(path.join(dataDir.path, 'db.key'), 'utf8'), 'db.key');
  const raw = new SqliteDatabaseConstructor(path.join(dataDir.path, 'localbrain.db'));
  try {
    raw.pragma(`cipher = 'chacha20'`);
    raw.pragma(`key = "x'${key.toString('hex')}'"`);
    change(raw);
  } finally {
    raw.close();
  }
}

async function withServe<T>(run: (client: WsClient, serve: ServeProcess) => Promise<T>): Promise<T> {
  const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
  try {
    const client = await WsClient.connect(serve.wsUrl);
    try {
      return await run(client, serve);
    } finally {
      await client.close();
    }
  } finally {
    await serve.stop();
  }
}

describe('audit tamper evidence over serve mode', () => {
  it('reports entries cut from the end between two runs, shows the head, and records the finding', async () => {
    const head = await withServe(async (client) => {
      for (let n = 0; n < 10; n++) await client.request({ type: 'SettingsGet', data: {} });
      const verify = await client.request({ type: 'AuditVerify', data: {} });
      if (!verify.ok) throw new Error('verify failed');
      expect(verify.value).toMatchObject({ ok: true, head: { seq: expect.any(Number) as number } });
      return verify.value.head;
    });
    if (!head) throw new Error('no head in the AuditVerify reply');
    tamper((db) => {
      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      const last = db.prepare('SELECT max(seq) FROM audit_log').pluck().get() as number;
      db.prepare('DELETE FROM audit_log WHERE seq > ?').run(last - 4);
    });
    await withServe(async (client) => {
      const verify = await client.request({ type: 'AuditVerify', data: {} });
      if (!verify.ok) throw new Error('verify failed');
      expect(verify.value.ok).toBe(false);
      expect(verify.value.reason).toMatch(/truncated/);
      const found = await client.request({ type: 'AuditQuery', data: { type: 'AuditAnchorMismatch' } });
      expect(found.ok && found.value.entries.length).toBe(1);
    });
  }, 60_000);
});
