/**
 * GGEP blocks: length chunks at their boundaries, COBS, zlib (and only zlib), consecutive
 * blocks, and every structural error with its code.
 */
import { deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import { CodecError, buildGgep, cobsDecode, cobsEncode } from '../../src/protocol/index.js';
import { DecodedGgep, writeGgepLength } from '../../src/protocol/ggep.js';
import { DEFAULT_CODEC_LIMITS } from '../../src/protocol/limits.js';
import { WireWriter } from '../../src/protocol/writer.js';
import { hexBytes } from './byte-builder.js';

function state(inflateLeft = 65536): { limits: typeof DEFAULT_CODEC_LIMITS; inflateLeft: number } {
  return { limits: DEFAULT_CODEC_LIMITS, inflateLeft };
}

function read(bytes: Buffer): DecodedGgep {
  return new DecodedGgep(bytes, 0, bytes.length, state());
}

function codeOf(bytes: Buffer): string {
  try {
    read(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).action).toBe('drop');
    return (e as ProtocolError).code;
  }
  return 'none';
}

describe('GGEP length field', () => {
  it.each([
    [0, '40'],
    [1, '41'],
    [63, '7f'],
    [64, '8140'],
    [4095, 'bf7f'],
    [4096, '818040'],
    [262143, 'bfbf7f'],
  ])('%i → %s, and back', (n, hex) => {
    const w = new WireWriter(4);
    writeGgepLength(w, n);
    expect(w.finish().toString('hex')).toBe(hex);
    const block = Buffer.concat([hexBytes('c3 81 41'), hexBytes(hex), Buffer.alloc(n, 0x61)]);
    const g = read(block);
    expect(g.extensions[0]?.data.length).toBe(n);
    expect(g.end).toBe(block.length);
  });

  it('a length over 18 bits cannot be written', () => {
    expect(() => writeGgepLength(new WireWriter(4), 262144)).toThrow(ProtocolError);
  });

  it('gnutella-bun-client’s "81 40" reads as 64, the standard meaning', () => {
    const g = read(Buffer.concat([hexBytes('c3 81 41 81 40'), Buffer.alloc(64)]));
    expect(g.extensions[0]?.data.length).toBe(64);
  });

  it.each([
    ['a 0x00 length byte', 'c3 81 41 00'],
    ['both chunk bits set', 'c3 81 41 c1 00'],
    ['more than 3 chunks', 'c3 81 41 80 80 80 40'],
  ])('rejects %s', (_n, hex) => expect(codeOf(hexBytes(hex))).toBe(CodecError.GGEP_BAD_LENGTH));
});

describe('GGEP structure', () => {
  it.each([
    ['reserved flag bit 4', 'c3 91 41 40', CodecError.GGEP_BAD_FLAGS],
    ['ID length 0', 'c3 80 40', CodecError.GGEP_BAD_FLAGS],
    ['NUL inside the ID', 'c3 82 41 00 40', CodecError.GGEP_BAD_ID],
    ['data past the end', 'c3 81 41 45 01 02', CodecError.GGEP_TRUNCATED],
    ['ID past the end', 'c3 83 41 42', CodecError.GGEP_TRUNCATED],
    ['no extension with the last flag', 'c3 01 41 40 01 42 40', CodecError.GGEP_TRUNCATED],
    ['length field cut short', 'c3 81 41 81', CodecError.GGEP_TRUNCATED],
    ['a block with no extension', 'c3', CodecError.GGEP_TRUNCATED],
    ['not starting with 0xC3', '81 41 40', CodecError.GGEP_BAD_MAGIC],
    ['COBS group past the data', 'c3 c1 41 42 05 01', CodecError.GGEP_BAD_COBS],
    ['compressed data that is not zlib', 'c3 a1 41 43 01 02 03', CodecError.GGEP_BAD_ZLIB],
  ])('%s', (_n, hex, code) => expect(codeOf(hexBytes(hex))).toBe(code));

  it('compressed means a zlib stream (RFC 1950): raw deflate is rejected', () => {
    const data = Buffer.from('hello hello hello hello');
    const raw = deflateRawSync(data);
    const bad = Buffer.concat([hexBytes('c3 a1 5a'), Buffer.from([0x40 | raw.length]), raw]);
    expect(codeOf(bad)).toBe(CodecError.GGEP_BAD_ZLIB);
    const z = deflateSync(data);
    const good = Buffer.concat([hexBytes('c3 a1 5a'), Buffer.from([0x40 | z.length]), z]);
    expect(read(good).extensions[0]?.data.toString()).toBe(data.toString());
  });

  it('consecutive blocks are one area; the encoder writes them back as they came', () => {
    const g = read(hexBytes('c3 81 41 40 c3 81 42 41 07 ff'));
    expect(g.extensions.map((e) => [e.id, e.data.toString('hex')])).toEqual([
      ['A', ''],
      ['B', '07'],
    ]);
    expect(g.end).toBe(9);
    expect(g.raw.toString('hex')).toBe('c3814140c381424107');
  });

  it('IDs compare binary and keep their case', () => {
    const g = read(hexBytes('c3 01 75 40 81 55 40'));
    expect(g.extensions.map((e) => e.id)).toEqual(['u', 'U']);
  });
});

