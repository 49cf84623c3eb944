import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfirmationDetails } from '../../shared/contract/confirm';
import type { VoiceCommandReply } from '../../shared/contract/voice';
import type { Envelope } from '../../shared/envelope';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';

const say = (text: string) => ({ type: 'VoiceCommand', data: { text, metadata: { source: 'keyboard' } } }) as const;

function tokenOf(reply: Envelope<unknown>): ConfirmationDetails {
  if (reply.ok || reply.error.code !== 'ConfirmationRequired')
    throw new Error(`expected ConfirmationRequired, got ${JSON.stringify(reply)}`);
  return reply.error.details as ConfirmationDetails;
}

/** The sentences over a real serve process and WebSocket, checked by what they did. */
describe('spoken commands over serve mode, by their effects', () => {
  let fixture: ServeFixture;

  beforeAll(async () => {
    fixture = await startServeFixture(async (workspace) => {
      for (const folder of ['src', 'notes', 'docs']) await mkdir(path.join(workspace, folder));
      await writeFile(path.join(workspace, 'README.md'), '# Voice readme\n');
      await writeFile(path.join(workspace, 'src', 'index.ts'), 'export {};\n');
    });
  });

  afterAll(() => fixture.close());

  it('"open a terminal in src": PtyList shows a session whose cwd is src', async () => {
    const reply = await fixture.client.request(say('open a terminal in src'));
    expect(reply).toMatchObject({ ok: true, value: { intent: 'open_terminal', show: { view: 'terminals' } } });
    const list = await fixture.client.request({ type: 'PtyList', data: {} });
    expect(list).toMatchObject({ ok: true, value: { sessions: [{ cwd: path.join(fixture.workspace, 'src') }] } });
  });

  it('"show me the readme": the reply holds its text', async () => {
    expect(await fixture.client.request(say('show me the readme'))).toMatchObject({
      ok: true,
      value: { intent: 'read_file', results: [{ value: { content: '# Voice readme\n' } }] },
    });
  });

  it('"create a file called hello.txt in notes": the file exists', async () => {
    expect(await fixture.client.request(say('create a file called hello.txt in notes'))).toMatchObject({ ok: true });
    expect(existsSync(path.join(fixture.workspace, 'notes', 'hello.txt'))).toBe(true);
  });

  it('"switch to the light theme": SettingsGet says light', async () => {
    expect(await fixture.client.request(say('switch to the light theme'))).toMatchObject({ ok: true });
    expect(await fixture.client.request({ type: 'SettingsGet', data: {} })).toMatchObject({
      ok: true,
      value: { values: { 'appearance.theme': 'light' } },
    });
  });

  it('"delete the src folder": nothing happens until Confirm', async () => {
    const asked = tokenOf(await fixture.client.request(say('delete the src folder')));
    expect(asked.plan?.steps).toMatchObject([
      { message: { type: 'FileOperation', data: { op: { kind: 'delete' }, path: 'src' } } },
    ]);
    expect(existsSync(path.join(fixture.workspace, 'src'))).toBe(true);
    expect(await fixture.client.request({ type: 'Confirm', data: { token: asked.token } })).toMatchObject({ ok: true });
    expect(existsSync(path.join(fixture.workspace, 'src'))).toBe(false);
  });

  it('"run rm -rf ~" and "git push -f": nothing happens until Confirm', async () => {
    const rm = tokenOf(await fixture.client.request(say('run rm -rf ~')));
    expect(rm.plan?.steps[0]?.message).toEqual({ type: 'TerminalCommand', data: { cmd: 'rm', args: ['-rf', '~'] } });
    expect(await fixture.client.request({ type: 'ConfirmCancel', data: { token: rm.token } })).toMatchObject({ ok: true });
    const push = tokenOf(await fixture.client.request(say('git push -f')));
    expect(push).toMatchObject({ kind: 'VoicePlan', reason: expect.stringMatching(/git push/) as unknown });
    const audit = await fixture.client.request({ type: 'AuditQuery', data: { type: 'TerminalCommand' } });
    // The push was only asked about; rm was never even dispatched.
    expect(audit).toMatchObject({ ok: true, value: { entries: [{ outcome: 'ConfirmationRequired', summary: { cmd: 'git' } }] } });
  });

  it('writes every step to the audit log with the voice actor and the plan id', async () => {
    const reply = await fixture.client.request(say('list the files in docs'));
    const planId = reply.ok ? (reply.value as VoiceCommandReply).plan.id : '';
    const audit = await fixture.client.request({ type: 'AuditQuery', data: { type: 'FileOperation', limit: 1 } });
    expect(audit).toMatchObject({
      ok: true,
      value: {
        entries: [{ actor: expect.stringMatching(/^voice:serve:/) as unknown, summary: { op: 'list', path: 'docs', planId } }],
      },
    });
    expect(await fixture.client.request({ type: 'AuditVerify', data: {} })).toMatchObject({ ok: true, value: { ok: true } });
  });
});
