import { access } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Request } from '../../../shared/contract';
import type { Capability } from '../../../shared/contract/permissions';
import type { Envelope } from '../../../shared/envelope';
import { confirmationDetailsSchema, type ConfirmationDetails } from '../../../shared/contract/confirm';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { confirmHandler, messageConfirmer, terminalConfirmer } from '../../../main/handlers/confirm';
import { terminalCommandHandler } from '../../../main/handlers/terminal';
import { TerminalCommands } from '../../../main/services/commands/terminal-commands';
import { ConfirmationStore } from '../../../main/services/commands/confirmations';
import { DatabaseGrantStore, type GrantStore } from '../../../main/services/permissions/grant-store';
import { AskApproval, PermissionsService, type HeldAsk } from '../../../main/services/permissions/permissions-service';
import { personCapability } from '../../../main/services/permissions/defaults';
import { StorageDatabase } from '../../../main/services/storage/database';
import { migrations } from '../../../main/services/storage/migrations';
import { generateDatabaseKey } from '../../../main/services/keys/database-key';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';

const touch: Request = { type: 'TerminalCommand', data: { cmd: 'touch', args: ['made.txt'] } };
const askTouch = { message: 'TerminalCommand', commands: [{ cmd: 'touch', args: ['made.txt'] }], effect: 'ask' } as const;

/** A plugin-like sender kind whose only command permission asks first. */
const asker: Capability = { subject: 'plugin:asker', permissions: [{ message: 'Confirm' }, askTouch] };

function details(reply: Envelope<unknown>): ConfirmationDetails {
  if (reply.ok || reply.error.code !== 'ConfirmationRequired')
    throw new Error(`expected ConfirmationRequired, got ${JSON.stringify(reply)}`);
  return confirmationDetailsSchema.parse(reply.error.details);
}

