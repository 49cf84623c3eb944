import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBrainApi } from '../../shared/api';
import { launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';

interface PageGlobals {
  readonly localbrain: LocalBrainApi;
}

/** Push-to-talk through Chromium's fake microphone, fed a WAV that espeak-ng speaks, to a local stand-in for whisper. */
describe('speech in Chromium', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let endpoint: Server;
  const uploads: Buffer[] = [];
  const folders: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    const workspace = await tempDir();
    const dataDir = await tempDir();
    const audio = await tempDir();
    folders.push(workspace, dataDir, audio);
    await writeFile(path.join(workspace.path, 'spoken-list.md'), '# listed\n');
    const wav = path.join(audio.path, 'say.wav');
    execFileSync('espeak-ng', ['-w', wav, 'list the files']);
    endpoint = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        uploads.push(Buffer.concat(chunks));
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ text: 'list the files', language: 'en' }));
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    browser = await launchChromium([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required',
    ]);
    page = await browser.context.newPage();
    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
    await page.evaluate(
      (speechEndpoint) =>
        (globalThis as unknown as PageGlobals).localbrain.invoke({
          type: 'SettingsSet',
          data: { values: { 'voice.speechEndpoint': speechEndpoint } },
        }),
      url,
    );
    await page.reload();
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
  });

  afterAll(async () => {
    await browser.close();
    await serve.stop();
    endpoint.closeAllConnections();
    await new Promise((resolve) => endpoint.close(resolve));
    for (const folder of folders) await folder.remove();
  });

  it('records while Talk is held, sends a WAV to the local endpoint, and runs the transcript as a voice command', async () => {
    const talk = page.getByRole('button', { name: 'Talk' });
    await talk.hover();
    await page.mouse.down();
    await page.getByRole('button', { name: 'Listening…' }).waitFor();
    await page.waitForTimeout(1_500);
    await page.mouse.up();
    await page.getByRole('log', { name: 'Replies' }).getByRole('list', { name: 'Files' }).getByText('spoken-list.md').waitFor();
    expect(uploads).toHaveLength(1);
    const body = uploads[0]?.toString('latin1') ?? '';
    expect(body).toContain('filename="clip.wav"');
    expect(body).toContain('RIFF');
    expect(body).toContain('WAVE');
    const audit = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localbrain.invoke({ type: 'AuditQuery', data: { type: 'VoiceCommand', limit: 1 } }),
    );
    expect(audit).toMatchObject({ ok: true, value: { entries: [{ summary: { source: 'voice', language: 'en' } }] } });
  });
});
