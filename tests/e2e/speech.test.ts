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

  /** Opens Settings and returns its Voice section. */
  async function voiceSettings() {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    const voice = page.getByRole('group', { name: 'Voice' });
    await voice.waitFor();
    return voice;
  }

  async function saveSettings(): Promise<void> {
    await page.getByRole('button', { name: 'Save settings' }).click();
  }

  async function holdTalk(): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Command' }).click();
    const talk = page.getByRole('main').getByRole('button', { name: 'Talk' });
    await talk.hover();
    await page.mouse.down();
    await page.waitForTimeout(600);
    await page.mouse.up();
  }

  it('Settings → Voice: a refused endpoint shows the reason beside the field; another host shows plainly where audio goes', async () => {
    const voice = await voiceSettings();
    const endpointField = voice.getByRole('textbox', { name: 'Speech-to-text endpoint' });
    const allow = voice.getByRole('checkbox', { name: /Allow a speech endpoint on another machine/ });
    // Loopback and not allowed: nothing to warn about.
    await expect.poll(() => voice.getByRole('note').count()).toBe(0);

    await endpointField.fill('ftp://speech.example.com');
    await saveSettings();
    await voice.getByRole('alert').getByText('Speech-to-text endpoint: the endpoint must be an http(s) URL').waitFor();
    expect(await endpointField.getAttribute('aria-invalid')).toBe('true');

    await endpointField.fill('http://speech.example.com:9000');
    const note = voice.getByRole('note', { name: 'Where your audio goes' });
    expect(await note.textContent()).toContain('Audio would leave this machine for speech.example.com');
    await saveSettings();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    expect(await endpointField.getAttribute('aria-invalid')).toBe('false');

    await allow.check();
    expect(await note.textContent()).toMatch(/^Audio leaves this machine: every recording .* is sent to speech\.example\.com/);
    await saveSettings();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    // After a reload the warning is still there, before anything is touched.
    await page.reload();
    await page.getByRole('status', { name: 'Connection' }).getByText('Connected').waitFor();
    const reloaded = await voiceSettings();
    expect(await reloaded.getByRole('note', { name: 'Where your audio goes' }).textContent()).toContain(
      'Audio leaves this machine',
    );
    expect(await reloaded.getByRole('note', { name: 'Where your audio goes' }).textContent()).toContain('speech.example.com');
    const settings = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localbrain.invoke({ type: 'SettingsGet', data: {} }),
    );
    expect(settings).toMatchObject({
      ok: true,
      value: { values: { 'voice.speechEndpoint': 'http://speech.example.com:9000', 'voice.allowRemoteEndpoint': true } },
    });
  });

  it('a host other than this machine, not allowed, is refused by the speech client before any audio leaves, and Talk says why', async () => {
    const voice = await voiceSettings();
    await voice.getByRole('checkbox', { name: /Allow a speech endpoint on another machine/ }).uncheck();
    await saveSettings();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    const uploadsBefore = uploads.length;

    await holdTalk();
    const said = page.getByRole('main').getByRole('status', { name: 'Speech' });
    await said.getByText(/Audio would leave this machine for speech\.example\.com; allow a remote speech endpoint/).waitFor();
    expect(uploads).toHaveLength(uploadsBefore);
    const audit = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localbrain.invoke({
        type: 'AuditQuery',
        data: { type: 'VoiceTranscribe', limit: 1 },
      }),
    );
    expect(audit).toMatchObject({
      ok: true,
      value: { entries: [{ outcome: 'PermissionDenied', summary: { endpoint: 'http://speech.example.com:9000' } }] },
    });

    // The way out is one click away.
    await said.getByRole('button', { name: 'Open Settings → Voice' }).click();
    const field = page.getByRole('group', { name: 'Voice' }).getByRole('textbox', { name: 'Speech-to-text endpoint' });
    await expect.poll(() => field.evaluate((element) => element === document.activeElement)).toBe(true);
  });

  it('without an endpoint, Talk says how to turn speech on and takes you to Settings → Voice', async () => {
    const voice = await voiceSettings();
    await voice.getByRole('textbox', { name: 'Speech-to-text endpoint' }).fill('');
    await saveSettings();
    await page.getByRole('status').getByText('Settings saved.').waitFor();

    await holdTalk();
    const said = page.getByRole('main').getByRole('status', { name: 'Speech' });
    await said.getByText(/^Speech is off\. To talk, set a speech-to-text endpoint .* in Settings → Voice\./).waitFor();
    expect(await page.getByRole('main').getByRole('button', { name: 'Talk' }).getAttribute('title')).toContain(
      'Settings → Voice',
    );
    await said.getByRole('button', { name: 'Open Settings → Voice' }).click();
    const field = page.getByRole('group', { name: 'Voice' }).getByRole('textbox', { name: 'Speech-to-text endpoint' });
    await expect.poll(() => field.evaluate((element) => element === document.activeElement)).toBe(true);
    expect(await field.inputValue()).toBe('');
  });
});
