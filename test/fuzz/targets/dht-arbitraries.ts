/**
 * fast-check pieces shared by the Chord and Kelips targets: unicast addresses, servent IDs,
 * urns, file names, keywords, and m-bit identifiers as the Chord codec spells them.
 */
import fc from 'fast-check';
import { keywords } from '../../../src/core/keywords.js';
import { sha1Urn } from '../../../src/protocol/index.js';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** dotted IPv4 whose first byte is 1 … 223 (what both DHT codecs accept) */
export const unicastIp = fc
  .tuple(fc.integer({ min: 1, max: 223 }), u8, u8, fc.integer({ min: 1, max: 254 }))
  .map((p) => p.join('.'));
export const port = fc.integer({ min: 1, max: 65535 });
export const addr = fc.tuple(unicastIp, port).map(([ip, p]) => `${ip}:${p}`);
export const serventId = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => Buffer.from(b).toString('hex'));
export const urn = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((d) => sha1Urn(d));

/** a file name of 1 … `maxBytes` UTF-8 bytes without NUL, '/' or '\' */
export const fileName = (maxBytes: number): fc.Arbitrary<string> =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
    .filter((s) => !/[\0/\\]/.test(s) && Buffer.byteLength(s, 'utf8') <= maxBytes);

const canonical = (w: string): boolean => {
  const k = keywords(w, 1);
  return k.length === 1 && k[0] === w;
};

/** a keyword exactly as core/keywords.ts spells it (ASCII mostly, other scripts too) */
export const keyword = fc
  .oneof(
    { arbitrary: fc.stringMatching(/^[a-z0-9]{2,24}$/), weight: 4 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: 2, maxLength: 12 }), weight: 1 },
  )
  .filter((w) => canonical(w) && Buffer.byteLength(w, 'utf8') <= 64);

/** an identifier of `bits` bits: ceil(bits/4) lower-case hex digits, value < 2^bits */
export const idOf = (bits: number): fc.Arbitrary<string> =>
  fc
    .bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })
    .map((v) => v.toString(16).padStart(Math.ceil(bits / 4), '0'));
