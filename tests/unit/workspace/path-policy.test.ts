import { describe, expect, it } from 'vitest';
import { isInside } from '../../../main/services/workspace/inside';
import { checkRequestedPath } from '../../../main/services/workspace/path-policy';

describe('checkRequestedPath', () => {
  const windowsRefused = [
    '\\\\server\\share\\x',
    '\\\\?\\C:\\Windows',
    '\\\\.\\PhysicalDrive0',
    '//?/C:/x',
    'C:relative',
    'c:..\\x',
    'CON',
    'nul',
    'aux.txt',
    'docs\\COM1',
    'LPT9.log',
    'conin$',
    'readme.md::$DATA',
    'readme.md:stream',
    'name.',
    'name ',
    'docs./x',
    'a<b',
    'a|b',
    'a\u0001b',
  ];

  it.each(windowsRefused)('refuses %j on Windows with ValidationFailed', (requested) => {
    expect(() => checkRequestedPath(requested, 'win32')).toThrow(expect.objectContaining({ code: 'ValidationFailed' }) as Error);
  });

  it.each(['docs\\guide.md', 'C:\\Users\\me\\ws\\a.txt', 'C:/Users/me/ws', '..\\x', 'console.log', 'com10', 'a.b'])(
    'lets %j through on Windows (containment decides)',
    (requested) => {
      expect(() => checkRequestedPath(requested, 'win32')).not.toThrow();
    },
  );

  it('leaves names alone on POSIX, where they are just names, but refuses NUL everywhere', () => {
    for (const name of ['CON', 'name.', 'a:b', '\\\\server\\x', 'C:x'])
      expect(() => checkRequestedPath(name, 'linux')).not.toThrow();
    expect(() => checkRequestedPath('a\0b', 'linux')).toThrow(expect.objectContaining({ code: 'ValidationFailed' }) as Error);
  });
});

describe('isInside', () => {
  it('treats a shared prefix as outside and a name starting with dots as inside', () => {
    expect(isInside('/w/ws', '/w/ws')).toBe(true);
    expect(isInside('/w/ws', '/w/ws/a')).toBe(true);
    expect(isInside('/w/ws', '/w/ws/..foo')).toBe(true);
    expect(isInside('/w/ws', '/w/ws-evil/a')).toBe(false);
    expect(isInside('/w/ws', '/w')).toBe(false);
    expect(isInside('/w/ws', '/w/WS/a')).toBe(false);
    expect(isInside('/w/ws', '/w/WS/a', true)).toBe(true);
  });
});
