import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideUpdate, feedFileName, parseFeed, verifySha512 } from '../../../main/services/updates/decide';

const payload = Buffer.from('the LocalBrain 1.2.0 AppImage, in miniature');
const sha512 = createHash('sha512').update(payload).digest('base64');

/** A feed as electron-builder writes it, with the extra keys it adds. */
function feed(version: string, hash = sha512, url = `LocalBrain-${version}.AppImage`): string {
  return [
    `version: ${version}`,
    'files:',
    `  - url: ${url}`,
    `    sha512: ${hash}`,
    `    size: ${payload.length}`,
    '    blockMapSize: 120',
    `path: ${url}`,
    `sha512: ${hash}`,
    "releaseDate: '2026-12-01T10:00:00.000Z'",
    '',
  ].join('\n');
}

describe('decideUpdate', () => {
  it('tells newer, same and older apart by semantic version', () => {
    expect(decideUpdate('1.1.9', feed('1.2.0'))).toMatchObject({
      kind: 'newer',
      version: '1.2.0',
      file: { sha512, size: payload.length },
    });
    expect(decideUpdate('1.2.0', feed('1.2.0'))).toEqual({ kind: 'same', version: '1.2.0' });
    expect(decideUpdate('1.10.0', feed('1.9.0'))).toEqual({ kind: 'older', version: '1.9.0' });
    // Not a string comparison: 1.10 is newer than 1.9.
    expect(decideUpdate('1.9.0', feed('1.10.0')).kind).toBe('newer');
    // A prerelease of the running version is older; the release after a prerelease is newer.
    expect(decideUpdate('2.0.0', feed('2.0.0-beta.1')).kind).toBe('older');
    expect(decideUpdate('2.0.0-beta.1', feed('2.0.0')).kind).toBe('newer');
  });

  it('keeps a version such as 2.0 a string (failsafe YAML), so it is refused rather than read as the number 2', () => {
    expect(decideUpdate('1.0.0', feed('2.0'))).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('version') as unknown,
    });
  });

  it('calls malformed what is not a feed, and never throws', () => {
    const cases: [string, string][] = [
      ['', 'not an update feed'],
      ['version: [1, 2', 'not YAML'],
      ['just a line of text', 'not an update feed'],
      ['<html><body>Login</body></html>', 'not an update feed'],
      [feed('1.2.0').replace(/files:[\s\S]*?path:/, 'path:'), 'files'],
      [feed('1.2.0', 'abc'), 'sha512'],
      [feed('1.2.0', sha512, 'https://elsewhere.example/evil.AppImage'), 'url'],
      [feed('1.2.0', sha512, '../../etc/passwd'), 'url'],
      [feed('1.2.0', sha512, '/abs/path.AppImage'), 'url'],
      [feed('not-a-version'), 'version'],
      [`${feed('1.2.0')}\n# ${'x'.repeat(70_000)}`, 'over'],
      ['version: 1.2.0\nfiles: []\n', 'files'],
      ['!!js/function "function () {}"', 'not'],
    ];
    for (const [text, reason] of cases) {
      const decision = decideUpdate('1.0.0', text);
      expect(decision.kind, text.slice(0, 60)).toBe('malformed');
      if (decision.kind === 'malformed') expect(decision.reason, text.slice(0, 60)).toContain(reason);
    }
  });

  it('refuses to compare against a running version that is not semantic', () => {
    expect(decideUpdate('dev', feed('1.2.0'))).toMatchObject({ kind: 'malformed' });
  });

  it('ignores keys it does not know', () => {
    expect(parseFeed(`${feed('1.2.0')}stagingPercentage: 50\nreleaseNotes: hi\n`).ok).toBe(true);
  });
});

describe('verifySha512', () => {
  it('accepts the bytes the feed names and refuses any other', () => {
    expect(verifySha512(payload, sha512)).toEqual({ kind: 'verified' });
    const tampered = Buffer.from(payload);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    expect(verifySha512(tampered, sha512)).toMatchObject({ kind: 'wrong-hash' });
    expect(verifySha512(payload, 'not base64 at all')).toMatchObject({ kind: 'wrong-hash' });
    expect(verifySha512(payload, '')).toMatchObject({ kind: 'wrong-hash' });
  });
});

describe('feedFileName', () => {
  it('names the file electron-builder writes for each platform', () => {
    expect(feedFileName('linux')).toBe('latest-linux.yml');
    expect(feedFileName('darwin')).toBe('latest-mac.yml');
    expect(feedFileName('win32')).toBe('latest.yml');
  });
});
