import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkClip, transcribe, transcriptionsUrl, wavDurationMs } from '../../../main/services/voice/speech-client';
import { encodeWav } from '../../../shared/wav';
import { LocalBrainError } from '../../../shared/errors';

interface Received {
  readonly path: string;
  readonly form: FormData;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A local stand-in for whisper.cpp's server: records what it got and answers as told. */
async function speechServer(
  answer: (received: Received) => Promise<{ status: number; body: unknown }> | { status: number; body: unknown },
) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const form = await new Response(new Uint8Array(body), {
        headers: { 'content-type': request.headers['content-type'] ?? '' },
      }).formData();
      const entry = { path: request.url ?? '', form };
      received.push(entry);
      const { status, body: reply } = await answer(entry);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

const clip = (seconds: number) => encodeWav(new Int16Array(16_000 * seconds).fill(1_000));

async function failure(promise: Promise<unknown>): Promise<LocalBrainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LocalBrainError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the speech-to-text client', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('posts the WAV as OpenAI-compatible multipart to /v1/audio/transcriptions and reads the verbose reply', async () => {
    const stub = await speechServer(() => ({
      status: 200,
      body: { text: ' open a terminal in src ', language: 'en', segments: [{ avg_logprob: -0.1 }, { avg_logprob: -0.3 }] },
    }));
    servers.push(stub.server);
    const wav = clip(1);
    const transcript = await transcribe(wav, { url: stub.url, allowRemote: false });
    expect(transcript).toEqual({
      text: 'open a terminal in src',
      language: 'en',
      confidence: expect.closeTo(Math.exp(-0.2), 5) as unknown,
      durationMs: 1000,
    });
    const [request] = stub.received;
    expect(request?.path).toBe('/v1/audio/transcriptions');
    const file = request?.form.get('file');
    expect(file).toBeInstanceOf(Blob);
    expect((file as File).name).toBe('clip.wav');
    expect((file as File).type).toBe('audio/wav');
    expect(Buffer.from(await (file as File).arrayBuffer()).equals(Buffer.from(wav))).toBe(true);
    expect(request?.form.get('model')).toBe('whisper-1');
    expect(request?.form.get('response_format')).toBe('verbose_json');
  });

  it('gives Timeout when the server is slow, and Unavailable for a cancelled request', async () => {
    const stub = await speechServer(() => new Promise(() => undefined));
    servers.push(stub.server);
    expect(await failure(transcribe(clip(1), { url: stub.url, allowRemote: false }, { timeoutMs: 300 }))).toMatchObject({
      code: 'Timeout',
    });
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 50);
    expect(await failure(transcribe(clip(1), { url: stub.url, allowRemote: false }, { signal: cancel.signal }))).toMatchObject({
      code: 'Unavailable',
      details: { cancelled: true },
    });
  });

  it('refuses a 26 MB clip and a clip over two minutes before sending anything', async () => {
    const stub = await speechServer(() => ({ status: 200, body: { text: 'x' } }));
    servers.push(stub.server);
    const big = encodeWav(new Int16Array(13 * 1024 * 1024));
    expect(big.length).toBeGreaterThan(26 * 1000 * 1000);
    expect(await failure(transcribe(big, { url: stub.url, allowRemote: false }))).toMatchObject({ code: 'ValidationFailed' });
    expect(() => checkClip(clip(121))).toThrow(/two minutes/);
    expect(stub.received).toHaveLength(0);
  });

  it('refuses a non-loopback endpoint unless the person allowed it', () => {
    expect(() => transcriptionsUrl({ url: 'http://speech.example.com', allowRemote: false })).toThrow(/leave this machine/);
    expect(() => transcriptionsUrl({ url: 'http://10.0.0.5:8080', allowRemote: false })).toThrow(/leave this machine/);
    expect(transcriptionsUrl({ url: 'http://speech.example.com', allowRemote: true }).href).toBe(
      'http://speech.example.com/v1/audio/transcriptions',
    );
    expect(transcriptionsUrl({ url: 'http://localhost:8080/', allowRemote: false }).pathname).toBe('/v1/audio/transcriptions');
    expect(transcriptionsUrl({ url: 'http://[::1]:9000/v1/audio/transcriptions', allowRemote: false }).port).toBe('9000');
    expect(() => transcriptionsUrl({ url: 'file:///etc/passwd', allowRemote: true })).toThrow(/http/);
  });

  it('reads the length of a WAV from its header and refuses what is not one', async () => {
    expect(wavDurationMs(clip(2))).toBe(2000);
    expect(wavDurationMs(new Uint8Array(100))).toBeUndefined();
    const stub = await speechServer(() => ({ status: 500, body: {} }));
    servers.push(stub.server);
    expect(await failure(transcribe(new Uint8Array(64), { url: stub.url, allowRemote: false }))).toMatchObject({
      code: 'ValidationFailed',
    });
    expect(await failure(transcribe(clip(1), { url: stub.url, allowRemote: false }))).toMatchObject({ code: 'Unavailable' });
  });
});
