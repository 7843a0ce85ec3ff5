/** base32 (RFC 4648), SHA-1 URNs and GUIDs. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import {
  base32Decode,
  base32Encode,
  canonicalSha1Urn,
  ggepHFromSha1Urn,
  guidEquals,
  guidFromHex,
  guidToHex,
  isModernGuid,
  newGuid,
  parseSha1Urn,
  sha1Urn,
  sha1UrnFromGgepH,
} from '../../src/protocol/index.js';

const SEED = 20260615;
const abc = createHash('sha1').update('abc').digest();

describe('base32', () => {
  it('RFC 4648 test vectors, unpadded', () => {
    const v: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, enc] of v) {
      expect(base32Encode(Buffer.from(plain))).toBe(enc);
      expect(base32Decode(enc)?.toString()).toBe(plain);
      expect(base32Decode(enc.toLowerCase())?.toString()).toBe(plain);
    }
  });

  it('rejects characters outside the alphabet, stray characters and non-zero pad bits', () => {
    expect(base32Decode('MZXW1')).toBeUndefined();
    expect(base32Decode('MZXW6=')).toBeUndefined();
    expect(base32Decode('M')).toBeUndefined();
    expect(base32Decode('MZ')).toBeUndefined();
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(base32Decode(base32Encode(b))?.equals(Buffer.from(b))).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('SHA-1 URNs', () => {
  it('sha1Urn and parseSha1Urn are inverse; input is case-insensitive', () => {
    const urn = sha1Urn(abc);
    expect(urn).toBe('urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5');
    expect(parseSha1Urn(urn)?.equals(abc)).toBe(true);
    expect(parseSha1Urn(urn.toLowerCase())?.equals(abc)).toBe(true);
    expect(parseSha1Urn('URN:SHA1:' + urn.slice(9))?.equals(abc)).toBe(true);
  });

  it('parseSha1Urn rejects other URNs and wrong lengths', () => {
    expect(parseSha1Urn('urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE')).toBeUndefined();
    expect(parseSha1Urn('urn:md5:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5')).toBeUndefined();
    expect(parseSha1Urn('urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE1')).toBeUndefined();
  });

  it('canonicalSha1Urn upper-cases and down-converts bitprints', () => {
    expect(canonicalSha1Urn('urn:sha1:vgmt4nsha2awvor6evyxqugcnsonbwe5')).toBe(sha1Urn(abc));
    const bitprint = 'urn:bitprint:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5.' + 'A'.repeat(39);
    expect(canonicalSha1Urn(bitprint)).toBe(sha1Urn(abc));
    expect(canonicalSha1Urn('urn:bitprint:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5')).toBeUndefined();
    expect(canonicalSha1Urn('urn:tree:tiger:' + 'A'.repeat(39))).toBeUndefined();
    expect(canonicalSha1Urn('urn:')).toBeUndefined();
  });

  it('GGEP H values: type 1 (SHA-1) and 2 (bitprint) carry the SHA-1', () => {
    const h = ggepHFromSha1Urn(sha1Urn(abc));
    expect(h?.toString('hex')).toBe('01' + abc.toString('hex'));
    expect(sha1UrnFromGgepH(h as Buffer)).toBe(sha1Urn(abc));
    expect(sha1UrnFromGgepH(Buffer.concat([Buffer.from([2]), abc, Buffer.alloc(24)]))).toBe(sha1Urn(abc));
    expect(sha1UrnFromGgepH(Buffer.concat([Buffer.from([3]), abc]))).toBeUndefined();
    expect(sha1UrnFromGgepH(Buffer.from([1, 2, 3]))).toBeUndefined();
  });

  it('sha1Urn wants a 20-byte digest', () => {
    expect(() => sha1Urn(Buffer.alloc(19))).toThrow();
  });
});

describe('GUIDs', () => {
  it('newGuid is random, seeded, and marked modern (byte 8 = ff, byte 15 = 00)', () => {
    const a = newGuid(createRng(7));
    const b = newGuid(createRng(7));
    const c = newGuid(createRng(8));
    expect(guidEquals(a, b)).toBe(true);
    expect(guidEquals(a, c)).toBe(false);
    expect([a.length, a[8], a[15], isModernGuid(a)]).toEqual([16, 0xff, 0x00, true]);
    expect(isModernGuid(Buffer.alloc(16))).toBe(false);
  });

  it('hex helpers', () => {
    const g = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    expect(guidToHex(g)).toBe('000102030405060708090a0b0c0d0e0f');
    expect(guidFromHex('000102030405060708090A0B0C0D0E0F')?.equals(g)).toBe(true);
    expect(guidFromHex('0001')).toBeUndefined();
    expect(guidFromHex('zz0102030405060708090a0b0c0d0e0f')).toBeUndefined();
  });
});
