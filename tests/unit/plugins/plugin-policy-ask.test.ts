import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../../main/core';
import { MemoryAuditSink } from '../../../main/ports/audit';
import type { Envelope } from '../../../shared/envelope';
import { testSender } from '../../support/sender';
import { askedDetails as asked, devPluginCore, devPluginFolders, type DevPluginFolders } from '../../support/dev-plugin';

const make = ['-c', 'echo made > made.txt'];
const twice = ['-c', 'echo twice > twice.txt'];

/**
 * A dev plugin allowed to run two exact `sh -c` lines: the command policy asks about every
 * shell (rule `asks`), and the second one's permission asks first as well. A pattern, not
 * fixed `args`: an approved exact command would count as a standing grant and skip the policy.
 */
const manifest = {
  id: 'policy',
  name: 'Policy',
  version: '1.0.0',
  engine: '*',
  entry: 'index.js',
  permissions: [
    { message: 'TerminalCommand', commands: [{ cmd: 'sh', argsPattern: '-c echo made > made\\.txt' }] },
    { message: 'TerminalCommand', commands: [{ cmd: 'sh', argsPattern: '-c echo twice > twice\\.txt' }], effect: 'ask' },
  ],
  contributes: {
    commands: [
      { id: 'make', title: 'Make a file with a shell', utterances: ['shelly make file'] },
      { id: 'twice', title: 'Asked twice' },
      { id: 'replay', title: 'Try to confirm for itself' },
      { id: 'seen', title: 'What it saw' },
    ],
  },
};
const source = `
const seen = [];
const shell = async (args) => {
  const r = await localbrain.invoke({ type: 'TerminalCommand', data: { cmd: 'sh', args } });
  seen.push(JSON.stringify(r));
  return r.ok ? { exitCode: r.value.exitCode } : { code: r.error.code, declined: r.error.details?.declined === true };
};
localbrain.commands.register('make', () => shell(${JSON.stringify(make)}));
localbrain.commands.register('twice', () => shell(${JSON.stringify(twice)}));
localbrain.commands.register('replay', async (args) => {
  const r = await localbrain.invoke({ type: 'Confirm', data: { token: args.token, decision: 'once' } });
  return r.ok ? { ran: true } : { code: r.error.code };
});
localbrain.commands.register('seen', () => seen);
`;

