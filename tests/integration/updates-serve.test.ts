import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeFixture, type ServeFixture } from '../support/serve-fixture';

/** Serve mode has no installer to replace: update checks answer Unavailable, and the settings still refuse a weak address. */
describe('updates over serve mode', () => {
  let fixture: ServeFixture;

  beforeAll(async () => {
    fixture = await startServeFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('checks, downloads and installs are Unavailable; the status says why', async () => {
    const { client } = fixture;
    expect(await client.request({ type: 'UpdateStatus', data: {} })).toMatchObject({
      ok: true,
      value: { supported: false, reason: expect.stringContaining('serve mode') as unknown, state: { status: 'disabled' } },
    });
    // Even with checks turned on and an address set, nothing is contacted.
    expect(
      await client.request({
        type: 'SettingsSet',
        data: { values: { 'updates.enabled': true, 'updates.url': 'https://updates.invalid/localbrain/' } },
      }),
    ).toMatchObject({ ok: true });
    for (const type of ['UpdateCheck', 'UpdateDownload', 'UpdateInstall']) {
      expect(await client.request({ type, data: {} }), type).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
    }
    expect(await client.request({ type: 'UpdateCheck', data: { url: 'https://x' } })).toMatchObject({
      ok: false,
      error: { code: 'ValidationFailed' },
    });
  });

  it('the update address refuses http and credentials', async () => {
    for (const url of ['http://updates.example/', 'https://me:secret@updates.example/', 'file:///tmp/feed/']) {
      expect(await fixture.client.request({ type: 'SettingsSet', data: { values: { 'updates.url': url } } }), url).toMatchObject({
        ok: false,
        error: { code: 'ValidationFailed' },
      });
    }
  });
});
