import { messageTypes } from '../../../shared/contract';
import { fileOpKindSchema, type Capability, type Permission, type PermissionEffect } from '../../../shared/contract/permissions';

/** The whole of one message type: every op on every path, any program the policy allows, every setting. */
export function wholeOf(message: string, effect?: PermissionEffect): Permission {
  const base: Permission =
    message === 'FileOperation'
      ? { message, ops: [...fileOpKindSchema.options], paths: ['**'] }
      : message === 'TerminalCommand'
        ? { message, commands: '*' }
        : message === 'SettingsSet'
          ? { message, keys: ['*'] }
          : { message };
  return effect === undefined ? base : { ...base, effect };
}

/**
 * The main window and serve clients: the person at the keyboard. They may send every
 * message; paths are still confined to the granted roots and commands still pass the
 * command policy inside their handlers, as before capabilities existed.
 */
export function personCapability(subject: 'window' | 'serve'): Capability {
  return { subject, permissions: messageTypes.map((type) => wholeOf(type)) };
}

/** A page or frame that is not the app: nothing. */
export const untrustedCapability: Capability = { subject: 'untrusted', permissions: [] };

/** The subject of an actor such as `window:3`, `serve:2`, `plugin:word-count`, `voice:window:3`. */
export function subjectOfActor(actor: string): string {
  if (actor.startsWith('plugin:')) return actor;
  const colon = actor.indexOf(':');
  return colon === -1 ? actor : actor.slice(0, colon);
}
