import { describe, expect, it } from 'vitest';
import { builtAppLocation, isAppUrl, type AppLocation } from '../../../main/electron/app-origin';

const built = builtAppLocation();
const dev: AppLocation = { kind: 'dev', origin: 'http://localhost:5173' };

describe('isAppUrl: the sender check', () => {
  it.each([
    ['localbrain://app/index.html', true],
    ['localbrain://app/', true],
    ['localbrain://app/assets/index.js?x=1#y', true],
    ['LOCALBRAIN://APP/index.html', true],
    ['localbrain://app.evil/index.html', false],
    ['localbrain://application/index.html', false],
    ['localbrain://evil.app/index.html', false],
    ['localbrain://user@app/index.html', false],
    ['localbrain://app:8080/index.html', false],
    ['localbrain-evil://app/index.html', false],
    ['file:///work/main/out/renderer/index.html', false],
    ['file:///tmp/evil.html', false],
    ['file://app/index.html', false],
    ['https://app.example.attacker.com/', false],
    ['https://app/', false],
    ['http://localhost:5173/', false],
    ['about:blank', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['javascript:alert(1)', false],
    ['chrome-extension://abc/index.html', false],
    ['devtools://devtools/bundled/inspector.html', false],
    ['', false],
    ['not a url', false],
  ])('built app: %s → %s', (url, trusted) => {
    expect(isAppUrl(url, built)).toBe(trusted);
  });

  it.each([
    ['http://localhost:5173/', true],
    ['http://localhost:5173/src/main.tsx', true],
    ['http://localhost:5174/', false],
    ['https://localhost:5173/', false],
    ['http://localhost:5173.attacker.com/', false],
    ['http://localhost.attacker.com:5173/', false],
    ['http://evil@localhost:5173/', false],
    ['http://127.0.0.1:5173/', false],
    ['ws://localhost:5173/', false],
    ['localbrain://app/index.html', false],
    ['file:///tmp/index.html', false],
  ])('dev server: %s → %s', (url, trusted) => {
    expect(isAppUrl(url, dev)).toBe(trusted);
  });
});
