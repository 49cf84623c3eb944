import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';
import { WsClient } from '../support/ws-client';

function outputOf(events: readonly AppEvent[], sessionId: string): string {
  return events
    .filter(
      (event): event is Extract<AppEvent, { type: 'PtyData' }> => event.type === 'PtyData' && event.data.sessionId === sessionId,
    )
    .map((event) => event.data.data)
    .join('');
}

function exitsOf(events: readonly AppEvent[], sessionId: string) {
  return events.filter((event) => event.type === 'PtyExit' && event.data.sessionId === sessionId);
}

async function spawnShell(client: WsClient, cols = 80, rows = 24): Promise<string> {
  const reply = await client.request({ type: 'PtySpawn', data: { cols, rows, shell: '/bin/sh' } });
  if (!reply.ok) throw new Error(`spawn failed: ${reply.error.message}`);
  return reply.value.sessionId;
}

describe('PTY sessions over serve mode', () => {
  let fixture: ServeFixture;
  let client: WsClient;

  beforeAll(async () => {
    fixture = await startServeFixture();
    client = fixture.client;
  });

  afterAll(() => fixture.close());

  it('echoes a random marker, follows a resize in `tput cols`, and sends one PtyExit on kill', async () => {
    const sessionId = await spawnShell(client);
    const marker = `m-${randomBytes(8).toString('hex')}`;
    // The shell prints the marker split by quotes in the echo of the input, whole only in the output.
    expect(
      (
        await client.request({
          type: 'PtyWrite',
          data: { sessionId, data: `echo "${marker.slice(0, 4)}""${marker.slice(4)}"\n` },
        })
      ).ok,
    ).toBe(true);
    await client.waitFor(() => (outputOf(client.events, sessionId).includes(marker) ? true : undefined));

    expect((await client.request({ type: 'PtyResize', data: { sessionId, cols: 133, rows: 40 } })).ok).toBe(true);
    await client.request({ type: 'PtyWrite', data: { sessionId, data: 'echo "cols=$(tput cols)"\n' } });
    await client.waitFor(() => (outputOf(client.events, sessionId).includes('cols=133') ? true : undefined));

    expect((await client.request({ type: 'PtyKill', data: { sessionId } })).ok).toBe(true);
    await client.waitFor(() => (exitsOf(client.events, sessionId).length > 0 ? true : undefined));
    // Give a late duplicate time to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exitsOf(client.events, sessionId)).toHaveLength(1);
    const afterExit = client.events.findIndex((event) => event.type === 'PtyExit' && event.data.sessionId === sessionId);
    expect(
      client.events.slice(afterExit + 1).filter((event) => event.type === 'PtyData' && event.data.sessionId === sessionId),
    ).toEqual([]);
    const list = await client.request({ type: 'PtyList', data: {} });
    expect(list.ok && list.value.sessions.some((session) => session.sessionId === sessionId)).toBe(false);
  });

  it('gives the shell an allowlisted environment without the app secrets', async () => {
    const sessionId = await spawnShell(client);
    await client.request({ type: 'PtyWrite', data: { sessionId, data: 'env; echo END""MARK; exit\n' } });
    await client.waitFor(() => (exitsOf(client.events, sessionId).length > 0 ? true : undefined));
    const env = outputOf(client.events, sessionId);
    expect(env).toContain('ENDMARK');
    expect(env).toContain('TERM=xterm-256color');
    expect(env).toContain('COLORTERM=truecolor');
    expect(env).not.toContain('LOCALBRAIN_DB_KEY');
    expect(env).not.toContain('NODE_OPTIONS');
    expect(env).not.toContain('ELECTRON_RUN_AS_NODE');
    expect(env).not.toContain('LOCALBRAIN_LOG_LEVEL');
  });

  it('refuses a cwd outside the workspace, a shell not in /etc/shells, and another client’s session', async () => {
    const outside = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24, cwd: '/etc' } });
    expect(outside).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    const notAShell = await client.request({ type: 'PtySpawn', data: { cols: 80, rows: 24, shell: '/usr/bin/python3' } });
    expect(notAShell).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
    const badSize = await client.request({ type: 'PtySpawn', data: { cols: 0, rows: 24 } });
    expect(badSize).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });

    const sessionId = await spawnShell(client);
    const other = await WsClient.connect(fixture.serve.wsUrl);
    try {
      const write = await other.request({ type: 'PtyWrite', data: { sessionId, data: 'echo hi\n' } });
      expect(write).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
      const unknown = await other.request({ type: 'PtyKill', data: { sessionId: 'no-such-session' } });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'NotFound' } });
    } finally {
      await other.close();
    }
    await client.request({ type: 'PtyKill', data: { sessionId } });
  });

  it('lets a new connection reattach to a running session and replays its scrollback', async () => {
    const first = await WsClient.connect(fixture.serve.wsUrl);
    const reply = await first.request({ type: 'PtySpawn', data: { cols: 80, rows: 24, shell: '/bin/sh' } });
    if (!reply.ok) throw new Error(reply.error.message);
    const { sessionId } = reply.value;
    await first.request({ type: 'PtyWrite', data: { sessionId, data: 'echo before""reload\n' } });
    await first.waitFor(() => (outputOf(first.events, sessionId).includes('beforereload') ? true : undefined));
    await first.close();

    const second = await WsClient.connect(fixture.serve.wsUrl);
    try {
      const list = await second.request({ type: 'PtyList', data: {} });
      expect(list.ok && list.value.sessions.find((session) => session.sessionId === sessionId)).toMatchObject({
        orphaned: true,
        mine: false,
      });
      const attached = await second.request({ type: 'PtyAttach', data: { sessionId } });
      expect(attached).toMatchObject({ ok: true, value: { sessionId, mine: true } });
      await second.waitFor(() => (outputOf(second.events, sessionId).includes('beforereload') ? true : undefined));
      expect(second.events.find((event) => event.type === 'PtyData')).toMatchObject({ data: { replay: true } });
      await second.request({ type: 'PtyWrite', data: { sessionId, data: 'echo after""reload\n' } });
      await second.waitFor(() => (outputOf(second.events, sessionId).includes('afterreload') ? true : undefined));
      await second.request({ type: 'PtyKill', data: { sessionId } });
      await second.waitFor(() => (exitsOf(second.events, sessionId).length > 0 ? true : undefined));
    } finally {
      await second.close();
    }
  });
});
