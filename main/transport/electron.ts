import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { Logger } from 'pino';
import { ipcChannels } from '../../shared/api';
import type { AppEvent } from '../../shared/contract';
import { LocalBrainError } from '../../shared/errors';
import { isAppUrl, type AppLocation } from '../electron/app-origin';
import type { RequestDispatcher } from '../ipc/fair-dispatch';
import type { Sender } from '../ports/sender';
import { personCapability, untrustedCapability } from '../services/permissions/defaults';

const windowCapability = personCapability('window');

export interface ElectronTransportOptions {
  readonly ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** The core's fair dispatcher (or a bare router in tests). */
  readonly dispatcher: RequestDispatcher;
  readonly location: AppLocation;
  readonly logger: Logger;
}

type SenderContents = Pick<WebContents, 'id' | 'send' | 'isDestroyed' | 'once'>;

/** Why a frame is refused, or undefined when it is the app's own top-level page. */
export function refusalReason(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, location: AppLocation): string | undefined {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (frame.parent !== null) return 'sub-frames may not send';
  if (!isAppUrl(frame.url, location)) return 'the sending page is not the app';
  return undefined;
}

/**
 * Electron's side of the one door: a single invoke channel, checked for the sending
 * frame before anything is parsed, and a single event channel per window.
 */
export function registerElectronTransport(options: ElectronTransportOptions): () => void {
  const senders = new Map<number, Sender>();

  function senderFor(contents: SenderContents): Sender {
    const known = senders.get(contents.id);
    if (known) return known;
    const closed = new AbortController();
    const sender: Sender = {
      actor: `window:${contents.id}`,
      capability: windowCapability,
      closed: closed.signal,
      emit: (event: AppEvent) => {
        if (!contents.isDestroyed()) contents.send(ipcChannels.event, event);
      },
    };
    senders.set(contents.id, sender);
    contents.once('destroyed', () => {
      senders.delete(contents.id);
      closed.abort();
    });
    return sender;
  }

  options.ipcMain.handle(ipcChannels.invoke, (event: IpcMainInvokeEvent, message: unknown) => {
    const reason = refusalReason(event, options.location);
    if (reason !== undefined) {
      options.logger.warn(
        { reason, url: event.senderFrame?.url, contents: event.sender.id },
        'refused IPC from an untrusted frame',
      );
      const refused: Sender = {
        actor: `untrusted:${event.sender.id}`,
        capability: untrustedCapability,
        closed: AbortSignal.abort(),
        emit: () => undefined,
      };
      return options.dispatcher.dispatch(message, refused, {
        refusal: new LocalBrainError('PermissionDenied', 'This page may not talk to LocalBrain.'),
      });
    }
    return options.dispatcher.dispatch(message, senderFor(event.sender));
  });

  return () => {
    options.ipcMain.removeHandler(ipcChannels.invoke);
  };
}
