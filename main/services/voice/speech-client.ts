import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { voiceLimits } from '../../../shared/contract/voice';
import { LocalBrainError } from '../../../shared/errors';
import { isIpLiteral, isLoopbackHost } from '../../../shared/loopback';

export { isLoopbackUrl } from '../../../shared/loopback';

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

/** The boundary and body of a `multipart/form-data` request, built in one buffer so it goes out in one write. */
export interface Multipart {
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * Encodes text fields and one file as `multipart/form-data` (RFC 7578). The boundary is
 * random and, should it happen to occur in the audio, drawn again, so no part can end early.
 */
export function encodeMultipart(
  fields: readonly (readonly [string, string])[],
  file: { readonly name: string; readonly filename: string; readonly type: string; readonly bytes: Uint8Array },
): Multipart {
  const bytes = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  let boundary = `LocalBrain${randomBytes(16).toString('hex')}`;
  while (bytes.includes(boundary, 0, 'latin1') || fields.some(([, value]) => value.includes(boundary)))
    boundary = `LocalBrain${randomBytes(16).toString('hex')}`;
  const head = (disposition: string, type?: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; ${disposition}\r\n${type === undefined ? '' : `Content-Type: ${type}\r\n`}\r\n`;
  const quoted = (value: string) => value.replace(/["\r\n\\]/g, (character) => encodeURIComponent(character));
  const parts: Buffer[] = [
    Buffer.from(head(`name="${quoted(file.name)}"; filename="${quoted(file.filename)}"`, file.type)),
    bytes,
    Buffer.from('\r\n'),
  ];
  for (const [name, value] of fields) parts.push(Buffer.from(`${head(`name="${quoted(name)}"`)}${value}\r\n`));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

/**
 * Idle connections are closed after this long: under the keep-alive timeout of the servers we
 * talk to (Node's http server and cpp-httplib, which whisper.cpp's server uses, both close at 5 s),
 * so a kept socket is ours to close, not one the server is closing as we write.
 */
const idleSocketMs = 4_000;
/** The largest transcription reply read; a verbose two-minute transcript is tens of kilobytes. */
const maxReplyBytes = 4 * 1024 * 1024;

/**
 * Resolves a loopback name (`localhost`, `*.localhost`) to loopback addresses only, so a
 * resolver that answers such a name with another host cannot carry audio off the machine.
 */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    const local = error ? [] : addresses.filter((entry) => isLoopbackHost(entry.address));
    const first = local[0];
    if (first === undefined) {
      callback(error ?? Object.assign(new Error(`${hostname} does not resolve to this machine.`), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (options.all === true) callback(null, local);
    else callback(null, first.address, first.family);
  });
};

interface HttpReply {
  readonly status: number;
  readonly body: Buffer;
}

class ReplyTooLarge extends Error {}

/**
 * Sends WAV clips to an OpenAI-compatible transcription endpoint. It keeps the connection
 * open between clips (one keep-alive agent per scheme, idle sockets closed after 4 s), so a
 * spoken command does not pay for a new TCP (and TLS) connection each time; the request goes
 * out as one prebuilt multipart buffer with Nagle off. `dispose()` closes every socket.
 */
export class SpeechClient {
  readonly #http = new HttpAgent({ keepAlive: true, maxSockets: 4, timeout: idleSocketMs });
  readonly #https = new HttpsAgent({ keepAlive: true, maxSockets: 4, timeout: idleSocketMs });
  #disposed = false;

  /**
   * Transcribes one clip. Size and length are checked before sending; the request is cut off
   * after 30 s (or `timeoutMs`) or when `signal` aborts.
   */
  async transcribe(
    wav: Uint8Array,
    endpoint: SpeechEndpoint,
    options: { signal?: AbortSignal; language?: string; timeoutMs?: number } = {},
  ): Promise<Transcript> {
    if (this.#disposed) throw new LocalBrainError('Unavailable', 'The speech client is closed.');
    const url = transcriptionsUrl(endpoint);
    const durationMs = checkClip(wav);
    const form = encodeMultipart(
      [
        ['model', endpoint.model ?? defaultModel],
        ['response_format', 'verbose_json'],
        ...(options.language === undefined ? [] : [['language', options.language] as const]),
      ],
      { name: 'file', filename: 'clip.wav', type: 'audio/wav', bytes: wav },
    );
    const timeoutMs = options.timeoutMs ?? transcribeTimeoutMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
    let reply: HttpReply;
    try {
      reply = await this.#post(url, form, signal);
    } catch (error) {
      if (deadline.signal.aborted)
        throw new LocalBrainError('Timeout', `The speech endpoint did not answer within ${timeoutMs / 1000} s.`);
      if (options.signal?.aborted)
        throw new LocalBrainError('Unavailable', 'The transcription was cancelled.', { cancelled: true });
      if (error instanceof ReplyTooLarge)
        throw new LocalBrainError('Unavailable', 'The speech endpoint sent something that is not a transcription.');
      throw new LocalBrainError('Unavailable', `The speech endpoint at ${url.host} could not be reached.`, undefined, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    // Redirects are not followed: audio goes to the host the person named, nowhere else.
    if (reply.status < 200 || reply.status > 299) {
      throw new LocalBrainError('Unavailable', `The speech endpoint answered HTTP ${reply.status}.`, { status: reply.status });
    }
    let body: VerboseTranscription | null;
    try {
      body = JSON.parse(reply.body.toString('utf8')) as VerboseTranscription | null;
    } catch {
      body = null;
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

  /** Closes every kept connection; later calls are refused. */
  dispose(): void {
    this.#disposed = true;
    this.#http.destroy();
    this.#https.destroy();
  }

  async #post(url: URL, form: Multipart, signal: AbortSignal): Promise<HttpReply> {
    try {
      return await this.#once(url, form, signal);
    } catch (error) {
      // A kept socket the server closed just as we wrote to it: try once on a new connection.
      if (error instanceof StaleSocket && !signal.aborted) return this.#once(url, form, signal);
      throw error instanceof StaleSocket ? error.cause : error;
    }
  }

  #once(url: URL, form: Multipart, signal: AbortSignal): Promise<HttpReply> {
    signal.throwIfAborted();
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpReply>((resolve, reject) => {
      const request = send(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.#https : this.#http,
        ...(isLoopbackHost(url.hostname) && !isIpLiteral(url.hostname) ? { lookup: loopbackLookup } : {}),
        headers: { 'content-type': form.contentType, 'content-length': form.body.length, accept: 'application/json' },
      });
      const onAbort = () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (outcome: () => void) => {
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      request.on('socket', (socket) => socket.setNoDelay(true));
      request.on('error', (error: NodeJS.ErrnoException) =>
        settle(() => reject(request.reusedSocket && error.code === 'ECONNRESET' ? new StaleSocket(error) : error)),
      );
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxReplyBytes) {
            request.destroy(new ReplyTooLarge());
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => settle(() => reject(error)));
        response.on('end', () => settle(() => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) })));
        // Cut off mid-reply (cancelled, timed out, too large, the server went away): not a transcription.
        response.on('close', () => {
          if (!response.complete) settle(() => reject(new Error('the reply was cut off')));
        });
      });
      request.end(form.body);
    });
  }
}

class StaleSocket extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/** One transcription on a client of its own, closed afterwards (tests and one-off callers). */
export async function transcribe(
  wav: Uint8Array,
  endpoint: SpeechEndpoint,
  options: { signal?: AbortSignal; language?: string; timeoutMs?: number } = {},
): Promise<Transcript> {
  const client = new SpeechClient();
  try {
    return await client.transcribe(wav, endpoint, options);
  } finally {
    client.dispose();
  }
}
