import { describe, expect, it } from 'vitest';
import type { Request } from '../../../shared/contract';
import { confirmationDetailsSchema, type ConfirmationDetails } from '../../../shared/contract/confirm';
import type { Capability } from '../../../shared/contract/permissions';
import type { Envelope } from '../../../shared/envelope';
import { LocalBrainError } from '../../../shared/errors';
import { MemoryAuditSink } from '../../../main/ports/audit';
import { Router } from '../../../main/ipc/router';
import { PermissionsService } from '../../../main/services/permissions/permissions-service';
import { PluginAsks, type AskParts, type CommandRun } from '../../../main/services/plugins/plugin-asks';
import { capturingLogger } from '../../support/logger';
import { testSender } from '../../support/sender';

const list: Request = { type: 'WorkspaceList', data: {} };
const ptys: Request = { type: 'PtyList', data: {} };
/** A plugin whose two message types both ask first. */
const plugin: Capability = {
  subject: 'plugin:p',
  permissions: [
    { message: 'WorkspaceList', effect: 'ask' },
    { message: 'PtyList', effect: 'ask' },
  ],
};

/**
 * A real router and permissions service with two small handlers that count their runs, the
 * plugin's sender, and the pieces the plugin host hands PluginAsks for one held invoke.
 */
function setup(options: { ttlMs?: number } = {}) {
  const permissions = new PermissionsService();
  const audit = new MemoryAuditSink();
  const router = new Router({ audit, logger: capturingLogger().logger, permissions });
  const ran: string[] = [];
  router.register('WorkspaceList', { run: () => (ran.push('WorkspaceList'), { roots: [] }) });
  router.register('PtyList', { run: () => (ran.push('PtyList'), { sessions: [] }) });
  const asks = new PluginAsks(permissions, options);
  const pluginSender = testSender({ actor: 'plugin:p', capability: plugin }).sender;
  const state = { alive: true, pauses: 0, resumes: 0 };

  /** What the host does when the plugin's invoke of `request` meets its ask: the plugin's token is used up, the invoke held. */
  async function invoke(run: CommandRun | undefined, request: Request): Promise<Envelope<unknown>> {
    const reply = await router.dispatch(request, pluginSender);
    if (reply.ok || reply.error.code !== 'ConfirmationRequired') return reply;
    const shown = confirmationDetailsSchema.parse(reply.error.details);
    const { held, approval } = permissions.redeemAsk('plugin:p', shown.token);
    const parts: AskParts = {
      held,
      shown,
      send: (auditExtra) => router.dispatch(held.request, pluginSender, { approval, auditExtra }),
      pause: () => {
        state.pauses++;
        return () => state.resumes++;
      },
      alive: () => state.alive,
    };
    return asks.hold(run, parts);
  }
  return { permissions, router, audit, asks, ran, state, invoke };
}

async function asked(reply: Promise<unknown>): Promise<ConfirmationDetails> {
  const error = await reply.then(
    (value) => new Error(`expected ConfirmationRequired, got ${JSON.stringify(value)}`),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof LocalBrainError) || error.code !== 'ConfirmationRequired') throw error;
  return confirmationDetailsSchema.parse(error.details);
}

