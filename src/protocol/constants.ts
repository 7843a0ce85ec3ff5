/**
 * Named wire constants of the Gnutella 0.4/0.6 descriptor format. Every multi-byte
 * integer is little-endian except IPv4 addresses, which are big-endian (network order).
 */

/** The descriptor header: GUID(16) · payload type(1) · TTL(1) · hops(1) · payload length(4, LE). */
export const HEADER_SIZE = 23;
export const GUID_SIZE = 16;
export const OFFSET_GUID = 0;
export const OFFSET_PAYLOAD_TYPE = 16;
export const OFFSET_TTL = 17;
export const OFFSET_HOPS = 18;
/** LE u32: bytes following the header. The only framing there is. */
export const OFFSET_PAYLOAD_LENGTH = 19;

/** Pong: port(LE u16) · IPv4(BE) · files(LE u32) · kilobytes(LE u32) · [GGEP]. */
export const PONG_FIXED_SIZE = 14;
/** Push: servent ID(16) · file index(LE u32) · IPv4(BE) · port(LE u16) · [GGEP]. */
export const PUSH_FIXED_SIZE = 26;
/** Bye: code(LE u16) · description (NUL-terminated). */
export const BYE_FIXED_SIZE = 2;
/** Query: min-speed/flags word(2) · search · NUL · [extension area]. */
export const QUERY_FIXED_SIZE = 2;
/** QueryHit: count(1) · port(LE u16) · IPv4(BE) · speed(LE u32) · results · [EQHD] · servent ID(16). */
export const QUERYHIT_FIXED_SIZE = 11;
/** Each QueryHit result: file index(LE u32) · file size(LE u32) · name · NUL · extension data · NUL. */
export const RESULT_FIXED_SIZE = 8;
/** EQHD trailer: vendor(4) · open-data size(1) · open data · private area. */
export const EQHD_VENDOR_SIZE = 4;
/** Vendor message: vendor(4) · selector(LE u16) · version(LE u16) · body. */
export const VENDOR_FIXED_SIZE = 8;
/** QRP RESET: variant(1)=0 · table length(LE u32) · infinity(1). */
export const QRP_RESET_SIZE = 6;
/** QRP PATCH: variant(1)=1 · seq no(1) · seq size(1) · compressor(1) · entry bits(1) · data. */
export const QRP_PATCH_FIXED_SIZE = 5;
export const QRP_VARIANT_RESET = 0x00;
export const QRP_VARIANT_PATCH = 0x01;
export const QRP_COMPRESSOR_NONE = 0x00;
export const QRP_COMPRESSOR_ZLIB = 0x01;

/** Separator between blocks of a Query extension area / QueryHit result extension data. */
export const EXT_SEPARATOR = 0x1c;
export const NUL = 0x00;

/** GGEP block magic. */
export const GGEP_MAGIC = 0xc3;
/** GGEP extension flags byte. */
export const GGEP_FLAG_LAST = 0x80;
export const GGEP_FLAG_COBS = 0x40;
export const GGEP_FLAG_DEFLATE = 0x20;
/** Reserved, must be 0. */
export const GGEP_FLAG_RESERVED = 0x10;
/** Bits 3–0: ID length, 1–15. */
export const GGEP_ID_LENGTH_MASK = 0x0f;
/** GGEP length chunk: bit 7 = more chunks follow, bit 6 = last chunk, 6 value bits. */
export const GGEP_LEN_MORE = 0x80;
export const GGEP_LEN_LAST = 0x40;
export const GGEP_LEN_VALUE_MASK = 0x3f;
export const GGEP_LEN_MAX_CHUNKS = 3;
/** Largest data length three 6-bit chunks can express. */
export const GGEP_MAX_DATA_LENGTH = (1 << 18) - 1;

/**
 * EQHD flag bits, same positions in both open-data bytes. For PUSH the *value* is in byte 1
 * ("enabler") and the "meaningful" bit in byte 2 ("setter"); for the others it is the
 * other way round (wire reference fact 7).
 */
export const EQHD_PUSH = 0x01;
export const EQHD_BUSY = 0x04;
export const EQHD_UPLOADED = 0x08;
export const EQHD_SPEED = 0x10;
export const EQHD_GGEP = 0x20;

/** Query flags word bits, read big-endian (wire reference fact 2). */
export const QUERY_FLAG_MARKER = 0x8000;
export const QUERY_FLAG_FIREWALLED = 0x4000;
export const QUERY_FLAG_XML = 0x2000;
export const QUERY_FLAG_LEAF_GUIDED = 0x1000;
export const QUERY_FLAG_GGEP_H = 0x0800;
export const QUERY_FLAG_OOB = 0x0400;
export const QUERY_FLAG_FW_TO_FW = 0x0200;
export const QUERY_FLAG_SEMI_RELIABLE_UDP = 0x0100;
export const QUERY_FLAG_MAX_HITS_MASK = 0x00ff;

/** GGEP `H` value: one hash-type byte, then the digest. */
export const GGEP_H_SHA1 = 0x01;
export const GGEP_H_BITPRINT = 0x02;
export const SHA1_SIZE = 20;
