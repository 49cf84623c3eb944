import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { LocalBrainApi } from '../shared/api';
import { ipcChannels } from '../shared/api';
import type { AppEvent } from '../shared/contract';

/**
 * The only door between the renderer and main: `invoke` and `on`, nothing else. No
 * ipcRenderer, no Node, no channel names reach the page; main validates everything.
 */
const api: LocalBrainApi = {
  invoke: (message) => ipcRenderer.invoke(ipcChannels.invoke, message),
  on(listener) {
    const forward = (_event: IpcRendererEvent, appEvent: AppEvent) => listener(appEvent);
    ipcRenderer.on(ipcChannels.event, forward);
    return () => {
      ipcRenderer.removeListener(ipcChannels.event, forward);
    };
  },
};

contextBridge.exposeInMainWorld('localbrain', Object.freeze(api));
