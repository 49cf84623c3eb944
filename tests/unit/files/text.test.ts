import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText, encodeText, looksBinary } from '../../../main/services/files/text';

describe('text encodings', () => {
  it('property: what a save encodes, a read decodes to the same text and charset', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 200 });
    fc.assert(
      fc.property(text, fc.constantFrom('utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be' as const), (content, charset) => {
        // Plain UTF-8 cannot carry NUL (that is how binary is told apart) or start with a BOM character.
        fc.pre(charset !== 'utf-8' || (!content.includes('\0') && !content.startsWith('\uFEFF')));
        fc.pre(charset !== 'utf-8-bom' || !content.includes('\0'));
        expect(decodeText(encodeText(content, charset))).toEqual({ kind: 'text', charset, text: content });
      }),
      { numRuns: 2000 },
    );
  });

  it('calls invalid UTF-8, NUL-bearing bytes and odd-length UTF-16 binary', () => {
    expect(decodeText(Buffer.from([0xc3, 0x28]))).toEqual({ kind: 'binary' });
    expect(decodeText(Buffer.from([0x61, 0x00, 0x62]))).toEqual({ kind: 'binary' });
    expect(decodeText(Buffer.from([0xff, 0xfe, 0x61]))).toEqual({ kind: 'binary' });
    expect(decodeText(Buffer.alloc(0))).toEqual({ kind: 'text', charset: 'utf-8', text: '' });
    expect(looksBinary(Buffer.from('plain text'))).toBe(false);
    expect(looksBinary(Buffer.from([0x50, 0x00]))).toBe(true);
    expect(looksBinary(Buffer.from([0xff, 0xfe, 0x61, 0x00]))).toBe(false);
  });
});
