import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

const folders = 40;
const filesPerFolder = 100;

describe('files over serve mode: streamed search, cancel, watches, trash', () => {
  let serve: ServeProcess;
  let client: WsClient;
  let other: WsClient;
  let base: Awaited<ReturnType<typeof tempDir>>;
  let workspace: string;

  beforeAll(async () => {
    base = await tempDir('localbrain-files-serve-');
    workspace = path.join(base.path, 'workspace');
    const dataDir = path.join(base.path, 'data');
    await mkdir(workspace);
    await mkdir(dataDir);
    const line = 'some ordinary text with the word needle in it\n';
    for (let folder = 0; folder < folders; folder += 1) {
      const dir = path.join(workspace, `f${folder}`);
      await mkdir(dir);
      const text = folder === 0 ? `zebra\n${line.repeat(50)}` : line.repeat(50);
      await Promise.all(Array.from({ length: filesPerFolder }, (_, index) => writeFile(path.join(dir, `${index}.txt`), text)));
    }
    serve = await startServe({ dataDir, workspaces: [workspace] });
    client = await WsClient.connect(serve.wsUrl);
    other = await WsClient.connect(serve.wsUrl);
  });

  afterAll(async () => {
    await client.close();
    await other.close();
    await serve.stop();
    await base.remove();
  });

  const resultsFor = (events: AppEvent[], searchId: string) =>
    events.flatMap((event) => (event.type === 'FileSearchResults' && event.data.searchId === searchId ? event.data.matches : []));

  it('streams results to the requesting client only, capped, and the reply counts them', async () => {
    const reply = await client.request({
      type: 'FileOperation',
      data: { op: { kind: 'search', searchId: 'capped', query: { text: 'needle' }, maxResults: 2_500 }, path: '.' },
    });
    expect(reply).toMatchObject({ ok: true, value: { kind: 'search', matches: 2_500, truncated: true, cancelled: false } });
    expect(resultsFor(client.events, 'capped')).toHaveLength(2_500);
    // Streamed in several batches, not one event at the end.
    expect(client.events.filter((event) => event.type === 'FileSearchResults').length).toBeGreaterThan(1);
    expect(resultsFor(other.events, 'capped')).toEqual([]);
  });

  it('keeps answering other requests while a search runs, and cancels it on request', async () => {
    // Only f0 holds "zebra", so the search streams early and then reads 3,900 more files.
    const order: string[] = [];
    const search = client
      .request({ type: 'FileOperation', data: { op: { kind: 'search', searchId: 'long', query: { text: 'zebra' } }, path: '.' } })
      .then((reply) => {
        order.push('search');
        return reply;
      });
    await client.waitFor(() => (resultsFor(client.events, 'long').length > 0 ? true : undefined));
    const quick = await client.request({ type: 'FileOperation', data: { op: { kind: 'stat' }, path: 'f0/0.txt' } });
    order.push('stat');
    expect(quick.ok).toBe(true);
    // Another client cannot cancel it; its owner can.
    expect(await other.request({ type: 'FileSearchCancel', data: { searchId: 'long' } })).toEqual({
      ok: true,
      value: { cancelled: false },
    });
    expect(await client.request({ type: 'FileSearchCancel', data: { searchId: 'long' } })).toEqual({
      ok: true,
      value: { cancelled: true },
    });
    const finished = await search;
    expect(finished).toMatchObject({ ok: true, value: { cancelled: true } });
    if (finished.ok && finished.value.kind === 'search')
      expect(finished.value.filesScanned).toBeLessThan(folders * filesPerFolder);
    expect(order).toEqual(['stat', 'search']);
  });

  it('refuses a bad regex and an empty query with ValidationFailed', async () => {
    const badRegex = await client.request({
      type: 'FileOperation',
      data: { op: { kind: 'search', searchId: 'bad', query: { text: '(', regex: true } }, path: '.' },
    });
    expect(badRegex).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    const empty = await client.request({
      type: 'FileOperation',
      data: { op: { kind: 'search', searchId: 'empty', query: {} }, path: '.' },
    });
    expect(empty).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
  });

  it('pushes changes in a watched folder to the watching client only', async () => {
    const watch = await client.request({ type: 'FileWatch', data: { path: 'f1' } });
    if (!watch.ok) throw new Error(JSON.stringify(watch));
    await writeFile(path.join(workspace, 'f1', 'fresh.txt'), 'new');
    const change = await client.waitFor(() =>
      client.events.find(
        (event) => event.type === 'FileChanged' && event.data.changes.some((entry) => entry.path === 'f1/fresh.txt'),
      ),
    );
    expect(change).toMatchObject({ data: { watchId: watch.value.watchId, root: workspace } });
    expect(other.events.some((event) => event.type === 'FileChanged')).toBe(false);
  });

  it('deletes to the trash in the data dir and restores', async () => {
    const deleted = await client.request({ type: 'FileOperation', data: { op: { kind: 'delete' }, path: 'f2/0.txt' } });
    expect(deleted).toMatchObject({ ok: true, value: { trashed: { where: 'data-dir' } } });
    const id = deleted.ok && deleted.value.kind === 'delete' ? (deleted.value.trashed.id ?? '') : '';
    const restored = await client.request({ type: 'FileTrashRestore', data: { id } });
    expect(restored).toMatchObject({ ok: true, value: { entry: { path: 'f2/0.txt' } } });
    expect(await readFile(path.join(workspace, 'f2', '0.txt'), 'utf8')).toContain('needle');
  });

  it('answers WorkspaceGrant with Unavailable and lists the --workspace root', async () => {
    expect(await client.request({ type: 'WorkspaceGrant', data: {} })).toMatchObject({
      ok: false,
      error: { code: 'Unavailable' },
    });
    expect(await client.request({ type: 'WorkspaceList', data: {} })).toEqual({
      ok: true,
      value: { roots: [{ path: workspace, name: 'workspace' }] },
    });
  });
});
