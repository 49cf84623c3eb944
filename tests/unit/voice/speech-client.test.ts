import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkClip,
  encodeMultipart,
  isLoopbackUrl,
  SpeechClient,
  transcribe,
  transcriptionsUrl,
  wavDurationMs,
} from '../../../main/services/voice/speech-client';
import { encodeWav } from '../../../shared/wav';
import { LocalBrainError } from '../../../shared/errors';

interface Received {
  readonly path: string;
  readonly form: FormData;
  /** Which connection carried the request: the client port the server saw. */
  readonly remotePort: number | undefined;
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
      const entry = { path: request.url ?? '', form, remotePort: request.socket.remotePort };
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

  it('keeps one connection open across clips, and closes it when disposed', async () => {
    const stub = await speechServer(() => ({ status: 200, body: { text: 'hello' } }));
    servers.push(stub.server);
    const client = new SpeechClient();
    for (let index = 0; index < 3; index++) {
      expect(await client.transcribe(clip(1), { url: stub.url, allowRemote: false })).toMatchObject({ text: 'hello' });
    }
    const ports = new Set(stub.received.map((received) => received.remotePort));
    expect(ports.size).toBe(1);
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        stub.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    expect(await connections()).toBe(1);
    client.dispose();
    await expect.poll(connections, { timeout: 2_000 }).toBe(0);
    expect(await failure(client.transcribe(clip(1), { url: stub.url, allowRemote: false }))).toMatchObject({
      code: 'Unavailable',
    });
  });

  it('does not follow a redirect elsewhere, and refuses a reply that is not a transcription', async () => {
    let redirected = 0;
    const elsewhere: Server = createServer((_request, response) => {
      redirected += 1;
      response.end('{"text":"stolen"}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    servers.push(elsewhere);
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`;
    const mover: Server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(307, { location: target }).end());
    });
    await new Promise<void>((resolve) => mover.listen(0, '127.0.0.1', resolve));
    servers.push(mover);
    const moverUrl = `http://127.0.0.1:${(mover.address() as AddressInfo).port}`;
    expect(await failure(transcribe(clip(1), { url: moverUrl, allowRemote: false }))).toMatchObject({
      code: 'Unavailable',
      details: { status: 307 },
    });
    expect(redirected).toBe(0);
    const huge = await speechServer(() => ({ status: 200, body: { text: 'x'.repeat(5 * 1024 * 1024) } }));
    servers.push(huge.server);
    expect(await failure(transcribe(clip(1), { url: huge.url, allowRemote: false }))).toMatchObject({
      code: 'Unavailable',
      message: expect.stringMatching(/not a transcription/) as unknown,
    });
  });

  it('encodes multipart with a boundary that never occurs in the audio', async () => {
    const audio = new TextEncoder().encode('RIFF....--LocalBrain and some more bytes\r\n--');
    const { contentType, body } = encodeMultipart([['language', 'en']], {
      name: 'file',
      filename: 'clip.wav',
      type: 'audio/wav',
      bytes: audio,
    });
    const boundary = /boundary=(.+)$/.exec(contentType)?.[1] ?? '';
    expect(boundary).toMatch(/^LocalBrain[0-9a-f]{32}$/);
    expect(Buffer.from(audio).includes(boundary)).toBe(false);
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    expect(form.get('language')).toBe('en');
    expect(Buffer.from(await (form.get('file') as File).arrayBuffer()).equals(Buffer.from(audio))).toBe(true);
  });

  it('tells a loopback endpoint from one that sends audio away, and reaches localhost by its loopback address', async () => {
    const stub = await speechServer(() => ({ status: 200, body: { text: 'by name' } }));
    servers.push(stub.server);
    const byName = stub.url.replace('127.0.0.1', 'localhost');
    expect(await transcribe(clip(1), { url: byName, allowRemote: false })).toMatchObject({ text: 'by name' });
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:9000/', 'http://[::1]:8080', 'https://127.1.2.3'])
      expect(isLoopbackUrl(url)).toBe(true);
    for (const url of ['http://10.0.0.5:8080', 'https://speech.example.com', 'http://127.0.0.1.example.com', 'not a url'])
      expect(isLoopbackUrl(url)).toBe(false);
  });
});
