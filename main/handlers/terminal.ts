import type { Logger } from 'pino';
import { limits } from '../../shared/limits';
import type { Handler, Router } from '../ipc/router';
import type { DisposableStore } from '../lifecycle';
import { TerminalCommands } from '../services/commands/terminal-commands';
import { PtyService, type PtySettings } from '../services/pty/service';
import type { WorkspaceRoots } from '../services/workspace/roots';
import type { CommandGrant } from '../../shared/contract/permissions';
import type { EffectiveScope } from '../services/permissions/permissions-service';
import { confirmCancelHandler, confirmHandler, messageConfirmer, terminalConfirmer, type Confirmer } from './confirm';
import { ptyHandlers } from './pty';

/** Slack beyond the command's own timeout, so the process is killed and reported before the router's deadline fires. */
const deadlineSlackMs = 5_000;

/**
 * The command grants among the permissions that allowed this request, with fixed
 * arguments only: an "always allow" or a plugin's approved `git status` may skip the
 * policy's question, an open-ended grant never does.
 */
function standingGrants(scope: EffectiveScope): CommandGrant[] {
  return scope.flatMap((permission) =>
    'commands' in permission && permission.commands !== '*'
      ? permission.commands.filter((grant) => grant.args !== undefined)
      : [],
  );
}

export function terminalCommandHandler(commands: TerminalCommands): Handler<'TerminalCommand'> {
  return {
    authorize: async (data, { sender, scope, commandApproval }) => {
      await commands.check(sender.actor, data, standingGrants(scope), commandApproval);
    },
    run: (data, { signal, sender }) => commands.run(data, signal, sender),
    summarize: (data) => ({ cmd: data.cmd, argc: data.args.length, cwd: data.cwd ?? null, streamId: data.streamId ?? null }),
    deadlineMs: (data) => (data.timeoutMs ?? limits.defaultCommandTimeoutMs) + deadlineSlackMs,
    privileged: true,
  };
}

export interface TerminalDomainOptions {
  readonly router: Router;
  readonly roots: WorkspaceRoots;
  readonly logger: Logger;
  /** The settings service's view of the terminal settings; defaults apply until it is wired. */
  readonly ptySettings?: () => Partial<PtySettings>;
  /** Other kinds of confirmation (spoken plans) that Confirm and ConfirmCancel also redeem, besides commands and held messages. */
  readonly confirmers?: readonly Confirmer[];
}

/**
 * Registers TerminalCommand, Confirm and the PTY messages, and hands the PTY service to
 * the core's store so every shell is killed on quit (after the handlers are gone).
 */
export function registerTerminalDomain(
  options: TerminalDomainOptions,
  disposables: DisposableStore,
): { pty: PtyService; commands: TerminalCommands } {
  const commands = new TerminalCommands({ roots: options.roots });
  const pty = new PtyService({ roots: options.roots, logger: options.logger, settings: options.ptySettings, prewarm: true });
  disposables.add(() => pty.dispose());
  pty.prewarm();
  const { router } = options;
  disposables.add(router.register('TerminalCommand', terminalCommandHandler(commands)));
  const confirmers = [
    terminalConfirmer(commands, router.permissions),
    messageConfirmer(router),
    ...(options.confirmers ?? []),
  ] as const;
  disposables.add(router.register('Confirm', confirmHandler(confirmers)));
  disposables.add(router.register('ConfirmCancel', confirmCancelHandler(confirmers)));
  disposables.add(
    router.register('CommandCancel', {
      run: (data, { sender }) => ({ cancelled: commands.cancel(sender.actor, data.streamId) }),
      summarize: (data) => ({ streamId: data.streamId }),
    }),
  );
  const handlers = ptyHandlers(pty);
  disposables.add(router.register('PtySpawn', handlers.PtySpawn));
  disposables.add(router.register('PtyWrite', handlers.PtyWrite));
  disposables.add(router.register('PtyResize', handlers.PtyResize));
  disposables.add(router.register('PtyKill', handlers.PtyKill));
  disposables.add(router.register('PtyAck', handlers.PtyAck));
  disposables.add(router.register('PtyList', handlers.PtyList));
  disposables.add(router.register('PtyAttach', handlers.PtyAttach));
  disposables.add(router.register('PtyRename', handlers.PtyRename));
  return { pty, commands };
}
