import { isIP } from 'node:net';
import { voiceLimits } from '../../../shared/contract/voice';
import { LocalBrainError } from '../../../shared/errors';

/** Whole request, upload and recognition included: a two-minute clip takes seconds on a local whisper. */
export const transcribeTimeoutMs = 30_000;
/** The path every OpenAI-compatible server (whisper.cpp's server, faster-whisper-server, LocalAI) answers on. */
const transcriptionsPath = '/v1/audio/transcriptions';
/** The model name sent when none is configured; local servers ignore it or map it to what they loaded. */
const defaultModel = 'whisper-1';

export interface SpeechEndpoint {
  /** Base URL (`http://127.0.0.1:8080`) or the full transcriptions URL. */
  readonly url: string;
  /** The person allowed audio to leave this machine. */
  readonly allowRemote: boolean;
  readonly model?: string;
}

export interface Transcript {
  readonly text: string;
  readonly language?: string;
  readonly confidence?: number;
  readonly durationMs: number;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** The transcriptions URL for a configured endpoint; refuses a non-loopback host unless allowed. */
export function transcriptionsUrl(endpoint: SpeechEndpoint): URL {
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    throw new LocalBrainError('ValidationFailed', 'The speech endpoint is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LocalBrainError('ValidationFailed', 'The speech endpoint must be an http or https URL.');
  }
  if (!endpoint.allowRemote && !isLoopbackHost(url.hostname)) {
    throw new LocalBrainError(
      'PermissionDenied',
      `Audio would leave this machine for ${url.hostname}; allow a remote speech endpoint in Settings first.`,
      { host: url.hostname },
    );
  }
  if (!url.pathname.endsWith(transcriptionsPath)) url.pathname = `${url.pathname.replace(/\/+$/, '')}${transcriptionsPath}`;
  return url;
}

/** The length of a PCM WAV clip from its header, or undefined when it is not one. */
export function wavDurationMs(wav: Uint8Array): number | undefined {
  if (wav.length < 44) return undefined;
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const tag = (offset: number) => String.fromCharCode(...wav.subarray(offset, offset + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return undefined;
  let offset = 12;
  let byteRate: number | undefined;
  while (offset + 8 <= wav.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ' && offset + 16 <= wav.length) byteRate = view.getUint32(offset + 16, true);
    if (id === 'data') {
      if (!byteRate) return undefined;
      const dataBytes = Math.min(size, wav.length - offset - 8);
      return Math.round((dataBytes / byteRate) * 1000);
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Checks a clip against the caps before anything is sent. */
export function checkClip(wav: Uint8Array): number {
  if (wav.length > voiceLimits.maxClipBytes) {
    throw new LocalBrainError(
      'ValidationFailed',
      `The recording is ${wav.length} bytes; the limit is ${voiceLimits.maxClipBytes}.`,
      {
        bytes: wav.length,
        maxBytes: voiceLimits.maxClipBytes,
      },
    );
  }
  const durationMs = wavDurationMs(wav);
  if (durationMs === undefined) throw new LocalBrainError('ValidationFailed', 'The recording is not a PCM WAV clip.');
  if (durationMs > voiceLimits.maxClipMs) {
    throw new LocalBrainError(
      'ValidationFailed',
      `The recording is ${Math.round(durationMs / 1000)} s long; the limit is two minutes.`,
      {
        durationMs,
      },
    );
  }
  return durationMs;
}

interface VerboseTranscription {
  text?: unknown;
  language?: unknown;
  segments?: unknown;
}

/** whisper's segments carry avg_logprob; e^mean is a fair 0–1 confidence for the whole clip. */
function confidenceOf(segments: unknown): number | undefined {
  if (!Array.isArray(segments) || segments.length === 0) return undefined;
  const logprobs = segments
    .map((segment: unknown) =>
      typeof segment === 'object' && segment !== null ? (segment as { avg_logprob?: unknown }).avg_logprob : undefined,
    )
    .filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (logprobs.length === 0) return undefined;
  const mean = logprobs.reduce((sum, value) => sum + value, 0) / logprobs.length;
  return Math.min(1, Math.max(0, Math.exp(mean)));
}

/** Whisper names languages ("english"); the contract wants a BCP 47 tag, so only short codes pass. */
function languageOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$/.test(value) ? value : undefined;
}

/**
 * Sends a WAV clip to an OpenAI-compatible transcription endpoint as multipart form data
 * (Node's own fetch, FormData and Blob) and returns the text. Size and length are checked
 * before sending; the request is cut off after 30 s or when `signal` aborts.
 */
export async function transcribe(
  wav: Uint8Array,
  endpoint: SpeechEndpoint,
  options: { signal?: AbortSignal; language?: string; timeoutMs?: number } = {},
): Promise<Transcript> {
  const url = transcriptionsUrl(endpoint);
  const durationMs = checkClip(wav);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'clip.wav');
  form.append('model', endpoint.model ?? defaultModel);
  form.append('response_format', 'verbose_json');
  if (options.language !== undefined) form.append('language', options.language);
  const timeoutMs = options.timeoutMs ?? transcribeTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body: form, signal, redirect: 'error' });
  } catch (error) {
    if (timeout.aborted) throw new LocalBrainError('Timeout', `The speech endpoint did not answer within ${timeoutMs / 1000} s.`);
    if (options.signal?.aborted)
      throw new LocalBrainError('Unavailable', 'The transcription was cancelled.', { cancelled: true });
    throw new LocalBrainError('Unavailable', `The speech endpoint at ${url.host} could not be reached.`, undefined, {
      cause: error,
    });
  }
  let body: VerboseTranscription | null;
  try {
    if (!response.ok) {
      await response.body?.cancel();
      throw new LocalBrainError('Unavailable', `The speech endpoint answered HTTP ${response.status}.`, {
        status: response.status,
      });
    }
    body = (await response.json()) as VerboseTranscription | null;
  } catch (error) {
    if (error instanceof LocalBrainError) throw error;
    if (timeout.aborted) throw new LocalBrainError('Timeout', `The speech endpoint did not answer within ${timeoutMs / 1000} s.`);
    throw new LocalBrainError('Unavailable', 'The speech endpoint sent something that is not a transcription.');
  }
  if (typeof body !== 'object' || body === null || typeof body.text !== 'string') {
    throw new LocalBrainError('Unavailable', 'The speech endpoint sent something that is not a transcription.');
  }
  const language = languageOf(body.language);
  const confidence = confidenceOf(body.segments);
  return {
    text: body.text.trim(),
    durationMs,
    ...(language === undefined ? {} : { language }),
    ...(confidence === undefined ? {} : { confidence }),
  };
}
