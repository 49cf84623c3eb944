import { describe, expect, it } from 'vitest';
import { encodePtyDataFrame } from '../../../main/transport/pty-frame';
import { decodePtyDataFrame } from '../../../shared/wire';

const decoder = new TextDecoder();

describe('PtyData binary frame (serve mode)', () => {
  it('carries output with multi-byte characters whole, with the same UTF-16 length the receiver acknowledges', () => {
    const data = 'ls\r\nnaïve café — 日本語 🙂\x1b[31mred\x1b[0m\r\n'.repeat(1000);
    const frame = encodePtyDataFrame({ sessionId: 'session-1', data });
    const decoded = decodePtyDataFrame(frame, decoder);
    expect(decoded).toEqual({ sessionId: 'session-1', data });
    expect(decoded?.data.length).toBe(data.length);
    // Smaller than the JSON frame it replaces: no escapes for control characters.
    expect(frame.length).toBeLessThan(
      Buffer.byteLength(JSON.stringify({ event: { type: 'PtyData', data: { sessionId: 'session-1', data } } })),
    );
  });

  it('keeps the replay flag and empty output', () => {
    expect(decodePtyDataFrame(encodePtyDataFrame({ sessionId: 'a', data: 'scrollback', replay: true }), decoder)).toEqual({
      sessionId: 'a',
      data: 'scrollback',
      replay: true,
    });
    expect(decodePtyDataFrame(encodePtyDataFrame({ sessionId: 'a', data: '' }), decoder)).toEqual({ sessionId: 'a', data: '' });
  });

  it('reads an unknown or truncated frame as nothing', () => {
    expect(decodePtyDataFrame(Uint8Array.from([9, 0, 0]), decoder)).toBeUndefined();
    expect(decodePtyDataFrame(Uint8Array.from([1, 0]), decoder)).toBeUndefined();
    expect(decodePtyDataFrame(Uint8Array.from([1, 0, 10, 65]), decoder)).toBeUndefined();
  });
});
