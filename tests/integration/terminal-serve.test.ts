import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { WsClient } from '../support/ws-client';

type Folder = Awaited<ReturnType<typeof tempDir>>;

describe('TerminalCommand and Confirm over serve mode', () => {
  let serve: ServeProcess;
  let client: WsClient;
  let workspace: Folder;
  let dataDir: Folder;

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path] });
    client = await WsClient.connect(serve.wsUrl);
  });

  afterAll(async () => {
    await client.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  });

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

    const other = await WsClient.connect(serve.wsUrl);
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
