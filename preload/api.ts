import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { ipcChannels, type LocalBrainApi } from '../shared/api';
import type { AppEvent } from '../shared/contract';

/**
 * The whole renderer API over Electron IPC: `invoke` and `on`, nothing else. No
 * ipcRenderer, no Node and no channel names reach the page; main validates everything.
 */
export function createApi(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): LocalBrainApi {
  return Object.freeze({
    invoke: (message) => ipc.invoke(ipcChannels.invoke, message),
    on(listener: (event: AppEvent) => void) {
      const forward = (_event: IpcRendererEvent, appEvent: AppEvent) => listener(appEvent);
      ipc.on(ipcChannels.event, forward);
      return () => {
        ipc.removeListener(ipcChannels.event, forward);
      };
    },
  } satisfies LocalBrainApi);
}