describe('PluginAsks: a plugin’s ask passed on to who ran its command', () => {
  it('shows the ask to the caller (asker, via, plugin, what), runs the held message once on "once", then the command’s value', async () => {
    const { asks, ran, state, invoke, audit } = setup();
    const caller = testSender({ actor: 'window:1' }).sender;
    const run = asks.open(caller, 'p', 'go');
    const reply = asks.follow(run, invoke(run, list));
    const details = await asked(reply);
    expect(details).toMatchObject({
      kind: 'Message',
      asker: 'plugin:p',
      via: 'window:1',
      plugin: { id: 'p', command: 'go' },
      message: 'WorkspaceList',
      rule: 'permission-ask',
    });
    expect(ran).toEqual([]);
    expect(state).toMatchObject({ pauses: 1, resumes: 0 });
    // The plugin's own token is used up: only the caller's token is live, and only for the caller.
    await expect(asks.confirm(details.token, 'once', testSender({ actor: 'window:2' }).sender)).rejects.toMatchObject({
      code: 'PermissionDenied',
    });
    await expect(asks.confirm(details.token, 'once', caller)).resolves.toEqual({
      type: 'PluginRun',
      value: { ok: true, value: { roots: [] } },
    });
    expect(ran).toEqual(['WorkspaceList']);
    expect(state).toMatchObject({ pauses: 1, resumes: 1 });
    expect(audit.records.at(-1)).toMatchObject({
      actor: 'plugin:p',
      type: 'WorkspaceList',
      outcome: 'ok',
      summary: { confirmed: 'once', via: 'window:1' },
    });
    // Replay: used up.
    await expect(asks.confirm(details.token, 'once', caller)).rejects.toMatchObject({ code: 'PermissionDenied' });
    expect(ran).toEqual(['WorkspaceList']);
  });

  it('keeps an allow for the plugin on "always", so its next invoke of that type runs without asking', async () => {
    const { asks, ran, invoke, permissions } = setup();
    const caller = testSender({ actor: 'serve:1' }).sender;
    const run = asks.open(caller, 'p', 'go');
    const details = await asked(asks.follow(run, invoke(run, list)));
    await asks.confirm(details.token, 'always', caller);
    expect(permissions.list().find((subject) => subject.subject === 'plugin:p')?.grants).toEqual([
      expect.objectContaining({ origin: 'confirm', permission: { message: 'WorkspaceList', effect: 'allow' } }),
    ]);
    expect(await invoke(undefined, list)).toEqual({ ok: true, value: { roots: [] } });
    expect(ran).toEqual(['WorkspaceList', 'WorkspaceList']);
  });

  it('answers the plugin with PermissionDenied on deny, runs nothing, and refuses the run’s later asks at once', async () => {
    const { asks, ran, invoke } = setup();
    const caller = testSender({ actor: 'window:1' }).sender;
    const run = asks.open(caller, 'p', 'go');
    const later: Envelope<unknown>[] = [];
    const command = (async () => {
      const first = await invoke(run, list);
      later.push(await invoke(run, ptys));
      return first;
    })();
    const reply = asks.follow(run, command);
    const details = await asked(reply);
    expect(asks.decline('window:1', details.token)).toBe('plugin:p WorkspaceList');
    const first = await command;
    expect(first).toMatchObject({ ok: false, error: { code: 'PermissionDenied', details: { declined: true } } });
    expect(later).toHaveLength(1);
    expect(later[0]).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(ran).toEqual([]);
  });

  it('shows two asks of one command one after the other: allowing the first answers with the second', async () => {
    const { asks, ran, invoke } = setup();
    const caller = testSender({ actor: 'window:1' }).sender;
    const run = asks.open(caller, 'p', 'go');
    const command = (async () => [await invoke(run, list), await invoke(run, ptys)])();
    const first = await asked(asks.follow(run, command));
    expect(first.message).toBe('WorkspaceList');
    const second = await asked(asks.confirm(first.token, 'once', caller));
    expect(second.message).toBe('PtyList');
    expect(ran).toEqual(['WorkspaceList']);
    const done = await asks.confirm(second.token, 'once', caller);
    expect(done).toEqual({
      type: 'PluginRun',
      value: [
        { ok: true, value: { roots: [] } },
        { ok: true, value: { sessions: [] } },
      ],
    });
    expect(ran).toEqual(['WorkspaceList', 'PtyList']);
  });

  it('answers the plugin when nobody decides: expiry, Cancel and the caller going away', async () => {
    const { asks, ran, invoke, state } = setup({ ttlMs: 40 });
    const expired = testSender({ actor: 'window:1' }).sender;
    const run1 = asks.open(expired, 'p', 'go');
    const command1 = invoke(run1, list);
    const details1 = await asked(asks.follow(run1, command1));
    expect(await command1).toMatchObject({ ok: false, error: { code: 'PermissionDenied', details: { declined: true } } });
    await expect(asks.confirm(details1.token, 'once', expired)).rejects.toMatchObject({ code: 'PermissionDenied' });

    const cancelled = testSender({ actor: 'window:2' }).sender;
    const run2 = asks.open(cancelled, 'p', 'go');
    const command2 = invoke(run2, list);
    const details2 = await asked(asks.follow(run2, command2));
    expect(asks.drop('window:1', details2.token)).toBe(false);
    expect(asks.drop('window:2', details2.token)).toBe(true);
    expect(await command2).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });

    const leaving = testSender({ actor: 'serve:3' });
    const run3 = asks.open(leaving.sender, 'p', 'go');
    const command3 = invoke(run3, list);
    await asked(asks.follow(run3, command3));
    leaving.close();
    expect(await command3).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });

    expect(ran).toEqual([]);
    // Every paused deadline was resumed.
    expect(state.resumes).toBe(state.pauses);
  });

  it('answers every waiting plugin at expiry, even one whose token the per-sender bound already dropped', async () => {
    const { asks, invoke, state } = setup({ ttlMs: 60 });
    const caller = testSender({ actor: 'window:9' }).sender;
    const commands: Promise<Envelope<unknown>>[] = [];
    const tokens: string[] = [];
    // 33 asks to one sender: the store keeps 32 tokens per sender, so the first one's token is dropped.
    for (let index = 0; index < 33; index++) {
      const run = asks.open(caller, 'p', `go${index}`);
      const command = invoke(run, list);
      commands.push(command);
      tokens.push((await asked(asks.follow(run, command))).token);
    }
    expect(asks.owns(tokens[0] ?? '')).toBe(false);
    const answers = await Promise.all(commands);
    expect(answers.every((answer) => !answer.ok && answer.error.code === 'PermissionDenied')).toBe(true);
    expect(state.resumes).toBe(33);
  });

  it('refuses at once an ask no single command can carry, and runs nothing for a plugin that stopped meanwhile', async () => {
    const { asks, ran, invoke, state } = setup();
    expect(await invoke(undefined, list)).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', message: expect.stringContaining('no single command') as string },
    });
    expect(state.pauses).toBe(0);

    const caller = testSender({ actor: 'window:1' }).sender;
    const run = asks.open(caller, 'p', 'go');
    const command = invoke(run, list);
    const details = await asked(asks.follow(run, command));
    state.alive = false;
    await expect(asks.confirm(details.token, 'once', caller)).rejects.toMatchObject({ code: 'Unavailable' });
    expect(ran).toEqual([]);
  });

  it('stops every wait on dispose', async () => {
    const { asks, invoke } = setup();
    const caller = testSender({ actor: 'window:1' }).sender;
    const run = asks.open(caller, 'p', 'go');
    const command = invoke(run, list);
    const details = await asked(asks.follow(run, command));
    asks.dispose();
    expect(await command).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    expect(asks.owns(details.token)).toBe(false);
  });
});
