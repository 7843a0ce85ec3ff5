/**
 * RFC 4648 base32 (A–Z 2–7, no padding) for `urn:sha1:` ↔ the 20-byte digest carried on
 * the Chord wire. A 20-byte digest is exactly 32 characters.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SHA1_URN_RE = /^urn:sha1:([A-Z2-7]{32})$/i;

export function base32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | (bytes[i] as number)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** `urn:sha1:<32 base32>` (any case) → 20 bytes; undefined when malformed */
export function sha1UrnBytes(urn: string): Buffer | undefined {
  const m = SHA1_URN_RE.exec(urn);
  if (m === null) return undefined;
  const text = (m[1] as string).toUpperCase();
  const out = Buffer.alloc(20);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    acc = ((acc << 5) | ALPHABET.indexOf(text[i] as string)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

/** canonical form `urn:sha1:<UPPER>`; undefined when malformed */
export function canonicalSha1Urn(urn: string): string | undefined {
  const m = SHA1_URN_RE.exec(urn.trim());
  return m === null ? undefined : `urn:sha1:${(m[1] as string).toUpperCase()}`;
}
