import { useEffect, useRef, useState } from 'react';
import { voiceLimits } from '../../../shared/contract/voice';
import { encodeWav, floatToPcm16, speechSampleRate } from '../../../shared/wav';
import { ReplyError, request } from '../api';

type Transcribed = (
  text: string,
  metadata: { source: 'voice'; confidence?: number; language?: string; durationMs?: number },
) => void;

/** MediaRecorder hands data over this often, so letting go loses little. */
const timesliceMs = 250;

interface Recording {
  readonly stream: MediaStream;
  readonly recorder: MediaRecorder;
  readonly chunks: Blob[];
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Decodes what MediaRecorder made (WebM/Opus) and resamples it to 16 kHz mono by decoding in a 16 kHz context. */
async function toWav(recorded: Blob): Promise<Uint8Array> {
  const context = new AudioContext({ sampleRate: speechSampleRate });
  try {
    const audio = await context.decodeAudioData(await recorded.arrayBuffer());
    return encodeWav(floatToPcm16(audio.getChannelData(0)));
  } finally {
    await context.close();
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}

/**
 * Push-to-talk: hold the button (or Ctrl+Shift+Space) to record 16 kHz mono audio; on
 * release the WAV goes to main in pieces, main sends it to the configured speech
 * endpoint, and the transcript runs as a VoiceCommand with `source: "voice"`.
 */
export function TalkButton({
  onTranscript,
  disabled,
  onOpenSettings,
}: {
  onTranscript: Transcribed;
  disabled?: boolean;
  /** Opens Settings → Voice, where speech is turned on and its endpoint chosen. */
  onOpenSettings?: () => void;
}) {
  const [enabled, setEnabled] = useState<boolean>();
  const [state, setState] = useState<'idle' | 'recording' | 'sending'>('idle');
  const [message, setMessage] = useState<{ text: string; settings?: boolean }>();
  const recording = useRef<Recording | undefined>(undefined);
  const clipSeq = useRef(0);

  // Whether an endpoint is set, read when the button appears; a press before the answer waits for it.
  const speechOn = useRef<Promise<boolean> | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const loading = request({ type: 'SettingsGet', data: {} }).then(
      ({ values }) => values['voice.speechEndpoint'] !== '',
      () => false,
    );
    speechOn.current = loading;
    void loading.then((on) => live && setEnabled(on));
    return () => {
      live = false;
    };
  }, []);

  const start = async () => {
    if (recording.current || state !== 'idle') return;
    if (!(enabled ?? (await speechOn.current) ?? false)) {
      setMessage({
        text: 'Speech is off. To talk, set a speech-to-text endpoint (such as whisper.cpp’s server on 127.0.0.1) in Settings → Voice.',
        settings: true,
      });
      return;
    }
    setMessage(undefined);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
      const recorder = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      recorder.ondataavailable = (event) => chunks.push(event.data);
      recorder.start(timesliceMs);
      // The two-minute cap: recording stops by itself.
      const timer = setTimeout(() => void stop(), voiceLimits.maxClipMs);
      recording.current = { stream, recorder, chunks, timer };
      setState('recording');
    } catch {
      setMessage({ text: 'The microphone could not be opened.' });
    }
  };

  const stop = async () => {
    const current = recording.current;
    if (!current) return;
    recording.current = undefined;
    clearTimeout(current.timer);
    const stopped = new Promise((resolve) => current.recorder.addEventListener('stop', resolve, { once: true }));
    current.recorder.stop();
    await stopped;
    for (const track of current.stream.getTracks()) track.stop();
    const clipId = `clip-${Date.now()}-${++clipSeq.current}`;
    setState('sending');
    try {
      const wav = await toWav(new Blob(current.chunks, { type: current.recorder.mimeType }));
      for (let at = 0; at < wav.length; at += voiceLimits.maxClipChunkBytes) {
        await request({
          type: 'VoiceClipAppend',
          data: { clipId, data: toBase64(wav.subarray(at, at + voiceLimits.maxClipChunkBytes)) },
        });
      }
      const transcript = await request({ type: 'VoiceTranscribe', data: { clipId } });
      if (transcript.text.trim() === '') setMessage({ text: 'Nothing was heard.' });
      else
        onTranscript(transcript.text, {
          source: 'voice',
          durationMs: transcript.durationMs,
          ...(transcript.confidence === undefined ? {} : { confidence: transcript.confidence }),
          ...(transcript.language === undefined ? {} : { language: transcript.language }),
        });
    } catch (error) {
      if (error instanceof ReplyError) {
        // Refused (another host, not allowed) or not there (off, unreachable): the fix is in Settings → Voice.
        const cancelled = (error.payload.details as { cancelled?: unknown } | undefined)?.cancelled === true;
        const settings = error.payload.code === 'PermissionDenied' || (error.payload.code === 'Unavailable' && !cancelled);
        setMessage({ text: error.payload.message, settings });
      } else setMessage({ text: 'The recording could not be sent.' });
    } finally {
      setState('idle');
    }
  };

  // Hold Ctrl+Shift+Space anywhere to talk.
  useEffect(() => {
    const isShortcut = (event: KeyboardEvent) => event.code === 'Space' && event.ctrlKey && event.shiftKey;
    const down = (event: KeyboardEvent) => {
      if (!isShortcut(event) || event.repeat) return;
      event.preventDefault();
      void start();
    };
    const up = (event: KeyboardEvent) => {
      if (event.code !== 'Space' || !recording.current) return;
      event.preventDefault();
      void stop();
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  });

  return (
    <>
      <button
        type="button"
        className="talk"
        aria-pressed={state === 'recording'}
        disabled={disabled === true || state === 'sending'}
        title={enabled ? 'Hold to talk (or hold Ctrl+Shift+Space)' : 'Speech is off: set an endpoint in Settings → Voice'}
        onPointerDown={() => void start()}
        onPointerUp={() => void stop()}
        onPointerLeave={() => void stop()}
        onKeyDown={(event) => {
          if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
            event.preventDefault();
            void start();
          }
        }}
        onKeyUp={(event) => {
          if (event.key === ' ' || event.key === 'Enter') void stop();
        }}
      >
        {state === 'recording' ? 'Listening…' : state === 'sending' ? 'Transcribing…' : 'Talk'}
      </button>
      {message !== undefined && (
        <p className="reply muted talk-message" role="status" aria-label="Speech">
          {message.text}
          {message.settings === true && onOpenSettings !== undefined && (
            <>
              {' '}
              <button type="button" className="link" onClick={onOpenSettings}>
                Open Settings → Voice
              </button>
            </>
          )}
        </p>
      )}
    </>
  );
}
