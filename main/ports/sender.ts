import type { AppEvent } from '../../shared/contract';
import type { Capability } from '../../shared/contract/permissions';

/** Who sent a message: a window in Electron, a WebSocket client in serve mode, a plugin. */
export interface Sender {
  /** Stable id written to the audit log, such as `window:1`, `serve:3` or `plugin:word-count`. */
  readonly actor: string;
  /**
   * What this sender's kind may do: its subject (`window`, `serve`, `plugin:<id>`) and base
   * permissions. The permissions service adds the grants stored for the subject on every
   * message; a sender derived from this one (a voice plan) copies the value.
   */
  readonly capability: Capability;
  /** Pushes an event to this sender only. */
  emit(event: AppEvent): void;
  /** Aborted when the window closes or the client disconnects; services release what the sender owned. */
  readonly closed: AbortSignal;
}
