import { access, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../../main/core';
import { MemoryAuditSink } from '../../../main/ports/audit';
import type { VoiceCommandReply } from '../../../shared/contract/voice';
import { testSender } from '../../support/sender';
import { askedDetails as asked, devPluginCore, devPluginFolders, type DevPluginFolders } from '../../support/dev-plugin';

/** A dev plugin whose write to notes/*.txt and whose `touch made.txt` ask first; `note` also answers a sentence. */
const manifest = {
  id: 'asking',
  name: 'Asking',
  version: '1.0.0',
  engine: '*',
  entry: 'index.js',
  permissions: [
    { message: 'FileOperation', ops: ['write'], paths: ['notes/*.txt'], effect: 'ask' },
    { message: 'TerminalCommand', commands: [{ cmd: 'touch', args: ['made.txt'] }], effect: 'ask' },
  ],
  contributes: {
    commands: [
      { id: 'note', title: 'Write a note', utterances: ['scribble note {text}'] },
      { id: 'touch', title: 'Make a file' },
    ],
  },
};
const source = `
localbrain.commands.register('note', async (args) => {
  const r = await localbrain.invoke({ type: 'FileOperation', data: { op: { kind: 'write', content: args.text }, path: 'notes/a.txt' } });
  return r.ok ? { written: true } : { written: false, code: r.error.code };
});
localbrain.commands.register('touch', async () => {
  const r = await localbrain.invoke({ type: 'TerminalCommand', data: { cmd: 'touch', args: ['made.txt'] } });
  return r.ok ? { exitCode: r.value.exitCode } : { code: r.error.code };
});
`;

// Each plugin start compiles the worker from TypeScript (tsx): seconds on a loaded machine.
describe('a plugin’s ask through the core: by voice, and for a command', { timeout: 60_000 }, () => {
  let folders: DevPluginFolders;
  let audit: MemoryAuditSink;
  let core: Core;
  const window = testSender({ actor: 'window:4' });
  const confirm = (token: string, decision: 'once' | 'always' | 'deny') =>
    core.router.dispatch({ type: 'Confirm', data: { token, decision } }, window.sender);

  beforeEach(async () => {
    folders = await devPluginFolders(manifest, source);
    await mkdir(path.join(folders.workspace.path, 'notes'));
    audit = new MemoryAuditSink();
    core = await devPluginCore(folders, audit);
  });

  afterEach(async () => {
    await core.dispose();
    await folders.remove();
  });

  it('stops a spoken plan at the plugin’s ask, shows who and what, and finishes the command on "once"', async () => {
    const said = await core.router.dispatch(
      { type: 'VoiceCommand', data: { text: 'scribble note hello there', metadata: { source: 'keyboard' } } },
      window.sender,
    );
    const plan = asked(said);
    expect(plan).toMatchObject({
      kind: 'VoicePlan',
      intent: 'asking.note',
      asker: 'plugin:asking',
      via: 'voice:window:4',
      plugin: { id: 'asking', command: 'note' },
      file: { op: 'write', paths: ['notes/a.txt'] },
    });
    await expect(access(path.join(folders.workspace.path, 'notes', 'a.txt'))).rejects.toThrow();

    const reply = await confirm(plan.token, 'once');
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    const spoken = (reply.value as { type: string; value: VoiceCommandReply }).value;
    expect(spoken.results).toEqual([{ step: 0, type: 'PluginRun', ok: true, value: { written: true } }]);
    expect(await readFile(path.join(folders.workspace.path, 'notes', 'a.txt'), 'utf8')).toBe('hello there');
    expect(audit.records.find((record) => record.actor === 'plugin:asking' && record.outcome === 'ok')).toMatchObject({
      type: 'FileOperation',
      summary: { confirmed: 'once', via: 'voice:window:4' },
    });
  });

  it('answers the waiting plugin at once when the spoken plan is declined, so its next run asks afresh', async () => {
    const say = { type: 'VoiceCommand', data: { text: 'scribble note no', metadata: { source: 'keyboard' } } } as const;
    const plan = asked(await core.router.dispatch(say, window.sender));
    expect(await confirm(plan.token, 'deny')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    // Had the first run still waited, two runs would be in flight and this ask could reach nobody.
    const again = asked(
      await core.router.dispatch(
        { type: 'PluginRun', data: { id: 'asking', command: 'note', args: { text: 'x' } } },
        window.sender,
      ),
    );
    expect(again).toMatchObject({ kind: 'Message', via: 'window:4' });
    expect(await confirm(again.token, 'deny')).toMatchObject({ ok: false, error: { details: { declined: true } } });
    await expect(access(path.join(folders.workspace.path, 'notes', 'a.txt'))).rejects.toThrow();
  });

  it('shows the program and its arguments for a command the plugin asks to run, and runs it on "once"', async () => {
    const details = asked(
      await core.router.dispatch({ type: 'PluginRun', data: { id: 'asking', command: 'touch' } }, window.sender),
    );
    expect(details).toMatchObject({
      kind: 'Message',
      asker: 'plugin:asking',
      via: 'window:4',
      message: 'TerminalCommand',
      command: { cmd: 'touch', args: ['made.txt'] },
    });
    expect(await confirm(details.token, 'once')).toEqual({ ok: true, value: { type: 'PluginRun', value: { exitCode: 0 } } });
    await expect(access(path.join(folders.workspace.path, 'made.txt'))).resolves.toBeUndefined();
    // The Confirm is audited under the caller with what it approved, never the token.
    const confirmed = audit.records.find((record) => record.type === 'Confirm');
    expect(confirmed).toMatchObject({
      actor: 'window:4',
      outcome: 'ok',
      summary: { kind: 'PluginAsk', plugin: 'asking', command: 'touch', message: 'TerminalCommand', cmd: 'touch', argc: 1 },
    });
    expect(JSON.stringify(confirmed)).not.toContain(details.token);
  });
});
