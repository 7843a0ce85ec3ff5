/**
 * RFC 4648 base32 (alphabet A–Z 2–7, no padding) as used by `urn:sha1:` (a 20-byte
 * SHA-1 is exactly 32 base32 characters, no padding). Kept local to the share library
 * so it does not depend on the wire codec.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = ((buffer << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes unpadded base32, any case; undefined when a character is outside the alphabet. */
export function base32Decode(text: string): Buffer | undefined {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text.toUpperCase()) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

const SHA1_URN_PREFIX = 'urn:sha1:';
const BITPRINT_URN_PREFIX = 'urn:bitprint:';
/** 20 bytes of SHA-1 → 32 base32 characters */
const SHA1_BASE32_LENGTH = 32;
const BASE32_RE = /^[A-Z2-7]+$/;

export function sha1Urn(digest: Uint8Array): string {
  return SHA1_URN_PREFIX + base32Encode(digest);
}

/**
 * Canonical `urn:sha1:<UPPER BASE32>` of a query urn, any case; also takes the SHA-1 part
 * of `urn:bitprint:<sha1>.<tiger>`. Undefined for anything else.
 */
export function normaliseSha1Urn(urn: string): string | undefined {
  const lower = urn.trim().toLowerCase();
  let body: string;
  if (lower.startsWith(SHA1_URN_PREFIX)) body = urn.trim().slice(SHA1_URN_PREFIX.length);
  else if (lower.startsWith(BITPRINT_URN_PREFIX))
    body = urn.trim().slice(BITPRINT_URN_PREFIX.length).split('.')[0] ?? '';
  else return undefined;
  body = body.toUpperCase();
  if (body.length !== SHA1_BASE32_LENGTH || !BASE32_RE.test(body)) return undefined;
  return SHA1_URN_PREFIX + body;
}
