import { once } from 'node:events';
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
/** The figure: 120 ordinary requests, of five kinds. */
const mixedRequests = 120;
/** Runs killed at a random moment, on one data dir: each start checks the run before it. */
const randomKillRuns = 20;
/** Ordinary requests in flight at once in the mixed runs. */
const mixedInFlight = 8;
/** Data dirs killed and restarted side by side: server starts dominate the time, and they overlap well on 2 cores. */
const lanes = 4;

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

interface MixedRequest {
  readonly message: unknown;
  /** The audit entry that records it: its type and, where the summary can tell requests apart, a unique key. */
  readonly category: string;
  readonly unique?: string;
}

/** Request `n` of run `run` (unique within one data dir): VoiceCommand and FileOperation stat are told apart by their summary, the rest are counted. */
function mixedRequest(run: number, n: number): MixedRequest {
  switch (n % 6) {
    case 0: {
      // The summary keeps the text's length, not the text: a unique length identifies the request.
      const chars = run * mixedRequests + n + 1;
      return {
        message: { type: 'VoiceCommand', data: { text: 'x'.repeat(chars), metadata: { source: 'keyboard' } } },
        category: 'VoiceCommand',
        unique: `voice:${chars}`,
      };
    }
    case 1: {
      const file = path.join(workspace.path, `missing-${run}-${n}.txt`);
      return {
        message: { type: 'FileOperation', data: { op: { kind: 'stat' }, path: file } },
        category: 'stat',
        unique: `stat:${file}`,
      };
    }
    case 2:
      return { message: { type: 'FileOperation', data: { op: { kind: 'list' }, path: workspace.path } }, category: 'list' };
    case 3:
      return { message: { type: 'HealthReport', data: {} }, category: 'HealthReport' };
    case 4:
      return { message: { type: 'PtyList', data: {} }, category: 'PtyList' };
    default:
      return { message: { type: 'SettingsGet', data: {} }, category: 'SettingsGet' };
  }
}

interface StoredEntry {
  type: string;
  summary: Record<string, unknown>;
}

function categoryOf(entry: StoredEntry): string | undefined {
  if (entry.type === 'FileOperation') return typeof entry.summary.op === 'string' ? entry.summary.op : undefined;
  return entry.type;
}

function uniqueOf(entry: StoredEntry): string | undefined {
  if (entry.type === 'VoiceCommand') return `voice:${String(entry.summary.chars)}`;
  if (entry.type === 'FileOperation' && entry.summary.op === 'stat') return `stat:${String(entry.summary.path)}`;
  return undefined;
}

/** Every entry, newest first, through AuditQuery pages as any client reads them. */
async function queryAll(client: WsClient): Promise<StoredEntry[]> {
  const entries: StoredEntry[] = [];
  for (let before: number | undefined; ;) {
    const reply = await client.request({ type: 'AuditQuery', data: { limit: 500, ...(before === undefined ? {} : { before }) } });
    if (!reply.ok) throw new Error(`AuditQuery failed: ${JSON.stringify(reply.error)}`);
    entries.push(...reply.value.entries);
    if (reply.value.nextBefore === undefined) return entries;
    before = reply.value.nextBefore;
  }
}

/** Sends the run's requests, `mixedInFlight` at a time, and SIGKILLs serve right after reply number `killAfter`. */
async function runUntilKilled(serve: Awaited<ReturnType<typeof startServe>>, run: number, killAfter: number) {
  const client = await WsClient.connect(serve.wsUrl);
  const closed = once(client.socket, 'close').then(() => undefined);
  const acknowledged: MixedRequest[] = [];
  let next = 0;
  const worker = async () => {
    while (next < mixedRequests && serve.child.signalCode === null) {
      const request = mixedRequest(run, next++);
      const reply = await Promise.race([client.request(request.message), closed]);
      if (reply === undefined) return;
      // Any reply, ok or not, acknowledges the request: each one must have its entry.
      acknowledged.push(request);
      if (acknowledged.length === killAfter) serve.child.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: mixedInFlight }, () => worker()));
  if (serve.child.signalCode === null) serve.child.kill('SIGKILL');
  await serve.stop();
  await client.close();
  return acknowledged;
}

