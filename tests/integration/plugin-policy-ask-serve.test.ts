import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/envelope';
import type { ServeProcess } from '../support/serve-process';
import { WsClient } from '../support/ws-client';
import { askedDetails as asked, devPluginFolders, devPluginServe, type DevPluginFolders } from '../support/dev-plugin';

/** `sh -c …` is on the policy's ask list (rule `asks`: a shell's commands cannot be checked). */
const line = ['-c', 'echo ran >> ran.txt'];

/**
 * A dev plugin allowed to run that one shell line (by a pattern: an exact `args` grant would
 * be a standing grant and skip the policy). It keeps every reply its invokes got, to show it
 * never saw a token, and has a command that tries to Confirm a token it is handed.
 */
const manifest = {
  id: 'shelly',
  name: 'Shelly',
  version: '1.0.0',
  engine: '*',
  entry: 'index.js',
  permissions: [{ message: 'TerminalCommand', commands: [{ cmd: 'sh', argsPattern: '-c echo ran >> ran\\.txt' }] }],
  contributes: {
    commands: [
      { id: 'run', title: 'Run the line' },
      { id: 'replay', title: 'Confirm for itself' },
      { id: 'seen', title: 'What it saw' },
    ],
  },
};
const source = `
const seen = [];
localbrain.commands.register('run', async () => {
  const r = await localbrain.invoke({ type: 'TerminalCommand', data: { cmd: 'sh', args: ${JSON.stringify(line)} } });
  seen.push(JSON.stringify(r));
  return r.ok ? { exitCode: r.value.exitCode } : { code: r.error.code };
});
localbrain.commands.register('replay', async (args) => {
  const r = await localbrain.invoke({ type: 'Confirm', data: { token: args.token, decision: 'once' } });
  return r.ok ? { ran: true } : { code: r.error.code };
});
localbrain.commands.register('seen', () => seen);
`;

describe("a plugin's command the policy asks about reaches who ran it (serve, real plugin)", { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  let client: WsClient;
  let other: WsClient;
  let folders: DevPluginFolders;

  const run = () => client.request({ type: 'PluginRun', data: { id: 'shelly', command: 'run' } });
  const confirm = (token: string, decision: 'once' | 'always' | 'deny', by = client) =>
    by.request({ type: 'Confirm', data: { token, decision } });
  const ran = () => readFile(path.join(folders.workspace.path, 'ran.txt'), 'utf8').catch(() => '');

  beforeAll(async () => {
    folders = await devPluginFolders(manifest, source);
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

  it('asks the caller with program, arguments and reason; deny runs nothing, once runs it once, replays are refused', async () => {
    const tokens: string[] = [];

    // Deny: the command never runs; the plugin hears PermissionDenied.
    const first = asked(await run());
    tokens.push(first.token);
    expect(first).toMatchObject({
      kind: 'TerminalCommand',
      asker: 'plugin:shelly',
      via: expect.stringMatching(/^serve:/) as string,
      plugin: { id: 'shelly', command: 'run' },
      command: { cmd: 'sh', args: line },
      rule: 'asks',
      reason: '`sh` runs a shell, whose commands the policy cannot check.',
    });
    expect(first.always).toBeUndefined();
    expect(await confirm(first.token, 'deny')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', details: { declined: true } },
    });
    expect(await ran()).toBe('');

    // Once: neither another client nor the plugin itself can use the caller's token; the caller can, once.
    const second = asked(await run());
    tokens.push(second.token);
    expect(await confirm(second.token, 'once', other)).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(
      await client.request({ type: 'PluginRun', data: { id: 'shelly', command: 'replay', args: { token: second.token } } }),
    ).toEqual({ ok: true, value: { code: 'PermissionDenied' } });
    expect(await confirm(second.token, 'always')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', details: { always: false } },
    });
    expect(await ran()).toBe('');
    expect(await confirm(second.token, 'once')).toEqual({ ok: true, value: { type: 'PluginRun', value: { exitCode: 0 } } });
    expect(await ran()).toBe('ran\n');
    // Replay by the caller or the other client: the used token runs nothing again.
    expect(await confirm(second.token, 'once')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(await confirm(second.token, 'once', other)).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(await ran()).toBe('ran\n');

    // Once is once: the next run asks again, and nothing was kept for the plugin.
    const third = asked(await run());
    tokens.push(third.token);
    expect(await client.request({ type: 'ConfirmCancel', data: { token: third.token } })).toEqual({
      ok: true,
      value: { dropped: true },
    });
    const listed = await client.request({ type: 'PermissionList', data: {} });
    if (!listed.ok) throw new Error(JSON.stringify(listed));
    expect(listed.value.subjects.find((subject) => subject.subject === 'plugin:shelly')?.grants ?? []).toEqual([]);

    // The plugin saw PermissionDenied, the command's reply, PermissionDenied; never a token.
    const seen = await client.request({ type: 'PluginRun', data: { id: 'shelly', command: 'seen' } });
    if (!seen.ok) throw new Error(JSON.stringify(seen));
    const replies = (seen.value as string[]).map((reply) => JSON.parse(reply) as Envelope<unknown>);
    expect(replies.map((reply) => (reply.ok ? 'ok' : reply.error.code))).toEqual(['PermissionDenied', 'ok', 'PermissionDenied']);
    for (const token of tokens) expect(JSON.stringify(replies)).not.toContain(token);

    // Every decision is audited under whoever sent it, with what it approved (never the token); the plugin's own try too.
    const decisions = await client.request({ type: 'AuditQuery', data: { type: 'Confirm' } });
    if (!decisions.ok) throw new Error(JSON.stringify(decisions));
    const who = (actor: string) => (actor === first.via ? 'caller' : actor === 'plugin:shelly' ? 'plugin' : 'other');
    expect(
      decisions.value.entries
        .map((entry) => [
          who(entry.actor),
          entry.summary.kind,
          entry.summary.asked,
          entry.summary.cmd,
          entry.summary.decision,
          entry.outcome,
        ])
        .reverse(),
    ).toEqual([
      ['caller', 'PluginAsk', 'policy', 'sh', 'deny', 'PermissionDenied'],
      ['other', 'PluginAsk', 'policy', 'sh', 'once', 'PermissionDenied'],
      ['plugin', 'PluginAsk', 'policy', 'sh', 'once', 'PermissionDenied'],
      ['caller', 'PluginAsk', 'policy', 'sh', 'always', 'PermissionDenied'],
      ['caller', 'PluginAsk', 'policy', 'sh', 'once', 'ok'],
      ['caller', 'unknown', undefined, undefined, 'once', 'PermissionDenied'],
      ['other', 'unknown', undefined, undefined, 'once', 'PermissionDenied'],
    ]);
    for (const token of tokens) expect(JSON.stringify(decisions.value.entries)).not.toContain(token);
    // The command ran once, under the plugin, with the decision and the caller.
    const commands = await client.request({ type: 'AuditQuery', data: { type: 'TerminalCommand' } });
    if (!commands.ok) throw new Error(JSON.stringify(commands));
    expect(
      commands.value.entries
        .filter((entry) => entry.actor === 'plugin:shelly')
        .map((entry) => [entry.summary.confirmed, entry.outcome])
        .reverse(),
    ).toEqual([
      [undefined, 'ConfirmationRequired'],
      [undefined, 'ConfirmationRequired'],
      ['once', 'ok'],
      [undefined, 'ConfirmationRequired'],
    ]);
  });
});
