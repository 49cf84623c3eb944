import { useEffect, useState } from 'react';
import { connectionStateEvent, type ConnectionState } from '../bridge/connection';

/** Serve mode reports its WebSocket state; in Electron the IPC channel is always there. */
export function useConnection(): ConnectionState {
  const [state, setState] = useState<ConnectionState>('connected');
  useEffect(() => {
    const onChange = (event: Event) => setState((event as CustomEvent<ConnectionState>).detail);
    window.addEventListener(connectionStateEvent, onChange);
    return () => window.removeEventListener(connectionStateEvent, onChange);
  }, []);
  return state;
}
