import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../main/core';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { generateDatabaseKey } from '../../../main/services/keys/database-key';
import { fixedKeyStore } from '../../../main/services/keys/key-store';
import type { PluginInfo } from '../../../shared/contract/plugins';
import type { VoiceCommandReply } from '../../../shared/contract/voice';
import type { Envelope } from '../../../shared/envelope';
import { spawnSourceWorker } from '../../support/plugin-worker';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';
import { voiceWorkspace } from '../voice/support';
import { serveCore } from '../../support/core';

const example = path.resolve(import.meta.dirname, '../../../plugins/examples/word-count');
const say = (text: string) => ({ type: 'VoiceCommand', data: { text, metadata: { source: 'keyboard' } } }) as const;

function value(reply: Envelope<unknown>): unknown {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

// Each plugin start compiles the worker from TypeScript (tsx): seconds on a loaded machine.
describe('plugin utterances in the voice', { timeout: 60_000 }, () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;
  let audit: MemoryAuditSink;
  let core: Core;
  const window = testSender({ actor: 'window:4' });

  const plugin = async (id: string): Promise<PluginInfo | undefined> =>
    (
      value(await core.router.dispatch({ type: 'PluginList', data: {} }, window.sender)) as { plugins: PluginInfo[] }
    ).plugins.find((entry) => entry.id === id);
  const speak = async (text: string) => value(await core.router.dispatch(say(text), window.sender)) as VoiceCommandReply;

  beforeEach(async () => {
    workspace = await voiceWorkspace();
    await writeFile(path.join(workspace.path, 'docs', 'guide.md'), 'The guide has exactly six words.\n');
    dataDir = await tempDir();
    await cp(example, path.join(dataDir.path, 'plugins', 'word-count'), { recursive: true });
    audit = new MemoryAuditSink();
    core = await serveCore(dataDir.path, [workspace.path], { version: '0.1.0', audit, spawnPluginWorker: spawnSourceWorker });
  });

  afterEach(async () => {
    await core.dispose();
    await workspace.remove();
    await dataDir.remove();
  });

  it('runs the example plugin by voice once approved, audited as voice with the plan id, and forgets it when disabled', async () => {
    // Pending: nothing of the plugin is in the registry yet.
    expect(await speak('word count of the guide')).toMatchObject({ understood: false });
    expect(core.intents.get('word-count.count')).toBeUndefined();

    value(await core.router.dispatch({ type: 'PluginApprove', data: { id: 'word-count' } }, window.sender));
    const reply = await speak('word count of the guide');
    expect(reply).toMatchObject({
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
    // The step went through the router as the voice sender; the plugin's own read went as the plugin.
    expect(audit.records.find((record) => record.type === 'PluginRun')).toMatchObject({
      actor: 'voice:window:4',
      outcome: 'ok',
      summary: { plugin: 'word-count', command: 'count', planId: reply.plan.id, step: 0 },
    });
    expect(audit.records.find((record) => record.type === 'FileOperation' && record.actor === 'plugin:word-count')).toMatchObject(
      { outcome: 'ok' },
    );

    // "help" and the suggestions offer the plugin's sentence.
    expect((await speak('help')).say).toContain('word count of the guide');
    const suggested = value(await core.router.dispatch({ type: 'VoiceSuggest', data: { text: 'word co' } }, window.sender)) as {
      suggestions: { text: string; intent?: string }[];
    };
    expect(suggested.suggestions).toContainEqual(
      expect.objectContaining({ text: 'word count of the guide', intent: 'word-count.count' }),
    );

    value(await core.router.dispatch({ type: 'PluginDisable', data: { id: 'word-count' } }, window.sender));
    expect(await speak('word count of the guide')).toMatchObject({ understood: false, intent: 'unknown' });
    expect((await speak('help')).say).not.toContain('word count');

    // Enabled again, it is back.
    value(await core.router.dispatch({ type: 'PluginEnable', data: { id: 'word-count' } }, window.sender));
    expect(await speak('word count of the guide')).toMatchObject({ understood: true, results: [{ value: { words: 6 } }] });
  });

  it("applies the plugin's own capability to what its command reads: outside its paths is PermissionDenied", async () => {
    value(await core.router.dispatch({ type: 'PluginApprove', data: { id: 'word-count' } }, window.sender));
    const reply = await speak('word count of the readme');
    expect(reply.plan.steps[0]?.message).toMatchObject({ data: { args: { path: 'README.md' } } });
    // The command returns the refused envelope as its value; the reply reads it out.
    expect(reply.results[0]?.value).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(reply.say).toMatch(/^Word count: .*/);
    expect(audit.records.find((record) => record.type === 'FileOperation' && record.actor === 'plugin:word-count')).toMatchObject(
      { outcome: 'PermissionDenied' },
    );
  });

  it("reports utterances that do not compile in the plugin's error, registers the rest, and removes them with the plugin", async () => {
    const manifestPath = path.join(dataDir.path, 'plugins', 'word-count', 'localbrain-plugin.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      contributes: { commands: { utterances: string[] }[] };
    };
    const [command] = manifest.contributes.commands;
    if (!command) throw new Error('the example has a command');
    command.utterances = ['count (the words of {path}', '{path}', 'how many words (are in|in) {path}'];
    await writeFile(manifestPath, JSON.stringify(manifest));

    const approved = (
      value(await core.router.dispatch({ type: 'PluginApprove', data: { id: 'word-count' } }, window.sender)) as {
        plugin: PluginInfo;
      }
    ).plugin;
    expect(approved.state).toBe('enabled');
    expect(approved.error).toContain('count (the words of {path}');
    expect(approved.error).toContain('"{path}"');
    expect(await speak('how many words are in the guide')).toMatchObject({
      intent: 'word-count.count',
      results: [{ value: { words: 6 } }],
    });
    expect((await plugin('word-count'))?.recentErrors.some((entry) => entry.message.startsWith('voice:'))).toBe(true);

    value(await core.router.dispatch({ type: 'PluginRemove', data: { id: 'word-count' } }, window.sender));
    expect(core.intents.get('word-count.count')).toBeUndefined();
    // The sentence is the built-ins' again: "show" (with a typo) many words… is a file that is not there.
    expect(await core.router.dispatch(say('how many words are in the guide'), window.sender)).toMatchObject({
      ok: false,
      error: { code: 'NotFound', details: { intent: 'read_file' } },
    });
  });
});

describe('dev plugins in the voice: hot reload and crashes', { timeout: 90_000 }, () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;
  let devDir: Awaited<ReturnType<typeof tempDir>>;
  let core: Core;
  const window = testSender({ actor: 'window:5' });
  const attempt = (text: string) => core.router.dispatch(say(text), window.sender);

  beforeEach(async () => {
    workspace = await voiceWorkspace();
    await writeFile(path.join(workspace.path, 'docs', 'guide.md'), 'The guide has exactly six words.\n');
    dataDir = await tempDir();
    devDir = await tempDir();
    await cp(example, path.join(devDir.path, 'word-count'), { recursive: true });
    const spin = path.join(devDir.path, 'spin');
    await mkdir(spin);
    await writeFile(
      path.join(spin, 'localbrain-plugin.json'),
      JSON.stringify({
        id: 'spin',
        name: 'Spin',
        version: '1.0.0',
        engine: '*',
        entry: 'index.js',
        permissions: [],
        contributes: { commands: [{ id: 'spin', title: 'Spin forever', utterances: ['spin the wheel'] }] },
      }),
    );
    await writeFile(path.join(spin, 'index.js'), `localbrain.commands.register('spin', () => { for (;;) {} });`);
    core = await createCore({
      dataDir: dataDir.path,
      workspaces: [workspace.path],
      logger: pino({ level: 'silent' }),
      transport: 'serve',
      version: '0.1.0',
      keyStore: fixedKeyStore(generateDatabaseKey(), 'env'),
      spawnPluginWorker: spawnSourceWorker,
      pluginDevDirs: [path.join(devDir.path, 'word-count'), spin],
    });
  });

  afterEach(async () => {
    await core.dispose();
    await workspace.remove();
    await dataDir.remove();
    await devDir.remove();
  });

  it('registers the new utterances after a hot reload and drops the old ones', async () => {
    expect(await attempt('word count of the guide')).toMatchObject({ ok: true, value: { intent: 'word-count.count' } });
    const manifestPath = path.join(devDir.path, 'word-count', 'localbrain-plugin.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      contributes: { commands: { utterances: string[]; examples?: string[] }[] };
    };
    const [command] = manifest.contributes.commands;
    if (!command) throw new Error('the example has a command');
    command.utterances = ['tally the words (in|of) {path}'];
    delete command.examples;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect
      .poll(async () => attempt('tally the words in the guide'), { timeout: 30_000, interval: 200 })
      .toMatchObject({ ok: true, value: { intent: 'word-count.count', results: [{ value: { words: 6 } }] } });
    expect(await attempt('word count of the guide')).toMatchObject({ ok: true, value: { understood: false } });
    // Without examples of its own, "help" offers the utterance as a template.
    expect(await attempt('help')).toMatchObject({
      ok: true,
      value: { say: expect.stringContaining('tally the words in <path>') as unknown },
    });
  });

  it('withdraws the intents of a plugin that crashed, and registers them again when it restarts', async () => {
    expect(core.intents.get('spin.spin')).toBeDefined();
    const reply = await attempt('spin the wheel');
    expect(reply.ok).toBe(false);
    // The CPU interrupt ended the worker: the plugin is failed and its sentence is gone until it restarts (1 s backoff).
    expect(core.intents.get('spin.spin')).toBeUndefined();
    expect(await attempt('spin the wheel')).toMatchObject({ ok: true, value: { understood: false } });
    await expect.poll(() => core.intents.get('spin.spin'), { timeout: 30_000, interval: 100 }).toBeDefined();
    // The other plugin carried on throughout.
    expect(await attempt('word count of the guide')).toMatchObject({ ok: true, value: { results: [{ value: { words: 6 } }] } });
  });
});