describe('building GGEP', () => {
  it('compress → COBS on the way out, COBS⁻¹ → inflate on the way in', () => {
    const data = Buffer.concat([Buffer.alloc(300), Buffer.from('tail')]);
    const g = buildGgep([{ id: 'ALT', data, compress: true }], { cobs: true });
    const raw = g.raw as Buffer;
    expect(raw[1]).toBe(0x80 | 0x40 | 0x20 | 3);
    expect(raw.includes(0)).toBe(false);
    expect(raw.length).toBeLessThan(data.length);
    expect(read(raw).extensions[0]?.data.equals(data)).toBe(true);
  });

  it('compression is skipped when it does not shrink the data', () => {
    const g = buildGgep([{ id: 'VC', data: Buffer.from('GTKG\x83', 'latin1'), compress: true }]);
    expect(g.raw?.toString('hex')).toBe('c3825643454754 4b4783'.replace(' ', ''));
  });

  it('COBS only where asked and only when the data holds a zero', () => {
    expect(buildGgep([{ id: 'X', data: Buffer.from([0, 1]) }]).raw?.toString('hex')).toBe(
      'c381584200 01'.replace(' ', ''),
    );
    expect(buildGgep([{ id: 'X', data: Buffer.from([0, 1]) }], { cobs: true }).raw?.toString('hex')).toBe(
      'c3c158430102 01'.replace(' ', ''),
    );
    expect(buildGgep([{ id: 'X', data: Buffer.from([2, 1]) }], { cobs: true }).raw?.toString('hex')).toBe(
      'c381584202 01'.replace(' ', ''),
    );
  });

  it('a block needs at least one extension', () => {
    expect(() => buildGgep([])).toThrow(ProtocolError);
  });
});

describe('COBS', () => {
  it('254 non-zero bytes form one 0xFF group', () => {
    const data = Buffer.alloc(254, 7);
    const enc = cobsEncode(data);
    expect([enc[0], enc.length]).toEqual([0xff, 256]);
    expect(cobsDecode(enc).equals(data)).toBe(true);
    // a final 0xFF group without the empty group after it decodes the same
    expect(cobsDecode(enc.subarray(0, 255)).equals(data)).toBe(true);
  });

  it('round-trips data with zeros at both ends and long runs', () => {
    for (const data of [
      Buffer.from([0, 0]),
      Buffer.concat([Buffer.from([0]), Buffer.alloc(600, 9), Buffer.from([0])]),
      Buffer.alloc(0),
    ]) {
      const enc = cobsEncode(data);
      expect(enc.includes(0)).toBe(false);
      expect(cobsDecode(enc).equals(data)).toBe(true);
    }
  });

  it('rejects a zero byte inside encoded data', () => {
    expect(() => cobsDecode(hexBytes('03 11 00'))).toThrow(ProtocolError);
  });
});
