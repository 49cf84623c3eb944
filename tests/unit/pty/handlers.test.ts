import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerTerminalDomain } from '../../../main/handlers/terminal';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { DisposableStore } from '../../../main/lifecycle';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';

describe('the terminal domain behind the router', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let audit: MemoryAuditSink;
  let router: Router;
  let disposables: DisposableStore;

  beforeEach(async () => {
    workspace = await tempDir();
    const roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    const { logger } = capturingLogger();
    audit = new MemoryAuditSink();
    router = new Router({ audit, logger });
    disposables = new DisposableStore(logger);
    registerTerminalDomain({ router, roots, logger, ptySettings: () => ({ defaultShell: '/bin/sh' }) }, disposables);
  });

  afterEach(async () => {
    await disposables.dispose();
    await workspace.remove();
  });

  it('never writes terminal input or confirmation tokens to the audit log', async () => {
    const { sender, events } = testSender();
    const spawned = await router.dispatch({ type: 'PtySpawn', data: { cols: 80, rows: 24 } }, sender);
    if (!spawned.ok) throw new Error('spawn failed');
    const { sessionId } = spawned.value as { sessionId: string };
    const secret = 'hunter2-secret-password';
    expect(await router.dispatch({ type: 'PtyWrite', data: { sessionId, data: `echo ${secret}\n` } }, sender)).toEqual({
      ok: true,
      value: {},
    });
    const asked = await router.dispatch({ type: 'TerminalCommand', data: { cmd: 'apt-get', args: ['install', 'jq'] } }, sender);
    expect(asked).toMatchObject({ ok: false, error: { code: 'ConfirmationRequired' } });
    const token = asked.ok ? '' : (asked.error.details as { token: string }).token;
    await router.dispatch({ type: 'Confirm', data: { token: `${token}x` } }, sender);

    const logged = JSON.stringify(audit.records);
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain(token);
    expect(audit.records.find((record) => record.type === 'PtyWrite')?.summary).toEqual({ sessionId, chars: secret.length + 6 });
    expect(audit.records.find((record) => record.type === 'TerminalCommand')).toMatchObject({
      outcome: 'ConfirmationRequired',
      summary: { cmd: 'apt-get', argc: 2 },
    });
    await expect.poll(() => events.some((event) => event.type === 'PtyData' && event.data.data.includes(secret))).toBe(true);
  });

  it('kills every shell when the core is disposed', async () => {
    const { sender, events } = testSender();
    for (let index = 0; index < 3; index += 1) await router.dispatch({ type: 'PtySpawn', data: { cols: 80, rows: 24 } }, sender);
    await disposables.dispose();
    expect(events.filter((event) => event.type === 'PtyExit')).toHaveLength(3);
  });
});
