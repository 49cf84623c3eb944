import { access, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalCommands } from '../../../main/services/commands/terminal-commands';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
import type { AppEvent } from '../../../shared/contract';
import { LocalBrainError } from '../../../shared/errors';
import { tempDir } from '../../support/temp';

type Folder = Awaited<ReturnType<typeof tempDir>>;

async function errorOf(promise: Promise<unknown>): Promise<LocalBrainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LocalBrainError) return error;
    throw error;
  }
  throw new Error('expected a LocalBrainError');
}

describe('TerminalCommand with the policy and real processes', () => {
  let workspace: Folder;
  let commands: TerminalCommands;
  let roots: WorkspaceRoots;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    workspace = await tempDir();
    await mkdir(path.join(workspace.path, 'sub'));
    roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    commands = new TerminalCommands({ roots, home: '/home/nobody-here' });
  });

  afterEach(() => workspace.remove());

  it('prints shell metacharacters literally: nothing runs through a shell', async () => {
    const args = ['; rm -rf ~', '$(id)', '`id`', '| cat /etc/passwd', '&& echo pwned', '$HOME', '*'];
    const request = { cmd: 'echo', args };
    await commands.check('test:1', request);
    const reply = await commands.run(request, signal);
    expect(reply.stdout).toBe(`${args.join(' ')}\n`);
    expect(reply.exitCode).toBe(0);
  });

  it('denies sudo ls without running it', async () => {
    const error = await errorOf(commands.check('test:1', { cmd: 'sudo', args: ['ls'] }));
    expect(error.code).toBe('PermissionDenied');
  });

  it('refuses a cwd outside the workspace', async () => {
    const error = await errorOf(commands.check('test:1', { cmd: 'ls', args: [], cwd: '/etc' }));
    expect(error.code).toBe('PermissionDenied');
  });

  it('lets a command the policy asked about pass once with the approval its taken token made, for exactly that command', async () => {
    const request = { cmd: 'sh', args: ['-c', 'echo once'] };
    const asked = await errorOf(commands.check('plugin:p', request));
    expect(asked.code).toBe('ConfirmationRequired');
    const { token } = asked.details as { token: string };
    // Another actor cannot take it; its owner can, once.
    expect((await errorOf(Promise.resolve().then(() => commands.takeAsk('plugin:q', token)))).code).toBe('PermissionDenied');
    const { request: held, approval } = commands.takeAsk('plugin:p', token);
    expect(held).toEqual(request);
    expect((await errorOf(Promise.resolve().then(() => commands.takeAsk('plugin:p', token)))).code).toBe('PermissionDenied');
    // Not for another actor, nor another command, nor another folder: those still ask.
    expect((await errorOf(commands.check('plugin:q', request, [], approval))).code).toBe('ConfirmationRequired');
    expect((await errorOf(commands.check('plugin:p', { ...request, args: ['-c', 'echo twice'] }, [], approval))).code).toBe(
      'ConfirmationRequired',
    );
    expect((await errorOf(commands.check('plugin:p', { ...request, cwd: 'sub' }, [], approval))).code).toBe(
      'ConfirmationRequired',
    );
    expect(await commands.check('plugin:p', request, [], approval)).toMatchObject({ verdict: 'allow', rule: 'confirmed' });
    // Spent: the same command asks again.
    expect((await errorOf(commands.check('plugin:p', request, [], approval))).code).toBe('ConfirmationRequired');
  });

  it('never lets an approval turn a deny into an allow', async () => {
    const sneaky = { cmd: 'sh', args: ['-c', 'echo x'] };
    const { token } = (await errorOf(commands.check('plugin:p', sneaky))).details as { token: string };
    const { approval } = commands.takeAsk('plugin:p', token);
    // The workspace revoked meanwhile: the same command is now refused, approval or not.
    roots.revoke(workspace.path);
    expect((await errorOf(commands.check('plugin:p', sneaky, [], approval))).code).toBe('PermissionDenied');
  });

  it('asks before an "ask" command and runs it only with a valid, unused token from the same sender', async () => {
    const request = { cmd: 'sh', args: ['-c', 'echo confirmed-$((6*7))'], cwd: 'sub' };
    const error = await errorOf(commands.check('test:1', request));
    expect(error.code).toBe('ConfirmationRequired');
    const { token } = error.details as { token: string };
    expect((await errorOf(commands.confirm('test:2', token, signal))).code).toBe('PermissionDenied');
    expect((await errorOf(commands.confirm('test:1', 'x'.repeat(43), signal))).code).toBe('PermissionDenied');
    const reply = await commands.confirm('test:1', token, signal);
    expect(reply.stdout).toBe('confirmed-42\n');
    expect((await errorOf(commands.confirm('test:1', token, signal))).code).toBe('PermissionDenied');
  });

  it('kills the whole process tree on timeout and caps output with truncated set', async () => {
    const started = Date.now();
    const error = await errorOf(
      commands.run({ cmd: 'sh', args: ['-c', 'sleep 30 & sleep 30; echo never'], timeoutMs: 200 }, signal),
    );
    expect(error.code).toBe('Timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
    const big = await commands.run({ cmd: 'head', args: ['-c', '1000000', '/dev/zero'] }, signal);
    expect(big.truncated).toBe(true);
    expect(big.stdout.length).toBeLessThan(1_000_000);
  });

  it('streams output as CommandOutput events in order, and CommandCancel stops it with cancelled set', async () => {
    const events: AppEvent[] = [];
    const stream = { actor: 'test:1', emit: (event: AppEvent) => events.push(event) };
    const running = commands.run(
      { cmd: 'sh', args: ['-c', 'for i in 1 2 3; do echo line-$i; done; sleep 30'], streamId: 'build-1' },
      signal,
      stream,
    );
    await expect
      .poll(() => events.map((event) => (event.type === 'CommandOutput' ? event.data.data : '')).join(''))
      .toBe('line-1\nline-2\nline-3\n');
    expect(events[0]).toMatchObject({ type: 'CommandOutput', data: { streamId: 'build-1', stream: 'stdout' } });
    expect(commands.cancel('test:2', 'build-1')).toBe(false);
    expect(commands.cancel('test:1', 'build-1')).toBe(true);
    const reply = await running;
    expect(reply).toMatchObject({ cancelled: true, stdout: 'line-1\nline-2\nline-3\n' });
    expect(commands.cancel('test:1', 'build-1')).toBe(false);
  });

  it('refuses a second streaming command under a streamId that is still running', async () => {
    const stream = { actor: 'test:1', emit: () => undefined };
    const first = commands.run({ cmd: 'sleep', args: ['30'], streamId: 'same' }, signal, stream);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await errorOf(commands.run({ cmd: 'true', args: [], streamId: 'same' }, signal, stream))).code).toBe('Conflict');
    commands.cancel('test:1', 'same');
    await first;
  });

  it('names the rule in the reply details: PermissionDenied and ConfirmationRequired', async () => {
    const denied = await errorOf(commands.check('test:1', { cmd: 'sudo', args: ['ls'] }));
    expect(denied.details).toMatchObject({ cmd: 'sudo', rule: 'privilege' });
    const asked = await errorOf(commands.check('test:1', { cmd: 'touch', args: ['/tmp/x'] }));
    expect(asked.details).toMatchObject({ rule: 'write-outside', reason: expect.stringContaining('/tmp/x') as unknown });
  });

  it('judges a path through a symlink in the workspace where it really leads', async () => {
    const outside = await tempDir();
    try {
      await symlink(outside.path, path.join(workspace.path, 'escape'));
      const error = await errorOf(commands.check('test:1', { cmd: 'touch', args: ['escape/made-through-link'] }));
      expect(error.details).toMatchObject({ rule: 'write-outside' });
      await expect(access(path.join(outside.path, 'made-through-link'))).rejects.toThrow();
      await symlink(path.join(outside.path, 'not-yet'), path.join(workspace.path, 'dangling'));
      const dangling = await errorOf(commands.check('test:1', { cmd: 'touch', args: ['dangling'] }));
      expect(dangling.details).toMatchObject({ rule: 'write-outside', reason: expect.stringContaining('not-yet') as unknown });
      await commands.check('test:1', { cmd: 'touch', args: ['sub/inside'] });
    } finally {
      await outside.remove();
    }
  });

  it('lets a standing grant of this sender run an asked command, and never a denied one', async () => {
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    const granted = new TerminalCommands({
      roots,
      grants: (actor) =>
        actor === 'test:1'
          ? [
              { cmd: 'sh', args: ['-c', 'echo granted'] },
              { cmd: 'sudo', argsPattern: '.*' },
            ]
          : [],
    });
    const request = { cmd: 'sh', args: ['-c', 'echo granted'] };
    expect(await granted.check('test:1', request)).toMatchObject({ verdict: 'allow', rule: 'grant', grant: { cmd: 'sh' } });
    expect((await granted.run(request, signal)).stdout).toBe('granted\n');
    expect((await errorOf(granted.check('test:2', request))).code).toBe('ConfirmationRequired');
    expect((await errorOf(granted.check('test:1', { cmd: 'sudo', args: ['ls'] }))).code).toBe('PermissionDenied');
  });

  it('asks before writing into a folder excluded from the workspace (the data dir)', async () => {
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    roots.exclude(path.join(workspace.path, 'sub'));
    const guarded = new TerminalCommands({ roots });
    expect((await errorOf(guarded.check('test:1', { cmd: 'touch', args: ['sub/x'] }))).details).toMatchObject({
      rule: 'write-outside',
    });
  });
});