// Each plugin start compiles the worker from TypeScript (tsx): seconds on a loaded machine.
describe('a plugin’s command that the command policy asks about, through the core', { timeout: 60_000 }, () => {
  let folders: DevPluginFolders;
  let audit: MemoryAuditSink;
  let core: Core;
  const window = testSender({ actor: 'window:4' });
  const other = testSender({ actor: 'window:5' });
  const confirm = (token: string, decision: 'once' | 'always' | 'deny', by = window) =>
    core.router.dispatch({ type: 'Confirm', data: { token, decision } }, by.sender);
  const run = (command: string, args?: unknown) =>
    core.router.dispatch(
      { type: 'PluginRun', data: { id: 'policy', command, ...(args === undefined ? {} : { args }) } },
      window.sender,
    );
  const made = () => readFile(path.join(folders.workspace.path, 'made.txt'), 'utf8').catch(() => undefined);
  const seen = async () => {
    const reply = await run('seen');
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return (reply.value as string[]).map((text) => JSON.parse(text) as Envelope<unknown>);
  };

  beforeEach(async () => {
    folders = await devPluginFolders(manifest, source);
    audit = new MemoryAuditSink();
    core = await devPluginCore(folders, audit);
  });

  afterEach(async () => {
    await core.dispose();
    await folders.remove();
  });

  it('asks who ran the command with the program, each argument and the reason; "always" is refused, "once" runs it once', async () => {
    const details = asked(await run('make'));
    expect(details).toMatchObject({
      kind: 'TerminalCommand',
      asker: 'plugin:policy',
      via: 'window:4',
      plugin: { id: 'policy', command: 'make' },
      command: { cmd: 'sh', args: make },
      action: `sh ${make.join(' ')}`,
      rule: 'asks',
    });
    expect(details.reason).toBe('`sh` runs a shell, whose commands the policy cannot check.');
    // Nothing would be kept for the plugin, so the dialog offers no "Always allow".
    expect(details.always).toBeUndefined();
    expect(await made()).toBeUndefined();

    // Always is refused with a typed error, and the token stays usable.
    expect(await confirm(details.token, 'always')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', details: { always: false } },
    });
    expect(await made()).toBeUndefined();
    expect(await confirm(details.token, 'once')).toEqual({ ok: true, value: { type: 'PluginRun', value: { exitCode: 0 } } });
    expect(await made()).toBe('made\n');
    // Replay: the used token runs nothing again; and once is once: the next run asks again, and nothing was stored.
    expect(await confirm(details.token, 'once')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    const again = asked(await run('make'));
    expect(again).toMatchObject({ kind: 'TerminalCommand', command: { cmd: 'sh', args: make } });
    expect(core.router.permissions.list().find((subject) => subject.subject === 'plugin:policy')?.grants ?? []).toEqual([]);
    expect(await confirm(again.token, 'deny')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', details: { declined: true } },
    });

    // The plugin got the command's own reply, then PermissionDenied for the declined one; never a token.
    const replies = await seen();
    expect(replies.map((reply) => (reply.ok ? 'ok' : reply.error.code))).toEqual(['ok', 'PermissionDenied']);
    expect(JSON.stringify(replies)).not.toContain(details.token);
    expect(JSON.stringify(replies)).not.toContain(again.token);

    // Every decision is audited under the caller (never the token), and the command under the plugin with decision and caller.
    const decisions = audit.records.filter((record) => record.type === 'Confirm');
    expect(decisions.map((record) => [record.actor, record.summary.decision, record.outcome])).toEqual([
      ['window:4', 'always', 'PermissionDenied'],
      ['window:4', 'once', 'ok'],
      ['window:4', 'once', 'PermissionDenied'],
      ['window:4', 'deny', 'PermissionDenied'],
    ]);
    expect(decisions[1]?.summary).toMatchObject({
      kind: 'PluginAsk',
      plugin: 'policy',
      command: 'make',
      asked: 'policy',
      rule: 'asks',
      message: 'TerminalCommand',
      cmd: 'sh',
      argc: 2,
    });
    expect(JSON.stringify(audit.records)).not.toContain(details.token);
    const commands = audit.records.filter((record) => record.type === 'TerminalCommand');
    expect(commands.map((record) => [record.actor, record.summary.confirmed, record.summary.via, record.outcome])).toEqual([
      ['plugin:policy', undefined, undefined, 'ConfirmationRequired'],
      ['plugin:policy', 'once', 'window:4', 'ok'],
      ['plugin:policy', undefined, undefined, 'ConfirmationRequired'],
    ]);
  });

  it('refuses the token to the plugin itself and to another window; the caller can still use it', async () => {
    const details = asked(await run('make'));
    // The plugin cannot Confirm (a plugin may never hold it), even with the caller's token in hand.
    expect(await run('replay', { token: details.token })).toEqual({ ok: true, value: { code: 'PermissionDenied' } });
    expect(await confirm(details.token, 'once', other)).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(await made()).toBeUndefined();
    expect(await confirm(details.token, 'once')).toEqual({ ok: true, value: { type: 'PluginRun', value: { exitCode: 0 } } });
    expect(await made()).toBe('made\n');
  });

  it('answers the plugin with PermissionDenied on Cancel and when the caller goes away', async () => {
    const cancelled = asked(await run('make'));
    expect(await core.router.dispatch({ type: 'ConfirmCancel', data: { token: cancelled.token } }, window.sender)).toEqual({
      ok: true,
      value: { dropped: true },
    });
    const leaving = testSender({ actor: 'window:6' });
    const gone = asked(
      await core.router.dispatch({ type: 'PluginRun', data: { id: 'policy', command: 'make' } }, leaving.sender),
    );
    leaving.close();
    expect(await confirm(gone.token, 'once', leaving)).toMatchObject({ ok: false });
    await expect(access(path.join(folders.workspace.path, 'made.txt'))).rejects.toThrow();
    const replies = await seen();
    // Cancelled, then the caller gone: the plugin hears "no" each time, with why.
    expect(replies.map((reply) => (reply.ok ? 'ok' : [reply.error.code, reply.error.message]))).toEqual([
      ['PermissionDenied', expect.stringContaining('(cancelled)') as string],
      ['PermissionDenied', expect.stringContaining('(the caller went away)') as string],
    ]);
  });

  it('stops a spoken plan at the policy’s ask; "always" fails the plan and answers the waiting plugin at once', async () => {
    const say = { type: 'VoiceCommand', data: { text: 'shelly make file', metadata: { source: 'keyboard' } } } as const;
    const plan = asked(await core.router.dispatch(say, window.sender));
    expect(plan).toMatchObject({
      kind: 'VoicePlan',
      intent: 'policy.make',
      asker: 'plugin:policy',
      via: 'voice:window:4',
      plugin: { id: 'policy', command: 'make' },
      command: { cmd: 'sh', args: make },
      reason: '`sh` runs a shell, whose commands the policy cannot check.',
    });
    expect(plan.always).toBeUndefined();
    expect(await confirm(plan.token, 'always')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', details: { results: [{ error: { details: { always: false } } }] } },
    });
    expect(await made()).toBeUndefined();
    // Had the plugin still waited, two runs would be in flight and this ask could reach nobody.
    const again = asked(await run('make'));
    expect(again).toMatchObject({ kind: 'TerminalCommand', via: 'window:4' });
    expect(await confirm(again.token, 'once')).toEqual({ ok: true, value: { type: 'PluginRun', value: { exitCode: 0 } } });
    expect(await made()).toBe('made\n');
    expect((await seen()).map((reply) => (reply.ok ? 'ok' : reply.error.code))).toEqual(['PermissionDenied', 'ok']);
  });

  it('passes on both questions when the permission asks first and then the policy, and runs the command once', async () => {
    const permission = asked(await run('twice'));
    expect(permission).toMatchObject({ kind: 'Message', message: 'TerminalCommand', command: { cmd: 'sh', args: twice } });
    // Allowed past its permission, the command meets the policy: Confirm answers with that second question.
    const policy = asked(await confirm(permission.token, 'once'));
    expect(policy).toMatchObject({
      kind: 'TerminalCommand',
      asker: 'plugin:policy',
      via: 'window:4',
      plugin: { id: 'policy', command: 'twice' },
      command: { cmd: 'sh', args: twice },
      rule: 'asks',
    });
    // Answering it does not ask the permission's question again: the command runs, once.
    expect(await confirm(policy.token, 'once')).toEqual({ ok: true, value: { type: 'PluginRun', value: { exitCode: 0 } } });
    expect(await readFile(path.join(folders.workspace.path, 'twice.txt'), 'utf8')).toBe('twice\n');
    const commands = audit.records.filter((record) => record.type === 'TerminalCommand');
    expect(commands.map((record) => [record.summary.confirmed, record.outcome])).toEqual([
      [undefined, 'ConfirmationRequired'],
      ['once', 'ConfirmationRequired'],
      ['once', 'ok'],
    ]);
    // The next run asks both again: nothing was kept.
    expect(asked(await run('twice'))).toMatchObject({ kind: 'Message' });
  });
});
