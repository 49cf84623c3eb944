import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../shared/contract/health';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';
import { startServe } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

/** Running, not merely a zombie waiting for a parent that is gone (this container's init does not reap). */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every process whose parent chain leads to `root`, from the process table. */
async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after its last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(pid, Number(fields[1]));
    } catch {
      // Gone between the listing and the read.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        walk(pid);
      }
    }
  };
  walk(root);
  return found;
}

async function health(client: WsClient): Promise<HealthReport> {
  const reply = await client.request({ type: 'HealthReport', data: {} });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value;
}

describe('health over serve mode', () => {
  let fixture: ServeFixture;

  beforeAll(async () => {
    fixture = await startServeFixture(async (workspace) => {
      await writeFile(path.join(workspace, 'secret.txt'), 'CANARY-FILE-CONTENT-7f3a\n');
    });
  });
  afterAll(() => fixture.close());

  it('reports loop delay, utilization, memory, sessions, per-type figures and error rates', async () => {
    const { client } = fixture;
    await client.request({ type: 'PtyList', data: {} });
    await client.request({ type: 'FileOperation', data: { op: { kind: 'stat' }, path: 'nowhere.txt' } });
    const report = await health(client);
    expect(report.current.eventLoop.delayP99Ms).toBeGreaterThanOrEqual(0);
    expect(report.current.eventLoop.utilization).toBeGreaterThanOrEqual(0);
    expect(report.current.memory.heapUsedBytes).toBeGreaterThan(0);
    expect(report.current.memory.rssBytes).toBeGreaterThan(0);
    expect(report.current.sessions.count).toBeGreaterThanOrEqual(0);
    expect(report.current.audit.databaseBytes).toBeGreaterThan(0);
    expect(report.services.map((service) => service.name)).toEqual(
      expect.arrayContaining(['storage', 'files', 'terminals', 'health-monitor']),
    );
    expect(report.services.every((service) => service.state === 'running')).toBe(true);
    const later = await health(client);
    expect(later.current.recent.PtyList?.count).toBeGreaterThanOrEqual(1);
    expect(later.current.recent.FileOperation?.errors.NotFound).toBe(1);
    expect(later.current.recent.FileOperation?.errorRate).toBeGreaterThan(0);
    expect(later.current.recent.HealthReport?.p99Ms).toBeGreaterThan(0);
  });

  it('a 300 ms stall of the server raises the event-loop warning', async () => {
    const { client, serve } = fixture;
    // Freeze the whole process from outside, as a long synchronous task would.
    const stalledAt = Date.now();
    serve.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 300));
    serve.child.kill('SIGCONT');
    // The monitor samples every 5 s; the stall shows in the first sample taken after it.
    const seen = (report: HealthReport) =>
      report.history.some((sample) => sample.time > stalledAt && sample.loopDelayMaxMs >= 250);
    const deadline = Date.now() + 15_000;
    let report = await health(client);
    while (!seen(report) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      report = await health(client);
    }
    expect(seen(report)).toBe(true);
    const warning = report.warnings.find((entry) => entry.kind === 'event-loop');
    expect(warning?.message).toMatch(/held up/);
  });

  it('DiagnosticsExport holds versions and health but no file contents, terminal text, key or token', async () => {
    const { client, dataDir, serve } = fixture;
    const read = await client.request({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'secret.txt' } });
    expect(read.ok).toBe(true);
    const spawned = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24 } });
    if (!spawned.ok) throw new Error(spawned.error.message);
    const { sessionId } = spawned.value;
    await client.request({ type: 'PtyWrite', data: { sessionId, data: 'echo CANARY-PTY-INPUT-91c2\r' } });
    await client.waitFor(() =>
      client.events.find(
        (event) => event.type === 'PtyData' && event.data.sessionId === sessionId && event.data.data.includes('CANARY-PTY'),
      ),
    );
    const exported = await client.request({ type: 'DiagnosticsExport', data: {} });
    if (!exported.ok) throw new Error(exported.error.message);
    expect(path.dirname(exported.value.path)).toBe(path.join(dataDir, 'diagnostics'));
    const text = await readFile(exported.value.path, 'utf8');
    expect(exported.value.bytes).toBe(Buffer.byteLength(text));
    const document = JSON.parse(text) as Record<string, Record<string, unknown>>;
    expect(document.versions?.node).toBe(process.versions.node);
    expect(document.versions?.nodePty).toMatch(/^\d+\.\d+\.\d+/);
    expect(document.versions?.sqlite).toMatch(/^3\./);
    expect(document.audit?.ok).toBe(true);
    const key = (await readFile(path.join(dataDir, 'db.key'), 'utf8')).trim();
    for (const canary of ['CANARY-FILE-CONTENT', 'CANARY-PTY', key, serve.token, fixture.workspace]) {
      expect(text.includes(canary), `export holds ${canary.slice(0, 12)}…`).toBe(false);
    }
  });
});

describe('shutdown', () => {
  it('SIGTERM with 5 terminals exits within the deadline and leaves no process behind', async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    const client = await WsClient.connect(serve.wsUrl);
    try {
      for (let index = 0; index < 5; index += 1) {
        const reply = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24 } });
        expect(reply.ok).toBe(true);
      }
      const pid = serve.child.pid ?? 0;
      const children = await descendants(pid);
      // Five shells and the warm spare at least.
      expect(children.length).toBeGreaterThanOrEqual(5);
      const began = performance.now();
      const exit = await serve.stop();
      const tookMs = performance.now() - began;
      expect(exit.code).toBe(0);
      expect(tookMs).toBeLessThan(6_000);
      const survivors: number[] = [];
      for (const child of children) if (await running(child)) survivors.push(child);
      expect(survivors).toEqual([]);
      expect(serve.stderr()).not.toMatch(/"forced":true/);
    } finally {
      await client.close().catch(() => undefined);
      await serve.stop();
      await workspace.remove();
      await dataDir.remove();
    }
  });
});
