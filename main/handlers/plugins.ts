import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import type { PluginHost } from '../services/plugins/plugin-host';
import type { PluginAsks } from '../services/plugins/plugin-asks';
import type { Confirmer } from './confirm';

/** A plugin's command runs at most its own 5 s deadline; the router's is a little longer so the plugin's Timeout arrives first. */
const pluginRunDeadlineMs = 10_000;

export function registerPluginsDomain(router: Router, host: PluginHost, disposables: DisposableStore): void {
  const byId = (data: { id: string }) => ({ plugin: data.id });
  const handlers: {
    [K in 'PluginList' | 'PluginApprove' | 'PluginEnable' | 'PluginDisable' | 'PluginRemove' | 'PluginRun']: Handler<K>;
  } = {
    PluginList: { run: async () => ({ plugins: await host.list() }) },
    PluginApprove: { run: async (data) => ({ plugin: await host.approve(data.id) }), summarize: byId, privileged: true },
    PluginEnable: { run: async (data) => ({ plugin: await host.enable(data.id) }), summarize: byId, privileged: true },
    PluginDisable: { run: async (data) => ({ plugin: await host.disable(data.id) }), summarize: byId, privileged: true },
    PluginRemove: { run: async (data) => ({ removed: await host.remove(data.id) }), summarize: byId, privileged: true },
    PluginRun: {
      // Arguments may hold what the person typed; only the plugin and command are kept.
      // The sender is who the plugin's asks reach (ConfirmationRequired with a token for it).
      run: (data, { sender }) => host.run(data.id, data.command, data.args ?? null, sender),
      summarize: (data) => ({ plugin: data.id, command: data.command }),
      deadlineMs: () => pluginRunDeadlineMs,
      privileged: true,
    },
  };
  disposables.add(router.register('PluginList', handlers.PluginList));
  disposables.add(router.register('PluginApprove', handlers.PluginApprove));
  disposables.add(router.register('PluginEnable', handlers.PluginEnable));
  disposables.add(router.register('PluginDisable', handlers.PluginDisable));
  disposables.add(router.register('PluginRemove', handlers.PluginRemove));
  disposables.add(router.register('PluginRun', handlers.PluginRun));
}

/**
 * A plugin's asks, passed on to whoever ran its command: `once`/`always` send the held
 * message as the plugin and answer with what the command then returns, `deny` refuses it.
 */
export function pluginAskConfirmer(asks: PluginAsks): Confirmer {
  return {
    summarize: (token) => asks.summarize(token),
    owns: (token) => asks.owns(token),
    confirm: (token, decision, sender) => asks.confirm(token, decision, sender),
    decline: (actor, token) => asks.decline(actor, token),
    drop: (actor, token) => asks.drop(actor, token),
  };
}
