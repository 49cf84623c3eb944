/** The window event the serve-mode bridge fires when its connection changes; Electron's IPC is always connected. */
export const connectionStateEvent = 'localbrain:connection';
export type ConnectionState = 'connecting' | 'connected' | 'disconnected';
