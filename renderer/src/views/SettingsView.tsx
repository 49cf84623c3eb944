import { useEffect, useRef, useState } from 'react';
import {
  isSettingKey,
  type SettingKey,
  type Settings,
  type SettingsPatch,
  type StorageStatus,
} from '../../../shared/contract/settings';
import { ReplyError, request } from '../api';
import { VoiceSettings } from './VoiceSettings';
import './storage-views.css';
import { applyTheme } from './theme';
import { UpdatesPanel } from './UpdatesPanel';

function describe(caught: unknown): string {
  if (!(caught instanceof ReplyError)) return 'The request failed.';
  const issues = Array.isArray(caught.payload.details)
    ? (caught.payload.details as { path?: unknown[]; message?: string }[])
    : [];
  const detail = issues.map((issue) => `${(issue.path ?? []).slice(-1).join('')}: ${issue.message ?? ''}`).join('; ');
  return detail ? `${caught.payload.message} ${detail}` : caught.payload.message;
}

/** The messages of a ValidationFailed reply's zod issues, by the setting each is about. */
function fieldErrors(caught: unknown): Partial<Record<SettingKey, string>> {
  if (!(caught instanceof ReplyError) || caught.payload.code !== 'ValidationFailed') return {};
  const issues = Array.isArray(caught.payload.details)
    ? (caught.payload.details as { path?: unknown[]; message?: string }[])
    : [];
  const byKey: Partial<Record<SettingKey, string>> = {};
  for (const issue of issues) {
    const key = (issue.path ?? []).find(isSettingKey);
    if (key !== undefined && issue.message !== undefined) byKey[key] = issue.message;
  }
  return byKey;
}

function numberOr(value: string, fallback: number): number {
  const parsed = Number(value);
  return value.trim() === '' || Number.isNaN(parsed) ? fallback : parsed;
}

type NumericKey = { [K in keyof Settings]: Settings[K] extends number ? K : never }[keyof Settings];

/** A number field bound to one numeric setting; an empty or non-numeric entry keeps the previous value. */
function NumberSetting({
  label,
  name,
  draft,
  update,
}: {
  label: string;
  name: NumericKey;
  draft: Settings;
  update: (key: NumericKey, value: number) => void;
}) {
  return (
    <label>
      {label}
      <input type="number" value={draft[name]} onChange={(event) => update(name, numberOr(event.target.value, draft[name]))} />
    </label>
  );
}

/** Asks the view to bring one section into sight (the Talk button's "Settings → Voice"); `seq` repeats a request. */
export interface SettingsFocus {
  readonly section: 'voice';
  readonly seq: number;
}

