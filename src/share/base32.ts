/**
 * SHA-1 urns for the share library and the transfer layer, on top of the wire codec's
 * RFC 4648 base32 and HUGE urn rules (src/protocol/base32.ts, urn.ts), so that every
 * layer spells a urn the same way: `urn:sha1:` + 32 upper-case base32 characters.
 */
import { canonicalSha1Urn, sha1Urn } from '../protocol/urn.js';

export { base32Decode, base32Encode } from '../protocol/base32.js';
export { sha1Urn };

/**
 * Canonical `urn:sha1:<UPPER BASE32>` of a urn given in any case (surrounding blanks
 * ignored); also takes the SHA-1 part of `urn:bitprint:<sha1>.<tiger>`. Undefined for
 * anything else.
 */
export function normaliseSha1Urn(urn: string): string | undefined {
  return canonicalSha1Urn(urn.trim());
}