describe('a capability-level ask', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let roots: WorkspaceRoots;
  let audit: MemoryAuditSink;
  const made = () =>
    access(path.join(workspace.path, 'made.txt')).then(
      () => true,
      () => false,
    );

  beforeEach(async () => {
    workspace = await tempDir();
    roots = new WorkspaceRoots();
    await roots.grant(workspace.path);
    audit = new MemoryAuditSink();
  });
  afterEach(() => workspace.remove());

  function app(options: { store?: GrantStore; asks?: ConfirmationStore<HeldAsk> } = {}) {
    const permissions = new PermissionsService({ roots, ...options });
    const router = new Router({ audit, logger: capturingLogger().logger, permissions });
    const commands = new TerminalCommands({ roots });
    router.register('TerminalCommand', terminalCommandHandler(commands));
    router.register('Confirm', confirmHandler([terminalConfirmer(commands, permissions), messageConfirmer(router)]));
    return { router, permissions };
  }
  const confirm = (router: Router, token: string, decision: 'once' | 'always' | 'deny', actor = 'plugin:asker:1') =>
    router.dispatch({ type: 'Confirm', data: { token, decision } }, testSender({ actor, capability: asker }).sender);

  it('answers ConfirmationRequired with a token and exactly what would run; nothing runs', async () => {
    const { router } = app();
    const { sender } = testSender({ actor: 'plugin:asker:1', capability: asker });
    const asked = details(await router.dispatch(touch, sender));
    expect(asked).toMatchObject({
      kind: 'Message',
      asker: 'plugin:asker:1',
      message: 'TerminalCommand',
      command: { cmd: 'touch', args: ['made.txt'] },
      action: 'TerminalCommand touch made.txt',
      reason: expect.stringContaining('ask first') as string,
      always: 'TerminalCommand touch made.txt',
    });
    expect(asked.token.length).toBeGreaterThanOrEqual(32);
    expect(asked.expiresAt).toBeGreaterThan(Date.now());
    expect(await made()).toBe(false);
    expect(audit.records.at(-1)).toMatchObject({
      actor: 'plugin:asker:1',
      type: 'TerminalCommand',
      outcome: 'ConfirmationRequired',
    });
  });

  it('runs the held message once on "once"; the same message asks again and the token is spent', async () => {
    const { router } = app();
    const { sender } = testSender({ actor: 'plugin:asker:1', capability: asker });
    const { token } = details(await router.dispatch(touch, sender));
    const reply = await confirm(router, token, 'once');
    expect(reply).toMatchObject({
      ok: true,
      value: { type: 'Message', value: { type: 'TerminalCommand', value: { exitCode: 0 } } },
    });
    expect(await made()).toBe(true);
    const ran = audit.records.filter((record) => record.type === 'TerminalCommand' && record.outcome === 'ok');
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ actor: 'plugin:asker:1', summary: { cmd: 'touch', confirmed: 'once' } });
    expect(audit.records.at(-1)).toMatchObject({
      type: 'Confirm',
      outcome: 'ok',
      summary: { kind: 'Message', message: 'TerminalCommand', decision: 'once' },
    });

    const again = details(await router.dispatch(touch, sender));
    expect(again.token).not.toBe(token);
    expect(await confirm(router, token, 'once')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
  });

  it('keeps an allow on "always": the next message runs at once, also after a restart', async () => {
    const key = generateDatabaseKey();
    const file = path.join(workspace.path, 'grants.db');
    const first = StorageDatabase.open({ file, keys: [key], migrations });
    const { router, permissions } = app({ store: new DatabaseGrantStore(first, capturingLogger().logger) });
    const { sender } = testSender({ actor: 'plugin:asker:1', capability: asker });
    const { token } = details(await router.dispatch(touch, sender));
    expect(await confirm(router, token, 'always')).toMatchObject({ ok: true, value: { type: 'Message' } });
    expect(permissions.list().find((entry) => entry.subject === 'plugin:asker')?.grants).toEqual([
      expect.objectContaining({ origin: 'confirm', permission: { ...askTouch, effect: 'allow' } }),
    ]);
    expect(await router.dispatch(touch, sender)).toMatchObject({ ok: true, value: { exitCode: 0 } });
    expect(audit.records.find((record) => record.type === 'Confirm')).toMatchObject({ summary: { decision: 'always' } });
    await first.close();

    const second = StorageDatabase.open({ file, keys: [key], migrations });
    const restarted = app({ store: new DatabaseGrantStore(second, capturingLogger().logger) });
    const later = testSender({ actor: 'plugin:asker:7', capability: asker }).sender;
    expect(await restarted.router.dispatch(touch, later)).toMatchObject({ ok: true, value: { exitCode: 0 } });

    // Revoking the kept allow applies to the very next message.
    const grant = restarted.permissions.list().find((entry) => entry.subject === 'plugin:asker')?.grants[0];
    restarted.permissions.revoke({ grantId: grant?.id ?? 0 });
    details(await restarted.router.dispatch(touch, later));
    await second.close();
  });

  it('runs nothing on "deny", answers PermissionDenied {declined}, and audits the decision', async () => {
    const { router } = app();
    const { sender } = testSender({ actor: 'plugin:asker:1', capability: asker });
    const { token } = details(await router.dispatch(touch, sender));
    const reply = await confirm(router, token, 'deny');
    expect(reply).toMatchObject({ ok: false, error: { code: 'PermissionDenied', details: { declined: true } } });
    expect(await made()).toBe(false);
    expect(audit.records.at(-1)).toMatchObject({
      type: 'Confirm',
      outcome: 'PermissionDenied',
      summary: { kind: 'Message', decision: 'deny' },
    });
    // The token is used up: a later "once" runs nothing either.
    expect(await confirm(router, token, 'once')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(await made()).toBe(false);
  });

  it('cannot be redeemed by another actor; unknown and expired tokens are refused', async () => {
    let now = Date.now();
    const { router } = app({ asks: new ConfirmationStore<HeldAsk>(60_000, () => now) });
    const { sender } = testSender({ actor: 'plugin:asker:1', capability: asker });
    const { token } = details(await router.dispatch(touch, sender));
    expect(await confirm(router, token, 'once', 'plugin:asker:2')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', message: expect.stringContaining('another') as string },
    });
    expect(await made()).toBe(false);
    expect(await confirm(router, 'x'.repeat(43), 'once')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    now += 60_001;
    expect(await confirm(router, token, 'once')).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', message: expect.stringContaining('expired') as string },
    });
    expect(await made()).toBe(false);
  });

  it('still lets a deny stored after the question win, and ignores an approval it did not make', async () => {
    const { router, permissions } = app();
    const { sender } = testSender({ actor: 'plugin:asker:1', capability: asker });
    const { token } = details(await router.dispatch(touch, sender));
    permissions.grant('plugin:asker', { ...askTouch, effect: 'deny' }, 'revoke');
    expect(await confirm(router, token, 'once')).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(await made()).toBe(false);

    const { router: fresh } = app();
    const forged = new AskApproval('plugin:asker:1', touch, askTouch);
    details(await fresh.dispatch(touch, sender, { approval: forged }));
    expect(await made()).toBe(false);
  });

  it('lets an approval through for exactly the held message, not another message the same ask covers', async () => {
    const { router, permissions } = app();
    const anyMade = {
      message: 'TerminalCommand',
      commands: [{ cmd: 'touch', argsPattern: 'made[0-9]?\\.txt' }],
      effect: 'ask',
    } as const;
    const { sender } = testSender({ actor: 'plugin:wide:1', capability: { subject: 'plugin:wide', permissions: [anyMade] } });
    const held = details(await router.dispatch(touch, sender));
    const { approval } = permissions.redeemAsk('plugin:wide:1', held.token);
    const other: Request = { type: 'TerminalCommand', data: { cmd: 'touch', args: ['made2.txt'] } };
    details(await router.dispatch(other, sender, { approval }));
    await expect(access(path.join(workspace.path, 'made2.txt'))).rejects.toThrow();
    expect(await router.dispatch(touch, sender, { approval })).toMatchObject({ ok: true, value: { exitCode: 0 } });
    expect(await made()).toBe(true);
  });

  it('renews a spent approval once, for the same message only (the policy asked a plugin’s command next)', async () => {
    const { router, permissions } = app();
    const { sender } = testSender({ actor: 'plugin:asker:1', capability: asker });
    const held = details(await router.dispatch(touch, sender));
    const { approval } = permissions.redeemAsk('plugin:asker:1', held.token);
    // Not spent yet: nothing to renew.
    expect(permissions.renew(approval, touch)).toBeUndefined();
    expect(await router.dispatch(touch, sender, { approval })).toMatchObject({ ok: true });
    const other: Request = { type: 'TerminalCommand', data: { cmd: 'touch', args: ['made.txt'], cwd: '.' } };
    expect(permissions.renew(approval, other)).toBeUndefined();
    const renewed = permissions.renew(approval, touch);
    expect(renewed).toBeDefined();
    expect(permissions.renew(approval, touch)).toBeUndefined();
    expect(await router.dispatch(touch, sender, { approval: renewed })).toMatchObject({ ok: true });
    // Spent in turn; a forged approval never renews.
    details(await router.dispatch(touch, sender, { approval: renewed }));
    expect(permissions.renew(new AskApproval('plugin:asker:1', touch, askTouch), touch)).toBeUndefined();
  });

  it('passes a command the policy then asks about on to its own confirmation', async () => {
    const { router, permissions } = app();
    permissions.grant('window', { message: 'TerminalCommand', commands: '*', effect: 'ask' }, 'setting');
    const window = testSender({ actor: 'window:1', capability: personCapability('window') }).sender;
    const shell: Request = { type: 'TerminalCommand', data: { cmd: 'sh', args: ['-c', 'touch made.txt'] } };
    const held = details(await router.dispatch(shell, window));
    expect(held).toMatchObject({ kind: 'Message', command: { cmd: 'sh', args: ['-c', 'touch made.txt'] } });
    const policy = details(await router.dispatch({ type: 'Confirm', data: { token: held.token, decision: 'once' } }, window));
    expect(policy).toMatchObject({ kind: 'TerminalCommand', rule: 'asks' });
    expect(await made()).toBe(false);
    const reply = await router.dispatch({ type: 'Confirm', data: { token: policy.token, decision: 'once' } }, window);
    expect(reply).toMatchObject({ ok: true, value: { type: 'TerminalCommand', value: { exitCode: 0 } } });
    expect(await made()).toBe(true);
  });

  it('lets a stored "ask me first" beat a built-in allow for the person’s own window', async () => {
    const { router, permissions } = app();
    permissions.grant('window', askTouch, 'setting');
    const window = testSender({ actor: 'window:1', capability: personCapability('window') }).sender;
    const asked = details(await router.dispatch(touch, window));
    expect(asked).toMatchObject({ kind: 'Message', asker: 'window:1' });
    const reply = await router.dispatch({ type: 'Confirm', data: { token: asked.token, decision: 'once' } }, window);
    expect(reply).toMatchObject({ ok: true, value: { type: 'Message', value: { value: { exitCode: 0 } } } });
    expect(await made()).toBe(true);
  });
});
