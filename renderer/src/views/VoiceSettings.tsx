import { useId, type Ref } from 'react';
import type { Settings } from '../../../shared/contract/settings';
import { hostOf, isLoopbackUrl } from '../../../shared/loopback';

/**
 * What the person should know about where their recordings go, or undefined when they stay
 * on this machine. Shown whenever another host is named or allowed, not only on hover or
 * after saving: audio leaving the machine is not a detail.
 */
export function audioWarning(endpoint: string, allowRemote: boolean): string | undefined {
  const address = endpoint.trim();
  const host = address === '' ? undefined : hostOf(address);
  const remote = host !== undefined && !isLoopbackUrl(address);
  if (remote && allowRemote) {
    return `Audio leaves this machine: every recording you make with Talk is sent to ${host}, which hears everything you say while you hold it.`;
  }
  if (remote) {
    return `Audio would leave this machine for ${host}, so recordings are refused until you allow a speech endpoint on another machine.`;
  }
  if (allowRemote) {
    return host === undefined
      ? 'A speech endpoint on another machine is allowed: once you name one, audio leaves this machine.'
      : `A speech endpoint on another machine is allowed. Recordings now go to ${host}, on this machine; name another host and they leave it.`;
  }
  return undefined;
}

/** Settings → Voice: the speech-to-text endpoint, whether it may be elsewhere, and spoken replies. */
export function VoiceSettings({
  ref,
  draft,
  update,
  endpointError,
}: {
  ref?: Ref<HTMLFieldSetElement>;
  draft: Settings;
  update: <K extends keyof Settings>(key: K, value: Settings[K]) => void;
  /** The SettingsSet reply's complaint about the endpoint, if it refused it. */
  endpointError: string | undefined;
}) {
  const hintId = useId();
  const errorId = useId();
  const warningId = useId();
  const warning = audioWarning(draft['voice.speechEndpoint'], draft['voice.allowRemoteEndpoint']);
  return (
    <fieldset ref={ref} aria-labelledby="settings-voice-legend">
      <legend id="settings-voice-legend">Voice</legend>
      <label>
        Speech-to-text endpoint
        <input
          type="text"
          inputMode="url"
          spellCheck={false}
          autoComplete="off"
          value={draft['voice.speechEndpoint']}
          placeholder="http://127.0.0.1:8080"
          aria-invalid={endpointError !== undefined}
          aria-describedby={[hintId, endpointError === undefined ? '' : errorId, warning === undefined ? '' : warningId]
            .filter(Boolean)
            .join(' ')}
          onChange={(event) => update('voice.speechEndpoint', event.target.value.trim())}
        />
      </label>
      <p id={hintId} className="hint">
        An OpenAI-compatible server (<code>POST /v1/audio/transcriptions</code>), such as whisper.cpp’s server or
        faster-whisper-server. Empty turns speech off; Talk then says how to turn it on.
      </p>
      {endpointError !== undefined && (
        <p id={errorId} className="field-error" role="alert">
          Speech-to-text endpoint: {endpointError}
        </p>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={draft['voice.allowRemoteEndpoint']}
          aria-describedby={warning === undefined ? undefined : warningId}
          onChange={(event) => update('voice.allowRemoteEndpoint', event.target.checked)}
        />
        Allow a speech endpoint on another machine (audio leaves this one)
      </label>
      {warning !== undefined && (
        <p id={warningId} className="audio-warning" role="note" aria-label="Where your audio goes">
          {warning}
        </p>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={draft['voice.speakReplies']}
          onChange={(event) => update('voice.speakReplies', event.target.checked)}
        />
        Read replies aloud (your system’s speech synthesis)
      </label>
    </fieldset>
  );
}
