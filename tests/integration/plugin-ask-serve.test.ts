import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/envelope';
import type { ServeProcess } from '../support/serve-process';
import { WsClient } from '../support/ws-client';
import { askedDetails as asked, devPluginFolders, devPluginServe, type DevPluginFolders } from '../support/dev-plugin';

/** A dev plugin whose write to notes/*.txt asks first; it keeps every reply its invokes got, to show it never saw a token. */
const manifest = {
  id: 'asking',
  name: 'Asking',
  version: '1.0.0',
  engine: '*',
  entry: 'index.js',
  permissions: [{ message: 'FileOperation', ops: ['write'], paths: ['notes/*.txt'], effect: 'ask' }],
  contributes: {
    commands: [
      { id: 'note', title: 'Write a note' },
      { id: 'seen', title: 'What it saw' },
    ],
  },
};
const source = `
const seen = [];
localbrain.commands.register('note', async (args) => {
  const r = await localbrain.invoke({ type: 'FileOperation', data: { op: { kind: 'write', content: args.text }, path: 'notes/a.txt' } });
  seen.push(JSON.stringify(r));
  return r.ok ? { written: true } : { written: false, code: r.error.code };
});
localbrain.commands.register('seen', () => seen);
`;

describe("a plugin's ask reaches the person who ran its command (serve, real plugin)", { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  let client: WsClient;
  let other: WsClient;
  let folders: DevPluginFolders;

  const note = (text: string) => client.request({ type: 'PluginRun', data: { id: 'asking', command: 'note', args: { text } } });
  const confirm = (token: string, decision: 'once' | 'always' | 'deny', by = client) =>
    by.request({ type: 'Confirm', data: { token, decision } });
  const noteFile = () => readFile(path.join(folders.workspace.path, 'notes', 'a.txt'), 'utf8').catch(() => undefined);

  beforeAll(async () => {
    folders = await devPluginFolders(manifest, source);
    await mkdir(path.join(folders.workspace.path, 'notes'));
    serve = await devPluginServe(folders);
    client = await WsClient.connect(serve.wsUrl);
    other = await WsClient.connect(serve.wsUrl);
  });

  afterAll(async () => {
    await client.close();
    await other.close();
    await serve.stop();
    await folders.remove();
  });

  it('asks the caller, runs the held write once per "once", keeps "always", refuses deny and replays', async () => {
    const tokens: string[] = [];

    // Deny: the plugin's write never runs.
    const first = asked(await note('one'));
    tokens.push(first.token);
    expect(first).toMatchObject({
      kind: 'Message',
      asker: 'plugin:asking',
      via: expect.stringMatching(/^serve:/) as string,
      plugin: { id: 'asking', command: 'note' },
      message: 'FileOperation',
      file: { op: 'write', paths: ['notes/a.txt'] },
      always: 'FileOperation write on notes/*.txt',
    });
    expect(await confirm(first.token, 'deny')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', details: { declined: true } },
    });
    expect(await noteFile()).toBeUndefined();

    // Once: another client cannot use the token; the caller can, once; the plugin's command finishes and its value is the reply.
    const second = asked(await note('two'));
    tokens.push(second.token);
    expect(await confirm(second.token, 'once', other)).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(await noteFile()).toBeUndefined();
    expect(await confirm(second.token, 'once')).toEqual({ ok: true, value: { type: 'PluginRun', value: { written: true } } });
    expect(await noteFile()).toBe('two');
    // Replay: the used token runs nothing again.
    expect(await confirm(second.token, 'once')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });

    // Once is once: the next run asks again; always keeps an allow for the plugin, so the run after that does not ask.
    const third = asked(await note('three'));
    tokens.push(third.token);
    expect(await confirm(third.token, 'always')).toEqual({ ok: true, value: { type: 'PluginRun', value: { written: true } } });
    expect(await noteFile()).toBe('three');
    expect(await note('four')).toEqual({ ok: true, value: { written: true } });
    expect(await noteFile()).toBe('four');

    const listed = await client.request({ type: 'PermissionList', data: {} });
    if (!listed.ok) throw new Error(JSON.stringify(listed));
    expect(listed.value.subjects.find((subject) => subject.subject === 'plugin:asking')?.grants).toEqual([
      expect.objectContaining({ origin: 'confirm', permission: { ...manifest.permissions[0], effect: 'allow' } }),
    ]);

    // The plugin saw each write's own reply (the declined one as PermissionDenied) and never a token.
    const seen = await client.request({ type: 'PluginRun', data: { id: 'asking', command: 'seen' } });
    if (!seen.ok) throw new Error(JSON.stringify(seen));
    const replies = seen.value as string[];
    expect(replies.map((reply) => (JSON.parse(reply) as Envelope<unknown>).ok)).toEqual([false, true, true, true]);
    expect(replies[0]).toContain('PermissionDenied');
    for (const token of tokens) expect(replies.join('\n')).not.toContain(token);

    // Every decision is audited under the caller, and each write that ran under the plugin with the decision and the caller.
    const decisions = await client.request({ type: 'AuditQuery', data: { type: 'Confirm' } });
    if (!decisions.ok) throw new Error(JSON.stringify(decisions));
    expect(
      decisions.value.entries
        .map((entry) => [entry.summary.kind, entry.summary.plugin, entry.summary.decision, entry.outcome])
        .reverse(),
    ).toEqual([
      ['PluginAsk', 'asking', 'deny', 'PermissionDenied'],
      ['PluginAsk', 'asking', 'once', 'PermissionDenied'],
      ['PluginAsk', 'asking', 'once', 'ok'],
      ['unknown', undefined, 'once', 'PermissionDenied'],
      ['PluginAsk', 'asking', 'always', 'ok'],
    ]);
    const writes = await client.request({ type: 'AuditQuery', data: { type: 'FileOperation' } });
    if (!writes.ok) throw new Error(JSON.stringify(writes));
    const byPlugin = writes.value.entries.filter((entry) => entry.actor === 'plugin:asking').reverse();
    expect(byPlugin.map((entry) => [entry.summary.confirmed, entry.outcome])).toEqual([
      [undefined, 'ConfirmationRequired'],
      [undefined, 'ConfirmationRequired'],
      ['once', 'ok'],
      [undefined, 'ConfirmationRequired'],
      ['always', 'ok'],
      [undefined, 'ok'],
    ]);
  });
});
