/**
 * Chord RPC wire layout (docs/PROTOCOL.md "Chord RPCs"). One message per UDP datagram,
 * every integer big-endian (network order), every identifier a fixed 20-byte field holding
 * an m-bit value (m = `idBits`, carried in the header so that peers configured with a
 * different identifier space are refused instead of misrouted).
 */

/** bytes 0–1: 'C' 'H' */
export const MAGIC_0 = 0x43;
export const MAGIC_1 = 0x48;
export const VERSION = 1;

/** header: magic(2) version(1) type(1) idBits(1) srcVn(1) dstVn(1) flags(1) rid(4) srcId(20) */
export const HEADER_SIZE = 32;
export const OFF_VERSION = 2;
export const OFF_TYPE = 3;
export const OFF_ID_BITS = 4;
export const OFF_SRC_VN = 5;
export const OFF_DST_VN = 6;
/** flags: bit 0 = background lookup traffic (FIND, FOUND, RFIND, RFIND_ACK); other bits reserved, written 0, ignored */
export const OFF_FLAGS = 7;
export const FLAG_BG = 0x01;
export const OFF_RID = 8;
export const OFF_SRC_ID = 12;

/** every identifier on the wire: 160 bits, big-endian, value < 2^idBits */
export const ID_SIZE = 20;
export const MAX_ID_BITS = 160;
/** node reference: id(20) ipv4(4) port(2) vnode(1) */
export const REF_SIZE = 27;
/** urn:sha1 digest */
export const URN_SIZE = 20;
export const SERVENT_ID_SIZE = 16;

/** Message type codes (header byte 3). Replies have the high bit set. */
export const ChordType = {
  FIND: 0x01,
  RFIND: 0x02,
  GET_NEIGHBOURS: 0x03,
  NOTIFY: 0x04,
  PING: 0x05,
  LEAVE: 0x06,
  STORE: 0x07,
  FETCH: 0x08,
  HINT: 0x09,
  FOUND: 0x81,
  RFIND_ACK: 0x82,
  NEIGHBOURS: 0x83,
  PONG: 0x85,
  STORE_ACK: 0x87,
  FETCH_RES: 0x88,
} as const;

/** Caps on every count and length read from the wire (docs/LIMITS.md "Chord"). */
export const ChordLimits = {
  /** one datagram; larger input is refused before parsing (fits a 1280-byte IPv6 MTU path too) */
  MAX_MESSAGE: 1200,
  /** node references in one FOUND / NEIGHBOURS / LEAVE (40 × 27 B = 1080 B fits a datagram) */
  MAX_REFS: 40,
  /** dead-node ids a FIND asks the responder to skip (16 × 20 B) */
  MAX_EXCLUDE: 16,
  /** pointers in one STORE or FETCH_RES (each ≥ 64 B, so the datagram cap binds first) */
  MAX_POINTERS: 16,
  /** keywords carried by a FETCH filter */
  MAX_WORDS: 8,
  /** bytes of one keyword */
  MAX_WORD_BYTES: 64,
  /** bytes of a file name (u8 length) */
  MAX_NAME_BYTES: 255,
  /** remaining lifetime of a pointer: 7 days */
  MAX_TTL_MS: 7 * 24 * 3600 * 1000,
  /** hop and timeout counters carried by recursive lookups (u8) */
  MAX_HOPS: 255,
} as const;
