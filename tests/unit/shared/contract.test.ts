import { describe, expect, it } from 'vitest';
import { messageTypes, parseRequest, requestSchema } from '../../../shared/contract';

const voice = (text: string, metadata: Record<string, unknown> = { source: 'keyboard' }) => ({
  type: 'VoiceCommand',
  data: { text, metadata },
});

describe('the request contract', () => {
  it('accepts each original variant in its DESIGN.md shape', () => {
    const valid = [
      voice('list files', { source: 'voice', confidence: 0.92, language: 'en-GB', durationMs: 1200 }),
      { type: 'FileOperation', data: { op: { kind: 'read' }, path: 'notes/todo.md' } },
      { type: 'TerminalCommand', data: { cmd: 'git', args: ['status', '--short'], cwd: '.', timeoutMs: 5000 } },
    ];
    for (const message of valid) {
      expect(parseRequest(message)).toMatchObject({ ok: true, request: message });
      expect(requestSchema.safeParse(message).success).toBe(true);
    }
  });

  it('takes exactly 10,000 characters of command text and refuses 10,001', () => {
    expect(parseRequest(voice('a'.repeat(10_000))).ok).toBe(true);
    const tooLong = parseRequest(voice('a'.repeat(10_001)));
    expect(tooLong.ok).toBe(false);
    if (!tooLong.ok) expect(tooLong.issues[0]?.path).toEqual(['data', 'text']);
  });

  it('counts characters, not UTF-16 units: 10,000 emoji are allowed', () => {
    expect(parseRequest(voice('🧠'.repeat(10_000))).ok).toBe(true);
    expect(parseRequest(voice('🧠'.repeat(10_001))).ok).toBe(false);
  });

  it('refuses empty or blank command text', () => {
    expect(parseRequest(voice('')).ok).toBe(false);
    expect(parseRequest(voice('   \n\t')).ok).toBe(false);
  });

  it('names an unknown type in its issues', () => {
    const result = parseRequest({ type: 'FormatDisk', data: {} });
    expect(result).toMatchObject({ ok: false, type: 'FormatDisk' });
    if (!result.ok) expect(result.issues[0]).toMatchObject({ path: ['type'], message: 'unknown message type "FormatDisk"' });
  });

  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['no type', { data: {} }],
    ['a numeric type', { type: 7, data: {} }],
    ['extra top-level keys', { type: 'HealthReport', data: {}, sudo: true }],
    ['extra data keys', { type: 'VoiceCommand', data: { text: 'help', metadata: { source: 'keyboard' }, admin: true } }],
    ['a bad metadata source', voice('help', { source: 'telepathy' })],
    ['confidence above 1', voice('help', { source: 'voice', confidence: 1.5 })],
    ['a language that is not a tag', voice('help', { source: 'voice', language: 'english please' })],
    ['TerminalCommand args that are not strings', { type: 'TerminalCommand', data: { cmd: 'ls', args: [1, 2] } }],
    ['TerminalCommand with a NUL in cmd', { type: 'TerminalCommand', data: { cmd: 'ls\0-la', args: [] } }],
    ['TerminalCommand with a zero timeout', { type: 'TerminalCommand', data: { cmd: 'ls', args: [], timeoutMs: 0 } }],
    ['FileOperation with an unknown op', { type: 'FileOperation', data: { op: { kind: 'format' }, path: 'a' } }],
    ['FileOperation with an empty path', { type: 'FileOperation', data: { op: { kind: 'read' }, path: '' } }],
  ])('refuses %s', (_label, message) => {
    expect(parseRequest(message).ok).toBe(false);
    expect(requestSchema.safeParse(message).success).toBe(false);
  });

  it('lists the three original variants among its message types', () => {
    expect(messageTypes).toEqual(expect.arrayContaining(['VoiceCommand', 'FileOperation', 'TerminalCommand']));
  });
});
