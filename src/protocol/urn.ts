/**
 * HUGE URNs. The canonical form is `urn:sha1:` + 32 upper-case base32 characters of the
 * 20-byte SHA-1 of the whole file. On input the prefix and the base32 are case-insensitive,
 * and `urn:bitprint:<sha1>.<tiger>` is down-converted to its SHA-1 part.
 */
import { base32Decode, base32Encode, isBase32 } from './base32.js';
import { GGEP_H_BITPRINT, GGEP_H_SHA1, SHA1_SIZE } from './constants.js';
import { encodeError } from './error-codes.js';

export const SHA1_URN_PREFIX = 'urn:sha1:';
const BITPRINT_PREFIX = 'urn:bitprint:';
/** base32 characters of a SHA-1 digest */
const SHA1_B32_LENGTH = 32;
/** base32 characters of a Tiger tree root */
const TIGER_B32_LENGTH = 39;

export function sha1Urn(digest: Uint8Array): string {
  if (digest.length !== SHA1_SIZE) throw encodeError(`a SHA-1 digest is 20 bytes, got ${digest.length}`);
  return SHA1_URN_PREFIX + base32Encode(digest);
}

/** `urn:sha1:<32 base32>` (any case) → the 20-byte digest; undefined otherwise. */
export function parseSha1Urn(s: string): Buffer | undefined {
  if (s.length !== SHA1_URN_PREFIX.length + SHA1_B32_LENGTH) return undefined;
  if (s.slice(0, SHA1_URN_PREFIX.length).toLowerCase() !== SHA1_URN_PREFIX) return undefined;
  return base32Decode(s.slice(SHA1_URN_PREFIX.length));
}

/**
 * Canonical `urn:sha1:` form of a HUGE URN string (`urn:sha1:` or `urn:bitprint:`, any
 * case); undefined when it is neither.
 */
export function canonicalSha1Urn(s: string): string | undefined {
  const lower = s.slice(0, BITPRINT_PREFIX.length).toLowerCase();
  let b32: string;
  if (lower.startsWith(SHA1_URN_PREFIX)) {
    if (s.length !== SHA1_URN_PREFIX.length + SHA1_B32_LENGTH) return undefined;
    b32 = s.slice(SHA1_URN_PREFIX.length);
  } else if (lower === BITPRINT_PREFIX) {
    const rest = s.slice(BITPRINT_PREFIX.length);
    if (rest.length !== SHA1_B32_LENGTH + 1 + TIGER_B32_LENGTH || rest[SHA1_B32_LENGTH] !== '.') {
      return undefined;
    }
    if (!isBase32(rest.slice(SHA1_B32_LENGTH + 1))) return undefined;
    b32 = rest.slice(0, SHA1_B32_LENGTH);
  } else {
    return undefined;
  }
  if (!isBase32(b32)) return undefined;
  return SHA1_URN_PREFIX + b32.toUpperCase();
}

/**
 * The canonical SHA-1 URN of the text bytes `buf[start..end)`, or undefined. Works on the
 * bytes so that a HUGE block that is already canonical costs one string slice.
 */
export function sha1UrnFromText(buf: Buffer, start: number, end: number): string | undefined {
  const n = end - start;
  if (n === SHA1_URN_LENGTH && isCanonicalSha1Urn(buf, start)) return buf.toString('latin1', start, end);
  if (n !== SHA1_URN_LENGTH && n !== BITPRINT_PREFIX.length + 72) return undefined;
  return canonicalSha1Urn(buf.toString('latin1', start, end));
}

const SHA1_URN_LENGTH = SHA1_URN_PREFIX.length + SHA1_B32_LENGTH;
const PREFIX_BYTES = Buffer.from(SHA1_URN_PREFIX, 'latin1');

/** `urn:sha1:` + 32 upper-case base32 characters, checked on the bytes (the common case). */
function isCanonicalSha1Urn(buf: Buffer, at: number): boolean {
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (buf[at + i] !== PREFIX_BYTES[i]) return false;
  for (let i = at + PREFIX_BYTES.length; i < at + SHA1_URN_LENGTH; i++) {
    const c = buf[i] as number;
    // A–Z or 2–7
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x32 && c <= 0x37))) return false;
  }
  return true;
}

/** The SHA-1 URN carried by a GGEP `H` value (SHA-1 or bitprint), or undefined. */
export function sha1UrnFromGgepH(data: Buffer): string | undefined {
  return sha1UrnOfH(data, 0, data.length);
}

/** Same, for an `H` value sitting at `buf[start..end)` (no view needed). */
export function sha1UrnOfH(buf: Buffer, start: number, end: number): string | undefined {
  if (end - start < 1 + SHA1_SIZE) return undefined;
  const kind = buf[start];
  if (kind !== GGEP_H_SHA1 && kind !== GGEP_H_BITPRINT) return undefined;
  return base32Encode(buf, start + 1, start + 1 + SHA1_SIZE, SHA1_URN_PREFIX);
}

/** GGEP `H` value for a SHA-1 URN (type byte 0x01 + digest). */
export function ggepHFromSha1Urn(urn: string): Buffer | undefined {
  const digest = parseSha1Urn(urn);
  if (digest === undefined || digest.length !== SHA1_SIZE) return undefined;
  return Buffer.concat([Buffer.from([GGEP_H_SHA1]), digest]);
}