export function SettingsView({ focus }: { focus?: SettingsFocus } = {}) {
  const [saved, setSaved] = useState<Settings>();
  const [draft, setDraft] = useState<Settings>();
  const [status, setStatus] = useState<StorageStatus>();
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const [recoveryKey, setRecoveryKey] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState<Partial<Record<SettingKey, string>>>({});
  const voiceSection = useRef<HTMLFieldSetElement>(null);
  const loaded = draft !== undefined;

  useEffect(() => {
    if (!loaded || focus?.section !== 'voice') return;
    voiceSection.current?.scrollIntoView({ block: 'start' });
    voiceSection.current?.querySelector('input')?.focus();
  }, [loaded, focus?.section, focus?.seq]);

  useEffect(() => {
    const state = { live: true };
    void (async () => {
      try {
        const [{ values }, storage] = await Promise.all([
          request({ type: 'SettingsGet', data: {} }),
          request({ type: 'StorageStatus', data: {} }),
        ]);
        if (!state.live) return;
        setSaved(values);
        setDraft(values);
        setStatus(storage);
      } catch (caught) {
        if (state.live) setError(describe(caught));
      }
    })();
    return () => {
      state.live = false;
    };
  }, []);

  if (!draft || !saved) {
    return (
      <section className="view" aria-labelledby="settings-heading">
        <h1 id="settings-heading">Settings</h1>
        {error ? <p role="alert">{error}</p> : <p>Loading…</p>}
      </section>
    );
  }

  const update = <K extends keyof Settings>(key: K, value: Settings[K]) => setDraft({ ...draft, [key]: value });

  const save = async () => {
    const changed = Object.fromEntries(
      (Object.keys(draft) as (keyof Settings)[])
        .filter((key) => JSON.stringify(draft[key]) !== JSON.stringify(saved[key]))
        .map((key) => [key, draft[key]]),
    ) as SettingsPatch;
    setBusy(true);
    setMessage(undefined);
    try {
      const { values } = await request({ type: 'SettingsSet', data: { values: changed } });
      applyTheme(values['appearance.theme']);
      setSaved(values);
      setDraft(values);
      setError(undefined);
      setInvalid({});
      setMessage('Settings saved.');
    } catch (caught) {
      setMessage(undefined);
      setError(describe(caught));
      setInvalid(fieldErrors(caught));
    } finally {
      setBusy(false);
    }
  };

  const rekey = async () => {
    setBusy(true);
    try {
      const result = await request({ type: 'StorageRekey', data: {} });
      setRecoveryKey(result.recoveryKey);
      setError(undefined);
      setMessage('The database was re-encrypted with a new key; the old key no longer opens it.');
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="view" aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      <form
        className="settings-form"
        aria-label="Settings"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset>
          <legend>Appearance</legend>
          <label>
            Theme
            <select
              value={draft['appearance.theme']}
              onChange={(event) => update('appearance.theme', event.target.value as Settings['appearance.theme'])}
            >
              <option value="system">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Terminal</legend>
          <NumberSetting label="Font size" name="terminal.fontSize" draft={draft} update={update} />
          <NumberSetting label="Scrollback lines" name="terminal.scrollback" draft={draft} update={update} />
          <label>
            Default shell
            <input
              value={draft['terminal.defaultShell']}
              placeholder="Your login shell"
              onChange={(event) => update('terminal.defaultShell', event.target.value)}
            />
          </label>
          <NumberSetting label="Maximum terminal sessions" name="terminal.maxSessions" draft={draft} update={update} />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft['terminal.restoreScrollback']}
              onChange={(event) => update('terminal.restoreScrollback', event.target.checked)}
            />
            Restore recent output after a restart (kept encrypted)
          </label>
        </fieldset>
        <fieldset>
          <legend>Health</legend>
          <NumberSetting label="Heap budget (MB)" name="health.heapBudgetMB" draft={draft} update={update} />
        </fieldset>
        <fieldset>
          <legend>Files and audit</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft['files.showHidden']}
              onChange={(event) => update('files.showHidden', event.target.checked)}
            />
            Show hidden files
          </label>
          <NumberSetting
            label="Keep audit entries for (days, 0 = forever)"
            name="audit.retentionDays"
            draft={draft}
            update={update}
          />
        </fieldset>
        <VoiceSettings ref={voiceSection} draft={draft} update={update} endpointError={invalid['voice.speechEndpoint']} />
        <fieldset>
          <legend>Updates</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft['updates.enabled']}
              onChange={(event) => update('updates.enabled', event.target.checked)}
            />
            Check for updates automatically (at start and twice a day)
          </label>
          <label>
            Update address (https)
            <input
              type="url"
              value={draft['updates.url']}
              placeholder="https://updates.example.org/localbrain/"
              onChange={(event) => update('updates.url', event.target.value.trim())}
            />
          </label>
          <UpdatesPanel
            dirty={draft['updates.url'] !== saved['updates.url'] || draft['updates.enabled'] !== saved['updates.enabled']}
          />
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Save settings
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      {message && <p role="status">{message}</p>}
      <section aria-labelledby="storage-heading">
        <h2 id="storage-heading">Database</h2>
        {status && (
          <p>
            Encrypted with {status.cipher}, schema {status.schemaVersion}; key from {status.keySource}
            {status.keyBackend ? ` (${status.keyBackend})` : ''}.
          </p>
        )}
        <div className="actions">
          <button type="button" disabled={busy || !status?.canRekey} onClick={() => void rekey()}>
            Change database key
          </button>
        </div>
        {recoveryKey && (
          <div role="region" aria-label="New recovery key">
            <p>Write down this new recovery key; the old one no longer works:</p>
            <p className="recovery-key">{recoveryKey}</p>
          </div>
        )}
      </section>
    </section>
  );
}
