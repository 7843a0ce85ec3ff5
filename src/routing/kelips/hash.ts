/**
 * The hash that places nodes and files in affinity groups: FNV-1a over the UTF-16 code
 * units of the text, then the murmur3 32-bit finaliser (FNV alone mixes short strings
 * that differ only in their last characters, such as ports, poorly). Every node must use
 * the same function, so it is part of the protocol (docs/PROTOCOL.md).
 *
 * A node's group is `hash32("ip:port") mod k`; a file key's group is `hash32(key) mod k`
 * (keys are keywords as `core/keywords.ts` spells them, or `urn:sha1:<BASE32>`).
 * Not cryptographic: a peer can choose its port to land in a group it likes. The paper's
 * consistent hashing (SHA-1) would not prevent that either, since the port is the peer's
 * choice; what limits a hostile peer is the per-table caps (docs/LIMITS.md "Kelips").
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function groupOf(text: string, k: number): number {
  return hash32(text) % k;
}

/** k for an overlay expected to hold `n` nodes: round(√n), at least 1. */
export function groupsFor(n: number): number {
  return Math.max(1, Math.round(Math.sqrt(n)));
}
