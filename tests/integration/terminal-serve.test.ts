import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';
import { WsClient } from '../support/ws-client';

describe('TerminalCommand and Confirm over serve mode', () => {
  let fixture: ServeFixture;
  let client: WsClient;

  beforeAll(async () => {
    fixture = await startServeFixture();
    client = fixture.client;
  });

  afterAll(() => fixture.close());

  it('prints shell metacharacters literally', async () => {
    const args = ['; rm -rf ~', '$(id)', '`id`', '| cat /etc/passwd'];
    const reply = await client.request({ type: 'TerminalCommand', data: { cmd: 'echo', args } });
    expect(reply).toMatchObject({ ok: true, value: { stdout: `${args.join(' ')}\n`, exitCode: 0, truncated: false } });
  });

  it('denies sudo ls', async () => {
    const reply = await client.request({ type: 'TerminalCommand', data: { cmd: 'sudo', args: ['ls'] } });
    expect(reply).toMatchObject({ ok: false, error: { code: 'PermissionDenied' } });
  });

  it('runs an "ask" command only with a valid, unused token, from the same client', async () => {
    const asked = await client.request({ type: 'TerminalCommand', data: { cmd: 'sh', args: ['-c', 'echo ran-$((20+22))'] } });
    expect(asked).toMatchObject({
      ok: false,
      error: { code: 'ConfirmationRequired', details: { action: 'sh -c echo ran-$((20+22))' } },
    });
    const token = asked.ok ? '' : (asked.error.details as { token: string }).token;

    const other = await WsClient.connect(fixture.serve.wsUrl);
    try {
      expect(await other.request({ type: 'Confirm', data: { token } })).toMatchObject({
        ok: false,
        error: { code: 'PermissionDenied' },
      });
    } finally {
      await other.close();
    }
    expect(await client.request({ type: 'Confirm', data: { token: 'A'.repeat(43) } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
    expect(await client.request({ type: 'Confirm', data: { token } })).toMatchObject({
      ok: true,
      value: { type: 'TerminalCommand', value: { stdout: 'ran-42\n', exitCode: 0 } },
    });
    expect(await client.request({ type: 'Confirm', data: { token } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied' },
    });
  });
});
