import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServeToExit, startServe, type ServeProcess } from '../support/serve-process';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';
import { tempDir } from '../support/temp';
import { upgradeStatus, WsClient } from '../support/ws-client';

const help = { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' } } } as const;

describe('serve mode over a real WebSocket', () => {
  let fixture: ServeFixture;
  let serve: ServeProcess;
  let client: WsClient;

  beforeAll(async () => {
    fixture = await startServeFixture((workspace) => writeFile(path.join(workspace, 'readme.txt'), 'hello from the workspace\n'));
    ({ serve, client } = fixture);
  });

  afterAll(() => fixture.close());

  it('prints a loopback URL with a token of at least 128 bits', () => {
    const url = new URL(serve.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(Buffer.from(serve.token, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('answers a valid VoiceCommand with ok: true', async () => {
    await expect(client.request(help)).resolves.toMatchObject({
      ok: true,
      value: { intent: 'help', understood: true, say: expect.stringContaining('open a terminal in src') as unknown, results: [] },
    });
  });

  it('answers a 10,001-character command, an unknown type and an oversize message with ValidationFailed, and keeps serving', async () => {
    const tooLong = await client.request({
      type: 'VoiceCommand',
      data: { text: 'x'.repeat(10_001), metadata: { source: 'keyboard' } },
    });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'ValidationFailed', details: [{ path: ['data', 'text'] }] } });
    const unknown = await client.request({ type: 'ReformatDisk', data: {} });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'ValidationFailed', details: [{ path: ['type'] }] } });
    const oversize = await client.request({
      type: 'VoiceCommand',
      data: { text: 'help', metadata: { source: 'keyboard' }, pad: 'p'.repeat(1_100_000) },
    });
    expect(oversize).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    expect((await client.request(help)).ok).toBe(true);
  });

  it('answers frames that are not JSON, have no numeric id or are binary with an error reply, and keeps serving', async () => {
    const before = client.frames.length;
    client.sendRaw('this is not json {');
    client.sendRaw(JSON.stringify({ id: 'seven', message: help }));
    client.sendRaw(JSON.stringify({ message: help }));
    client.sendRaw(Buffer.from([0xff, 0x00, 0x13]));
    const errors = await client.waitFor(() => {
      const fresh = client.frames.slice(before).filter((frame) => frame.id === null);
      return fresh.length >= 4 ? fresh : undefined;
    });
    for (const frame of errors) expect(frame.reply).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
    expect((await client.request(help)).ok).toBe(true);
  });

  it('refuses a wrong token, a missing token and a foreign Origin, and accepts its own Origin', async () => {
    const base = serve.wsUrl.split('?')[0] ?? '';
    expect(await upgradeStatus(`${base}?token=${'A'.repeat(43)}`)).toBe(401);
    expect(await upgradeStatus(base)).toBe(401);
    expect(await upgradeStatus(serve.wsUrl, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(serve.wsUrl, { Origin: `${serve.origin}.attacker.com` })).toBe(403);
    expect(await upgradeStatus(serve.wsUrl, { Origin: 'null' })).toBe(403);
    expect(await upgradeStatus(serve.wsUrl, { Origin: serve.origin })).toBe(101);
    expect((await client.request(help)).ok).toBe(true);
  });

  it('refuses every near miss of the token at the upgrade, from a program that sends no Origin', async () => {
    const base = serve.wsUrl.split('?')[0] ?? '';
    const { token } = serve;
    const oneOff = (index: number) => {
      const replaced = token[index] === 'A' ? 'B' : 'A';
      return `${token.slice(0, index)}${replaced}${token.slice(index + 1)}`;
    };
    const nearMisses = {
      empty: '',
      'first character': token.slice(0, 1),
      prefix: token.slice(0, -1),
      suffix: token.slice(1),
      'last character changed': oneOff(token.length - 1),
      'first character changed': oneOff(0),
      'one extra character': `${token}A`,
      'token twice': `${token}${token}`,
      'other case': token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
    };
    const statuses: Record<string, number> = {};
    // No Origin header: a local program is not a browser, so only the token stands in its way.
    for (const [name, candidate] of Object.entries(nearMisses)) {
      statuses[name] = await upgradeStatus(`${base}?token=${encodeURIComponent(candidate)}`);
    }
    expect(statuses).toEqual(Object.fromEntries(Object.keys(nearMisses).map((name) => [name, 401])));
    expect(await upgradeStatus(`${base}?token=${encodeURIComponent(token)}`)).toBe(101);
  });

  it('refuses requests whose Host is not the served one (DNS rebinding)', async () => {
    expect(await upgradeStatus(serve.wsUrl, { Host: 'attacker.example' })).toBe(404);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = get(serve.url, { headers: { Host: `attacker.example:${new URL(serve.url).port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      request.on('error', reject);
    });
    expect(status).toBe(421);
  });

  it('answers 200 concurrent requests, each with its own reply', async () => {
    const texts = Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? 'help' : `unknown words ${index}`));
    const replies = await Promise.all(
      texts.map((text) => client.request({ type: 'VoiceCommand', data: { text, metadata: { source: 'keyboard' } } })),
    );
    replies.forEach((reply, index) => {
      expect(reply.ok).toBe(true);
      if (reply.ok) expect(reply.value.intent).toBe(index % 2 === 0 ? 'help' : 'unknown');
    });
  });

  it('reads a workspace file and refuses one outside the workspace', async () => {
    const inside = await client.request({ type: 'FileOperation', data: { op: { kind: 'read' }, path: 'readme.txt' } });
    expect(inside).toEqual({
      ok: true,
      value: {
        kind: 'read',
        encoding: 'utf8',
        content: 'hello from the workspace\n',
        size: 25,
        charset: 'utf-8',
        sha256: createHash('sha256').update('hello from the workspace\n').digest('hex'),
      },
    });
    const outside = await client.request({
      type: 'FileOperation',
      data: { op: { kind: 'read' }, path: '../../../../etc/passwd' },
    });
    expect(outside).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
  });

  it('serves the renderer with a strict CSP and the bridge script', async () => {
    const response = await fetch(serve.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('<script type="module" src="/bridge.js"></script>');
    const escape = await fetch(`${serve.origin}/..%2f..%2fpackage.json`);
    expect(escape.status).toBe(404);
  });

  it('serves the app icon at /favicon.ico as an icon (not a 404 the browser logs on every load)', async () => {
    const response = await fetch(`${serve.origin}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/x-icon');
    const body = Buffer.from(await response.arrayBuffer());
    // ICONDIR: reserved 0, type 1 (icon), then at least one image.
    expect(body.readUInt16LE(0)).toBe(0);
    expect(body.readUInt16LE(2)).toBe(1);
    expect(body.readUInt16LE(4)).toBeGreaterThan(0);
    const head = await fetch(`${serve.origin}/favicon.ico`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/x-icon');
  });
});

describe('serve mode start-up and shutdown', () => {
  it('exits non-zero with usage on bad arguments', async () => {
    const dataDir = await tempDir();
    const run = await runServeToExit({ dataDir: dataDir.path, workspaces: [], extraArgs: [] });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--workspace');
    expect(run.stdout).toBe('');
    await dataDir.remove();
  });

  it('shuts down cleanly on SIGINT and SIGTERM', async () => {
    const dataDir = await tempDir();
    const workspace = await tempDir();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
      const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)));
      serve.child.kill(signal);
      expect(await exited).toBe(0);
    }
    await dataDir.remove();
    await workspace.remove();
  });
});
