import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../shared/contract';
import { LocalBrainError } from '../../../shared/errors';
import { PtyService } from '../../../main/services/pty/service';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';

type Folder = Awaited<ReturnType<typeof tempDir>>;

function output(events: readonly AppEvent[], sessionId: string): string {
  return events.map((event) => (event.type === 'PtyData' && event.data.sessionId === sessionId ? event.data.data : '')).join('');
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error instanceof LocalBrainError ? error.code : 'other';
  }
  return undefined;
}

describe('PtyService', () => {
  let workspace: Folder;
  let service: PtyService;

  beforeEach(async () => {
    workspace = await tempDir();
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    service = new PtyService({
      roots,
      settings: () => ({ maxSessions: 3, defaultShell: '/bin/sh' }),
      orphanGraceMs: 200,
      env: { PATH: process.env.PATH, HOME: workspace.path, LOCALBRAIN_DB_KEY: 'f'.repeat(64), NODE_OPTIONS: '--inspect' },
    });
  });

  afterEach(async () => {
    await service.dispose();
    await workspace.remove();
  });

  it('starts the shell in the workspace and sends output to its owner only', async () => {
    const owner = testSender({ actor: 'window:1' });
    const bystander = testSender({ actor: 'window:2' });
    const session = await service.spawn(owner.sender, { cols: 80, rows: 24 });
    expect(session.cwd).toBe(workspace.path);
    session.write('pwd; echo "$LOCALBRAIN_DB_KEY$NODE_OPTIONS"x\n');
    await until(() => output(owner.events, session.id).includes(`${workspace.path}\r\n`));
    await until(() => output(owner.events, session.id).includes('\r\nx\r\n'));
    expect(bystander.events).toEqual([]);
    expect(await codeOf(() => service.owned(bystander.sender, session.id))).toBe('PermissionDenied');
    expect(await codeOf(() => service.owned(owner.sender, 'nope'))).toBe('NotFound');
  });

  it('refuses more sessions than the setting allows', async () => {
    const owner = testSender();
    for (let index = 0; index < 3; index += 1) await service.spawn(owner.sender, { cols: 80, rows: 24 });
    expect(await codeOf(service.spawn(owner.sender, { cols: 80, rows: 24 }))).toBe('Conflict');
    expect(service.size).toBe(3);
  });

  it('kills the sessions of a window that closed once nobody reattaches within the grace period', async () => {
    const owner = testSender();
    const session = await service.spawn(owner.sender, { cols: 80, rows: 24 });
    owner.close();
    expect(service.list(testSender({ actor: 'other' }).sender)[0]).toMatchObject({ sessionId: session.id, orphaned: true });
    await until(() => service.size === 0);
    expect(session.exited).toBe(true);
  });

  it('a window with a dozen terminals raises no listener-leak warning, and closing it still orphans every one', async () => {
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    const roomy = new PtyService({ roots, settings: () => ({ maxSessions: 12, defaultShell: '/bin/sh' }), orphanGraceMs: 200 });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const owner = testSender();
      for (let index = 0; index < 12; index += 1) await roomy.spawn(owner.sender, { cols: 80, rows: 24 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      owner.close();
      const listed = roomy.list(testSender({ actor: 'other' }).sender);
      expect(listed).toHaveLength(12);
      expect(listed.every((session) => session.orphaned)).toBe(true);
      await until(() => roomy.size === 0);
    } finally {
      process.off('warning', onWarning);
      await roomy.dispose();
    }
  });

  it('a reattaching window keeps the session alive, gets the scrollback replayed, and the old owner is told', async () => {
    const first = testSender({ actor: 'window:1' });
    const second = testSender({ actor: 'window:2' });
    const session = await service.spawn(first.sender, { cols: 80, rows: 24 });
    session.write('echo one""two\n');
    await until(() => output(first.events, session.id).includes('onetwo'));
    const info = service.attach(second.sender, session.id);
    expect(info).toMatchObject({ mine: true, orphaned: false });
    expect(second.events[0]).toMatchObject({ type: 'PtyData', data: { replay: true } });
    expect(output(second.events, session.id)).toContain('onetwo');
    expect(first.events.at(-1)).toEqual({ type: 'PtyDetached', data: { sessionId: session.id } });
    expect(await codeOf(() => service.owned(first.sender, session.id))).toBe('PermissionDenied');
    first.close();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(session.exited).toBe(false);
  });

  it('refuses a cwd outside the workspace and a shell that is not a listed login shell', async () => {
    const owner = testSender();
    expect(await codeOf(service.spawn(owner.sender, { cols: 80, rows: 24, cwd: '/' }))).toBe('PermissionDenied');
    expect(await codeOf(service.spawn(owner.sender, { cols: 80, rows: 24, shell: '/usr/bin/env' }))).toBe('PermissionDenied');
    expect(service.size).toBe(0);
  });

  it('dispose kills every session', async () => {
    const owner = testSender();
    const sessions = [
      await service.spawn(owner.sender, { cols: 80, rows: 24 }),
      await service.spawn(owner.sender, { cols: 80, rows: 24 }),
    ];
    await service.dispose();
    expect(sessions.every((session) => session.exited)).toBe(true);
    expect(service.size).toBe(0);
    expect(await codeOf(service.spawn(owner.sender, { cols: 80, rows: 24 }))).toBe('Unavailable');
  });

  it('hands a warm spare shell to the next spawn, its prompt replayed at once, and kills the spare on dispose', async () => {
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    const warm = new PtyService({
      roots,
      prewarm: true,
      settings: () => ({ defaultShell: '/bin/sh' }),
      env: { PATH: process.env.PATH, HOME: workspace.path },
    });
    try {
      warm.prewarm();
      // Let the spare start and print its prompt.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const owner = testSender();
      const session = await warm.spawn(owner.sender, { cols: 100, rows: 30, title: 'first' });
      // Taken from the spare: the prompt is already there, delivered before spawn returned.
      expect(owner.events[0]).toMatchObject({ type: 'PtyData', data: { sessionId: session.id, replay: true } });
      expect(output(owner.events, session.id)).toMatch(/[#$] $/);
      expect(session.info(true)).toMatchObject({ cols: 100, rows: 30, title: 'first', cwd: workspace.path });
      session.write('echo "$COLUMNS"x; stty size\n');
      await until(() => output(owner.events, session.id).includes('30 100'));
      expect(warm.list(owner.sender)).toHaveLength(1);
      // A fresh spare is started for the next tab, but is never listed.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(warm.list(owner.sender)).toHaveLength(1);
      const other = await warm.spawn(owner.sender, { cols: 80, rows: 24, cwd: workspace.path });
      expect(other.id).not.toBe(session.id);
    } finally {
      await warm.dispose();
    }
    expect(warm.size).toBe(0);
  });
});
