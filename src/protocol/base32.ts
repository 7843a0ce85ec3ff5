/**
 * RFC 4648 base32 (alphabet A–Z 2–7, MSB-first 5-bit groups), without padding, as used by
 * `urn:sha1:` and push-proxy GUIDs. Output is upper-case; input is case-insensitive.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** char code → 5-bit value, or -1 */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  DECODE[ALPHABET.charCodeAt(i)] = i;
  DECODE[ALPHABET.toLowerCase().charCodeAt(i)] = i;
}

const ALPHABET_BYTES = Buffer.from(ALPHABET, 'latin1');

/**
 * base32 of `bytes[start..end)`: 5 bytes → 8 characters at a time into one buffer, then one
 * string (no per-character concatenation). `prefix` (Latin-1) is written in front.
 */
export function base32Encode(bytes: Uint8Array, start = 0, end = bytes.length, prefix = ''): string {
  const n = end - start;
  const out = Buffer.allocUnsafe(prefix.length + Math.ceil((n * 8) / 5));
  const A = ALPHABET_BYTES;
  let o = prefix.length === 0 ? 0 : out.write(prefix, 0, 'latin1');
  let i = start;
  for (; i + 5 <= end; i += 5) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1] as number;
    const b2 = bytes[i + 2] as number;
    const b3 = bytes[i + 3] as number;
    const b4 = bytes[i + 4] as number;
    out[o] = A[b0 >>> 3] as number;
    out[o + 1] = A[((b0 & 7) << 2) | (b1 >>> 6)] as number;
    out[o + 2] = A[(b1 >>> 1) & 31] as number;
    out[o + 3] = A[((b1 & 1) << 4) | (b2 >>> 4)] as number;
    out[o + 4] = A[((b2 & 15) << 1) | (b3 >>> 7)] as number;
    out[o + 5] = A[(b3 >>> 2) & 31] as number;
    out[o + 6] = A[((b3 & 3) << 3) | (b4 >>> 5)] as number;
    out[o + 7] = A[b4 & 31] as number;
    o += 8;
  }
  let acc = 0;
  let bits = 0;
  for (; i < end; i++) {
    acc = ((acc << 8) | (bytes[i] as number)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[o++] = A[(acc >>> bits) & 31] as number;
    }
  }
  if (bits > 0) out[o++] = A[(acc << (5 - bits)) & 31] as number;
  return out.toString('latin1', 0, o);
}

/**
 * Decodes unpadded base32; undefined on any character outside the alphabet or when the
 * leftover bits are not zero (a non-canonical encoding).
 */
export function base32Decode(s: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(Math.floor((s.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (DECODE[c] as number) : -1;
    if (v < 0) return undefined;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // a whole extra character, or non-zero pad bits, is not a canonical encoding
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** True when every character is in the base32 alphabet (either case). */
export function isBase32(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (DECODE[c] as number) < 0) return false;
  }
  return true;
}
