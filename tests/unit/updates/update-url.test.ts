import { describe, expect, it } from 'vitest';
import { settingsPatchSchema } from '../../../shared/contract/settings';

describe('the updates.url setting', () => {
  const accepts = (url: string) => settingsPatchSchema.safeParse({ 'updates.url': url }).success;

  it('takes an https folder, or nothing', () => {
    expect(accepts('')).toBe(true);
    expect(accepts('https://updates.example.org/localbrain/')).toBe(true);
    expect(accepts('https://updates.example.org:8443/localbrain?channel=stable')).toBe(true);
  });

  it('refuses every other scheme, credentials, fragments and junk', () => {
    for (const url of [
      'http://updates.example.org/localbrain/',
      'HTTP://updates.example.org/',
      'file:///opt/updates/',
      'ftp://updates.example.org/',
      'javascript:alert(1)',
      'data:text/plain,version: 9.9.9',
      'https://user:pass@updates.example.org/',
      'https://token@updates.example.org/',
      'https://updates.example.org/#x',
      'https://updates.example.org/a b',
      'updates.example.org/localbrain',
      ' https://updates.example.org/',
      `https://updates.example.org/${'a'.repeat(3000)}`,
    ]) {
      expect(accepts(url), url).toBe(false);
    }
    expect(settingsPatchSchema.safeParse({ 'updates.url': 42 }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ 'updates.enabled': 'yes' }).success).toBe(false);
  });

  it('says why it refused', () => {
    const result = settingsPatchSchema.safeParse({ 'updates.url': 'http://updates.example.org/' });
    expect(result.success ? '' : result.error.issues[0]?.message).toContain('https');
  });
});
