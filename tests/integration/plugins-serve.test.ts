import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginInfo } from '../../shared/contract/plugins';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

const example = path.resolve(import.meta.dirname, '../../plugins/examples/word-count');

/** A plugin that tries what it was not granted, to prove each refusal. */
const probeManifest = {
  id: 'probe',
  name: 'Probe',
  version: '1.0.0',
  engine: '*',
  entry: 'index.js',
  permissions: [{ message: 'FileOperation', ops: ['read'], paths: ['docs/**'] }],
  contributes: { commands: [{ id: 'try', title: 'Try a message' }] },
};
const probeSource = `localbrain.commands.register('try', (message) => localbrain.invoke(message));`;

async function install(dataDir: string, id: string, manifest: unknown, source: string): Promise<void> {
  const folder = path.join(dataDir, 'plugins', id);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'localbrain-plugin.json'), JSON.stringify(manifest));
  await writeFile(path.join(folder, 'index.js'), source);
}

describe('plugins over serve', { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  let client: WsClient;
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;

  const list = async (): Promise<PluginInfo[]> => {
    const reply = await client.request({ type: 'PluginList', data: {} });
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.value.plugins;
  };
  const run = (id: string, command: string, args?: unknown) =>
    client.request({ type: 'PluginRun', data: { id, command, ...(args === undefined ? {} : { args }) } });

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    await mkdir(path.join(workspace.path, 'docs'));
    await mkdir(path.join(workspace.path, 'secret'));
    await writeFile(path.join(workspace.path, 'docs', 'guide.md'), 'The guide has exactly six words.\n');
    await writeFile(path.join(workspace.path, 'secret', 'key.txt'), 'do not read');
    await cp(example, path.join(dataDir.path, 'plugins', 'word-count'), { recursive: true });
    await install(dataDir.path, 'probe', probeManifest, probeSource);
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    client = await WsClient.connect(serve.wsUrl);
  });

  afterAll(async () => {
    await client.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  });

  it('lists a new plugin as pending, and nothing of it runs before approval', async () => {
    const wordCount = (await list()).find((plugin) => plugin.id === 'word-count');
    expect(wordCount).toMatchObject({ state: 'pending', pendingReason: 'new', granted: [], version: '1.0.0' });
    expect(wordCount?.requested).toHaveLength(2);
    expect(await run('word-count', 'count', { path: 'docs/guide.md' })).toMatchObject({
      ok: false,
      error: { code: 'Unavailable' },
    });
  });

  it('runs the example plugin end to end through PluginRun once approved', async () => {
    const approved = await client.request({ type: 'PluginApprove', data: { id: 'word-count' } });
    expect(approved).toMatchObject({ ok: true, value: { plugin: { state: 'enabled' } } });
    expect(await run('word-count', 'count', { path: 'docs/guide.md' })).toEqual({ ok: true, value: { words: 6 } });
  });

  it('runs the example plugin by voice: one PluginRun step, audited as the voice sender with the plan id', async () => {
    const reply = await client.request({
      type: 'VoiceCommand',
      data: { text: 'word count of the guide', metadata: { source: 'keyboard' } },
    });
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.value).toMatchObject({
      intent: 'word-count.count',
      understood: true,
      say: 'Word count: 6.',
      plan: {
        steps: [
          { message: { type: 'PluginRun', data: { id: 'word-count', command: 'count', args: { path: 'docs/guide.md' } } } },
        ],
      },
      results: [{ type: 'PluginRun', ok: true, value: { words: 6 } }],
    });
    const audit = await client.request({ type: 'AuditQuery', data: { limit: 20, type: 'PluginRun' } });
    if (!audit.ok) throw new Error(audit.error.message);
    expect(audit.value.entries).toContainEqual(
      expect.objectContaining({
        actor: expect.stringMatching(/^voice:serve:/) as unknown,
        outcome: 'ok',
        summary: expect.objectContaining({ plugin: 'word-count', planId: reply.value.plan.id }) as unknown,
      }),
    );
  });

  it('refuses what the plugin was not granted, audited under plugin:<id>', async () => {
    await client.request({ type: 'PluginApprove', data: { id: 'probe' } });
    const attempt = async (message: unknown) => {
      const reply = await run('probe', 'try', message);
      if (!reply.ok) throw new Error(`PluginRun failed: ${reply.error.message}`);
      return reply.value;
    };
    expect(await attempt({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'docs/guide.md' } })).toMatchObject({
      ok: true,
    });
    expect(await attempt({ type: 'TerminalCommand', data: { cmd: 'git', args: ['status'] } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
    expect(await attempt({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'secret/key.txt' } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
    expect(
      await attempt({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'docs/../secret/key.txt' } }),
    ).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(await attempt({ type: 'PluginRun', data: { id: 'probe', command: 'try' } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
    const audit = await client.request({ type: 'AuditQuery', data: { limit: 50, type: 'TerminalCommand' } });
    if (!audit.ok) throw new Error(audit.error.message);
    expect(audit.value.entries.some((entry) => entry.actor === 'plugin:probe' && entry.outcome === 'PermissionDenied')).toBe(
      true,
    );
    const probe = (await list()).find((plugin) => plugin.id === 'probe');
    expect(probe?.stats.denied).toBeGreaterThanOrEqual(4);
  });

  it('applies a revoke to the very next message', async () => {
    const subjects = await client.request({ type: 'PermissionList', data: {} });
    if (!subjects.ok) throw new Error(subjects.error.message);
    expect(subjects.value.subjects.map((subject) => subject.subject)).toEqual(expect.arrayContaining(['plugin:probe', 'serve']));
    await client.request({ type: 'PermissionRevoke', data: { subject: 'plugin:probe', index: 0 } });
    const reply = await run('probe', 'try', { type: 'FileOperation', data: { op: { kind: 'read' }, path: 'docs/guide.md' } });
    expect(reply).toMatchObject({ ok: true, value: { ok: false, error: { code: 'PermissionDenied' } } });
  });

  it('sends a plugin whose entry was tampered with after approval back to pending, and does not run it', async () => {
    await client.request({ type: 'PluginDisable', data: { id: 'word-count' } });
    const entry = path.join(dataDir.path, 'plugins', 'word-count', 'index.js');
    await writeFile(entry, `${await readFile(entry, 'utf8')}\nlocalbrain.log('info', 'tampered');\n`);
    const enabled = await client.request({ type: 'PluginEnable', data: { id: 'word-count' } });
    expect(enabled).toMatchObject({ ok: true, value: { plugin: { state: 'pending', pendingReason: 'changed' } } });
    // Pending again: its sentence is no longer understood.
    expect(
      await client.request({ type: 'VoiceCommand', data: { text: 'word count of the guide', metadata: { source: 'keyboard' } } }),
    ).toMatchObject({ ok: true, value: { understood: false } });
    expect(await run('word-count', 'count', { path: 'docs/guide.md' })).toMatchObject({
      ok: false,
      error: { code: 'Unavailable' },
    });
  });

  it('refuses a version downgrade', async () => {
    const folder = path.join(dataDir.path, 'plugins', 'word-count');
    await client.request({ type: 'PluginApprove', data: { id: 'word-count' } });
    const manifest = JSON.parse(await readFile(path.join(folder, 'localbrain-plugin.json'), 'utf8')) as { version: string };
    await client.request({ type: 'PluginDisable', data: { id: 'word-count' } });
    await writeFile(path.join(folder, 'localbrain-plugin.json'), JSON.stringify({ ...manifest, version: '0.9.0' }));
    const approve = await client.request({ type: 'PluginApprove', data: { id: 'word-count' } });
    expect(approve).toMatchObject({ ok: false, error: { code: 'Conflict' } });
  });
});
