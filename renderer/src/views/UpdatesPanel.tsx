import { useEffect, useState } from 'react';
import type { UpdateStatus } from '../../../shared/contract/updates';
import { api, ReplyError, request } from '../api';

function failure(caught: unknown): string {
  return caught instanceof ReplyError ? caught.payload.message : 'The request failed.';
}

function describeState(status: UpdateStatus): string {
  const state = status.state;
  switch (state.status) {
    case 'disabled':
      return state.reason;
    case 'idle':
      return 'Automatic checks are on.';
    case 'checking':
      return 'Checking…';
    case 'up-to-date':
      return `Up to date (${status.currentVersion}; the server offers ${state.latest}).`;
    case 'available':
      return `LocalBrain ${state.version} is available (you have ${status.currentVersion}).`;
    case 'downloading':
      return `Downloading ${state.version}: ${Math.round(state.percent)} %`;
    case 'downloaded':
      return `${state.version} is downloaded and verified; it installs when LocalBrain quits.`;
    case 'error':
      return state.message;
  }
}

/**
 * Check, download (with progress) and install. Checking contacts the update address in the
 * settings above; nothing else here touches the network. In serve mode the buttons are off
 * and say why.
 */
export function UpdatesPanel({ dirty }: { dirty: boolean }) {
  const [status, setStatus] = useState<UpdateStatus>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const refresh = async () => {
    try {
      setStatus(await request({ type: 'UpdateStatus', data: {} }));
    } catch (caught) {
      setError(failure(caught));
    }
  };

  useEffect(() => {
    const state = { live: true };
    void (async () => {
      try {
        const current = await request({ type: 'UpdateStatus', data: {} });
        if (state.live) setStatus(current);
      } catch (caught) {
        if (state.live) setError(failure(caught));
      }
    })();
    const stopListening = api().on((event) => {
      if (event.type !== 'UpdateProgress') return;
      setStatus(
        (previous) =>
          previous && { ...previous, state: { status: 'downloading', version: event.data.version, percent: event.data.percent } },
      );
    });
    return () => {
      state.live = false;
      stopListening();
    };
  }, []);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(failure(caught));
    } finally {
      setBusy(false);
      await refresh();
    }
  };

  const supported = status?.supported ?? false;
  const state = status?.state.status;
  return (
    <div className="updates-panel">
      <p role="status" aria-label="Update status">
        {status ? describeState(status) : 'Loading…'}
      </p>
      {status && !supported && <p className="hint">{status.reason}</p>}
      {dirty && supported && <p className="hint">Save the settings first; a check uses the saved address.</p>}
      <div className="actions">
        <button
          type="button"
          disabled={busy || !supported || dirty}
          title={supported ? undefined : status?.reason}
          onClick={() => void run(() => request({ type: 'UpdateCheck', data: {} }))}
        >
          Check for updates
        </button>
        {state === 'available' && (
          <button type="button" disabled={busy} onClick={() => void run(() => request({ type: 'UpdateDownload', data: {} }))}>
            Download
          </button>
        )}
        {state === 'downloading' && status?.state.status === 'downloading' && (
          <progress max={100} value={status.state.percent} aria-label="Download progress" />
        )}
        {state === 'downloaded' && (
          <button type="button" disabled={busy} onClick={() => void run(() => request({ type: 'UpdateInstall', data: {} }))}>
            Restart and install now
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
