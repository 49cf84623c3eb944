import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../../main/core';
import { voiceLimits } from '../../../shared/contract/voice';
import { encodeWav } from '../../../shared/wav';
import { testSender } from '../../support/sender';
import { tempDir } from '../../support/temp';
import { serveCore } from '../../support/core';

describe('recorded clips become transcripts through the router', () => {
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;
  let core: Core;
  let server: Server;
  let received: number[];
  let url: string;

  beforeEach(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    core = await serveCore(dataDir.path, [workspace.path]);
    received = [];
    server = createServer((request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => {
        received.push(bytes);
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ text: 'list the files', language: 'en' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await core.dispose();
    await workspace.remove();
    await dataDir.remove();
  });

  it('is off by default and says how to turn it on', async () => {
    const { sender } = testSender();
    const wav = Buffer.from(encodeWav(new Int16Array(1_600)));
    await core.router.dispatch({ type: 'VoiceClipAppend', data: { clipId: 'c1', data: wav.toString('base64') } }, sender);
    expect(await core.router.dispatch({ type: 'VoiceTranscribe', data: { clipId: 'c1' } }, sender)).toMatchObject({
      ok: false,
      error: { code: 'Unavailable', message: expect.stringMatching(/Settings/) as unknown },
    });
  });

  it('sends a clip uploaded in pieces to the local endpoint and returns its transcript', async () => {
    const { sender } = testSender();
    expect(
      await core.router.dispatch({ type: 'SettingsSet', data: { values: { 'voice.speechEndpoint': url } } }, sender),
    ).toMatchObject({
      ok: true,
    });
    const wav = Buffer.from(encodeWav(new Int16Array(16_000 * 20)));
    for (let offset = 0; offset < wav.length; offset += voiceLimits.maxClipChunkBytes) {
      const piece = wav.subarray(offset, offset + voiceLimits.maxClipChunkBytes).toString('base64');
      expect(await core.router.dispatch({ type: 'VoiceClipAppend', data: { clipId: 'c2', data: piece } }, sender)).toMatchObject({
        ok: true,
      });
    }
    expect(await core.router.dispatch({ type: 'VoiceTranscribe', data: { clipId: 'c2' } }, sender)).toEqual({
      ok: true,
      value: { text: 'list the files', language: 'en', durationMs: 20_000 },
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toBeGreaterThan(wav.length);
    // The clip is gone once transcribed.
    expect(await core.router.dispatch({ type: 'VoiceTranscribe', data: { clipId: 'c2' } }, sender)).toMatchObject({
      ok: false,
      error: { code: 'NotFound' },
    });
  });

  it('refuses a remote endpoint unless allowed, before any audio leaves', async () => {
    const { sender } = testSender();
    await core.router.dispatch(
      { type: 'SettingsSet', data: { values: { 'voice.speechEndpoint': 'http://192.0.2.1:8080' } } },
      sender,
    );
    const wav = Buffer.from(encodeWav(new Int16Array(1_600)));
    await core.router.dispatch({ type: 'VoiceClipAppend', data: { clipId: 'c3', data: wav.toString('base64') } }, sender);
    expect(await core.router.dispatch({ type: 'VoiceTranscribe', data: { clipId: 'c3' } }, sender)).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
  });
});
