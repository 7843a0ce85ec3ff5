/**
 * Kelips wire layout (docs/PROTOCOL.md "Kelips gossip and lookups"). One message per UDP
 * datagram, every integer big-endian (network order), addresses IPv4 + port.
 */

/** bytes 0–1: 'K' 'L' */
export const MAGIC_0 = 0x4b;
export const MAGIC_1 = 0x4c;
export const VERSION = 1;

/** header: magic(2) version(1) type(1) k(2) rid(4) hb(4) */
export const HEADER_SIZE = 14;
export const OFF_VERSION = 2;
export const OFF_TYPE = 3;
export const OFF_GROUPS = 4;
export const OFF_RID = 6;
export const OFF_HB = 10;

/** an address: IPv4(4, network order) port(2) */
export const ADDR_SIZE = 6;
/** a membership entry: address(6) heartbeat(4) age in seconds(2) */
export const MEMBER_SIZE = 12;
/** the largest age a membership entry can carry (u16 seconds, about 18 hours) */
export const MAX_AGE_S = 0xffff;
/** urn:sha1 digest */
export const URN_SIZE = 20;
export const SERVENT_ID_SIZE = 16;
/** a file size: u16 high part + u32 low part (files up to 2^48 − 1 bytes) */
export const SIZE_SIZE = 6;

/**
 * a tuple without its variable parts: flags(1) nameLen(1) size(6) ip(4) port(2)
 * serventId(16) index(4) hb(4); then keyLen(1)+key unless the key is the urn, the urn(20)
 * when present, and the name
 */
export const TUPLE_FIXED = 38;
/** tuple flag bits */
export const TUPLE_HAS_URN = 0x01;
/** the tuple is filed under its urn: no key bytes follow */
export const TUPLE_KEY_IS_URN = 0x02;

/** gossip body before its entries: ts(4) echoTs(4) echoHeld(2) nMembers(1) nTuples(1) */
export const GOSSIP_FIXED = 12;
/** snapshot body before its entries: part(1) flags(1) nMembers(1) nTuples(1) */
export const SNAPSHOT_FIXED = 4;
export const SNAPSHOT_LAST = 0x01;
/** lookup body before its key: origin(6) ttl(1) hops(1) maxResults(1) flags(1) */
export const LOOKUP_FIXED = 10;
export const LOOKUP_HAS_URN = 0x01;
export const LOOKUP_KEY_IS_URN = 0x02;
/** lookup-reply body before its tuples: hops(1) nTuples(1) */
export const LOOKUP_REPLY_FIXED = 2;
/** store body before its tuples: origin(6) ttl(1) hops(1) nTuples(1) */
export const STORE_FIXED = 9;

/** Message type codes (header byte 3). Replies have the high bit set. */
export const KelipsType = {
  GOSSIP: 0x01,
  JOIN: 0x02,
  LOOKUP: 0x03,
  STORE: 0x04,
  PING: 0x05,
  SNAPSHOT: 0x82,
  LOOKUP_REPLY: 0x83,
  STORE_ACK: 0x84,
  PONG: 0x85,
} as const;

/** Caps on every count and length read from the wire (docs/LIMITS.md "Kelips"). */
export const KelipsLimits = {
  /** one datagram; larger input is refused before parsing (fits a 1280-byte IPv6 MTU path) */
  MAX_MESSAGE: 1200,
  /** the most a receiver may be configured to accept (largest UDP payload over IPv4) */
  MAX_MESSAGE_CEILING: 65507,
  /** groups k of an overlay (u16; 0 is refused) */
  MAX_GROUPS: 65535,
  /** membership entries in one message (100 × 12 B fills a 1200-byte datagram) */
  MAX_MEMBERS: 100,
  /** tuples in one message (each ≥ 39 B) */
  MAX_TUPLES: 32,
  /** query words of one LOOKUP */
  MAX_WORDS: 16,
  /** bytes of one keyword (a LOOKUP word or a tuple key) */
  MAX_WORD_BYTES: 64,
  /** bytes of a file name (u8 length) */
  MAX_NAME_BYTES: 255,
  /** forwards a LOOKUP or STORE may still take */
  MAX_TTL: 16,
  /** requests on one lookup or store path */
  MAX_HOPS: 32,
  /** tuples one LOOKUP may ask for */
  MAX_RESULTS: 64,
  /** snapshot parts (u8) */
  MAX_PART: 255,
  /** file sizes: 2^48 − 1 */
  MAX_SIZE: 2 ** 48 - 1,
} as const;