/** Starts serve on the data dir and checks that every request acknowledged so far is in AuditQuery and the chain verifies. */
async function checkAfterRestart(
  laneDir: string,
  acknowledged: readonly MixedRequest[],
): Promise<Awaited<ReturnType<typeof startServe>>> {
  const serve = await startServe({ dataDir: laneDir, workspaces: [workspace.path] });
  const client = await WsClient.connect(serve.wsUrl);
  try {
    const entries = await queryAll(client);
    const uniques = new Set(entries.map(uniqueOf));
    const counts = new Map<string, number>();
    for (const entry of entries) {
      const category = categoryOf(entry);
      if (category !== undefined) counts.set(category, (counts.get(category) ?? 0) + 1);
    }
    const expected = new Map<string, number>();
    for (const request of acknowledged) expected.set(request.category, (expected.get(request.category) ?? 0) + 1);
    expect(acknowledged.filter((request) => request.unique !== undefined && !uniques.has(request.unique))).toEqual([]);
    for (const [category, count] of expected) expect(counts.get(category) ?? 0, category).toBeGreaterThanOrEqual(count);
    const verify = await client.request({ type: 'AuditVerify', data: {} });
    expect(verify, JSON.stringify(verify)).toMatchObject({ ok: true, value: { ok: true } });
  } finally {
    await client.close();
  }
  return serve;
}

/** `runs` kill-and-restart rounds on one data dir; lane 0 starts with the case, the kill right after the last reply. */
async function killLane(laneIndex: number, runs: number): Promise<void> {
  const laneDir = await tempDir();
  const acknowledged: MixedRequest[] = [];
  let serve = await startServe({ dataDir: laneDir.path, workspaces: [workspace.path] });
  try {
    for (let run = 0; run < runs; run++) {
      const killAfter = laneIndex === 0 && run === 0 ? mixedRequests : 1 + Math.floor(Math.random() * mixedRequests);
      const acked = await runUntilKilled(serve, run, killAfter);
      expect(acked.length).toBeGreaterThanOrEqual(Math.min(killAfter, mixedRequests));
      acknowledged.push(...acked);
      serve = await checkAfterRestart(laneDir.path, acknowledged);
    }
  } finally {
    await serve.stop();
    await laneDir.remove();
  }
}

describe('ordinary entries across SIGKILL (group commit per turn)', () => {
  it(`keeps every acknowledged entry of ${mixedRequests} mixed requests, killed right after the last reply and then at random moments over ${randomKillRuns} runs`, async () => {
    const total = randomKillRuns + 1;
    const perLane = Array.from({ length: lanes }, (_, index) => Math.floor(total / lanes) + (index < total % lanes ? 1 : 0));
    await Promise.all(perLane.map((runs, index) => killLane(index, runs)));
  }, 180_000);
});

describe('aggregated terminal input across SIGKILL', () => {
  it('keeps every acknowledged PtyWrite, counted in a PtyActivity entry recovered at the next start', async () => {
    const writes = 25;
    const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    try {
      const client = await WsClient.connect(serve.wsUrl);
      const spawned = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24, shell: '/bin/sh' } });
      if (!spawned.ok) throw new Error(`PtySpawn failed: ${JSON.stringify(spawned.error)}`);
      const { sessionId } = spawned.value;
      for (let n = 1; n <= writes; n++) {
        const reply = await client.request({ type: 'PtyWrite', data: { sessionId, data: 'x' } });
        expect(reply.ok).toBe(true);
      }
      // Right after the last acknowledgement: the window is still open, and only the WAL holds it.
      serve.child.kill('SIGKILL');
      await serve.stop();
      await client.close();
    } finally {
      await serve.stop();
    }
    const again = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    try {
      const client = await WsClient.connect(again.wsUrl);
      const page = await client.request({ type: 'AuditQuery', data: { type: 'PtyActivity' } });
      if (!page.ok) throw new Error('AuditQuery failed');
      const counted = page.value.entries.reduce((sum, entry) => sum + Number(entry.summary.writes), 0);
      expect(counted).toBe(writes);
      expect(page.value.entries.some((entry) => entry.summary.recovered === true)).toBe(true);
      expect(await client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
      await client.close();
    } finally {
      await again.stop();
    }
  }, 60_000);
});
