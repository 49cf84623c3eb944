import { useState } from 'react';
import type { PluginInfo } from '../../../shared/contract/plugins';
import { request } from '../api';
import { describeFailure, useListed } from '../useListed';
import { permissionInWords } from './permission-words';
import './storage-views.css';

const stateWords: Record<PluginInfo['state'], string> = {
  pending: 'Waiting for your approval',
  enabled: 'Running',
  disabled: 'Disabled',
  failed: 'Failed',
};

/** The plugins found, their consent screen, state, recent errors and counts. */
export function PluginsView() {
  const {
    items: plugins,
    message,
    setMessage,
    reload: load,
  } = useListed(async () => (await request({ type: 'PluginList', data: {} })).plugins);
  const [busy, setBusy] = useState(false);

  const act = async (type: 'PluginApprove' | 'PluginEnable' | 'PluginDisable' | 'PluginRemove', id: string) => {
    setBusy(true);
    try {
      await request({ type, data: { id } });
      await load();
    } catch (caught) {
      setMessage(describeFailure(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="view plugins-view" aria-labelledby="plugins-heading">
      <h1 id="plugins-heading">Plugins</h1>
      {message && (
        <p role="alert" className="field-error">
          {message}
        </p>
      )}
      {plugins.length === 0 && (
        <p className="muted">No plugins. Put one in the data folder’s plugins folder, or start with --plugin-dev.</p>
      )}
      {plugins.map((plugin) => (
        <article key={plugin.id} className="plugin" aria-label={plugin.name}>
          <h2>
            {plugin.name} <span className="muted">{plugin.version}</span>
            {plugin.dev && <span className="muted"> (development folder)</span>}
          </h2>
          <p>
            <strong>{stateWords[plugin.state]}</strong>
            {plugin.pendingReason === 'changed' && ' — it changed since you approved it'}
            {plugin.error && <> — {plugin.error}</>}
          </p>
          {plugin.signedBy && <p className="muted">Signed by {plugin.signedBy}</p>}
          {plugin.state === 'pending' ? (
            <div className="consent">
              <p>{plugin.name} asks to:</p>
              <ul>
                {plugin.requested.length === 0 && <li>Nothing beyond running its own commands</li>}
                {plugin.requested.map((permission, index) => (
                  <li key={index}>{permissionInWords(permission)}</li>
                ))}
              </ul>
              <div className="actions">
                <button type="button" disabled={busy} onClick={() => void act('PluginApprove', plugin.id)}>
                  Approve and enable
                </button>
                <button type="button" disabled={busy} onClick={() => void act('PluginRemove', plugin.id)}>
                  Remove
                </button>
              </div>
            </div>
          ) : (
            <>
              <p>May:</p>
              <ul>
                {plugin.granted.map((permission, index) => (
                  <li key={index}>{permissionInWords(permission)}</li>
                ))}
              </ul>
              <div className="actions">
                {plugin.state === 'enabled' || plugin.state === 'failed' ? (
                  <button type="button" disabled={busy} onClick={() => void act('PluginDisable', plugin.id)}>
                    Disable
                  </button>
                ) : (
                  <button type="button" disabled={busy} onClick={() => void act('PluginEnable', plugin.id)}>
                    Enable
                  </button>
                )}
                <button type="button" disabled={busy} onClick={() => void act('PluginRemove', plugin.id)}>
                  Remove
                </button>
              </div>
            </>
          )}
          <p className="muted">
            {plugin.stats.calls} calls, {plugin.stats.denied} refused, {plugin.stats.crashes} crashes
          </p>
          {plugin.commands.length > 0 && (
            <p className="muted">Commands: {plugin.commands.map((command) => command.title).join(', ')}</p>
          )}
          {plugin.commands.some((command) => command.examples.length > 0) && (
            <p className="muted">
              Say:{' '}
              {plugin.commands
                .flatMap((command) => command.examples)
                .map((example) => `“${example}”`)
                .join(', ')}
            </p>
          )}
          {plugin.recentErrors.length > 0 && (
            <details>
              <summary>Recent errors ({plugin.recentErrors.length})</summary>
              <ul>
                {plugin.recentErrors.map((error) => (
                  <li key={`${error.time}-${error.message}`}>
                    {new Date(error.time).toLocaleTimeString()} {error.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </article>
      ))}
    </section>
  );
}
