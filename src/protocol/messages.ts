/**
 * The Gnutella descriptor model: a discriminated union on `type`. The codec
 * (`decode.ts` / `encode.ts`) turns bytes into these and back; every router,
 * connection and tool works on these, never on raw offsets.
 *
 * Re-encoding a decoded message yields the same bytes: fields we do not interpret
 * are kept as raw bytes (`ggep.raw`, `extensions`, `privateArea`, `rawName` ...).
 */

/** Payload type codes (header byte 16). */
export const PayloadType = {
  PING: 0x00,
  PONG: 0x01,
  BYE: 0x02,
  QRP: 0x30,
  VENDOR: 0x31,
  VENDOR_STD: 0x32,
  PUSH: 0x40,
  QUERY: 0x80,
  QUERYHIT: 0x81,
} as const;

/** One GGEP extension. `data` is the decoded value (COBS undone, inflated). */
export interface GgepExtension {
  readonly id: string;
  readonly data: Buffer;
}

/**
 * A GGEP block (magic 0xC3 + extensions). `raw`, when present, is the exact wire bytes
 * the block was decoded from; the encoder writes it back unchanged. Blocks coming from the
 * decoder are `DecodedGgep` objects whose `extensions`/`raw` are getters materialised on
 * first use: read those two fields (compare them, not the object) and never spread one.
 */
export interface GgepBlock {
  readonly extensions: readonly GgepExtension[];
  readonly raw?: Buffer;
}

/** Fields every descriptor carries in its 23-byte header. */
export interface Envelope {
  /** 16-byte descriptor ID */
  readonly guid: Buffer;
  readonly ttl: number;
  readonly hops: number;
}

export interface Ping extends Envelope {
  readonly type: 'ping';
  readonly ggep?: GgepBlock;
  /** payload bytes that are neither empty nor a GGEP block (kept for re-encoding) */
  readonly extra?: Buffer;
}

export interface Pong extends Envelope {
  readonly type: 'pong';
  readonly port: number;
  /** dotted quad (BE on the wire) */
  readonly ip: string;
  readonly files: number;
  readonly kbytes: number;
  readonly ggep?: GgepBlock;
  readonly extra?: Buffer;
}

export interface Bye extends Envelope {
  readonly type: 'bye';
  readonly code: number;
  /** first line of the description */
  readonly reason: string;
  /** the whole description as sent (reason + optional header lines), without the NUL */
  readonly raw?: Buffer;
  /** whether the description was NUL-terminated on the wire */
  readonly nulTerminated?: boolean;
}

export interface Push extends Envelope {
  readonly type: 'push';
  /** 16 bytes: servent ID of the host that must connect back */
  readonly serventId: Buffer;
  readonly index: number;
  readonly ip: string;
  readonly port: number;
  readonly ggep?: GgepBlock;
  readonly extra?: Buffer;
}

export interface Query extends Envelope {
  readonly type: 'query';
  /** the 16-bit min-speed/flags field, as read little-endian (the raw LE value) */
  readonly minSpeed: number;
  readonly search: string;
  /** `urn:…` strings found in the extension area (HUGE text and GGEP H) */
  readonly urns: readonly string[];
  readonly ggep?: GgepBlock;
  /** the whole extension area after the search NUL, as on the wire */
  readonly extensions?: Buffer;
  /** exact search bytes when they are not valid UTF-8 */
  readonly rawSearch?: Buffer;
}

export interface QueryHitResult {
  readonly index: number;
  readonly size: number;
  readonly name: string;
  readonly urns: readonly string[];
  readonly ggep?: GgepBlock;
  /** the result's extension data between the two NULs, as on the wire */
  readonly extensions?: Buffer;
  readonly rawName?: Buffer;
}

/** EQHD flags, decoded. Each is undefined when the peer said it is not meaningful. */
export interface QueryHitFlags {
  readonly push?: boolean;
  readonly busy?: boolean;
  readonly uploaded?: boolean;
  readonly speedMeasured?: boolean;
  readonly ggep?: boolean;
}

export interface QueryHit extends Envelope {
  readonly type: 'queryhit';
  readonly port: number;
  readonly ip: string;
  readonly speed: number;
  readonly results: readonly QueryHitResult[];
  /** 4-char vendor code of the EQHD trailer, or null when there is no trailer */
  readonly vendor: string | null;
  readonly flags?: QueryHitFlags;
  /** the two raw open-data flag bytes (enabler, setter) and any extra open data */
  readonly openData?: Buffer;
  /** GGEP block in the private area, when present */
  readonly ggep?: GgepBlock;
  /** the private area (after open data, before the servent ID), as on the wire */
  readonly privateArea?: Buffer;
  /** 16 bytes */
  readonly serventId: Buffer;
}

export interface QrpReset extends Envelope {
  readonly type: 'qrp';
  readonly variant: 'reset';
  readonly tableLength: number;
  readonly infinity: number;
}

export interface QrpPatch extends Envelope {
  readonly type: 'qrp';
  readonly variant: 'patch';
  readonly seqNo: number;
  readonly seqSize: number;
  /** 0 none, 1 zlib */
  readonly compressor: number;
  readonly entryBits: number;
  readonly data: Buffer;
}

export type Qrp = QrpReset | QrpPatch;

export interface Vendor extends Envelope {
  readonly type: 'vendor';
  /** 0x31 (experimental) or 0x32 (standard) */
  readonly payloadType: number;
  /** 4 bytes, case-sensitive ASCII; "\0\0\0\0" is the null vendor */
  readonly vendor: string;
  readonly selector: number;
  readonly version: number;
  readonly body: Buffer;
}

export interface Unknown extends Envelope {
  readonly type: 'unknown';
  readonly payloadType: number;
  readonly payload: Buffer;
}

export type Message = Ping | Pong | Bye | Push | Query | QueryHit | Qrp | Vendor | Unknown;
export type MessageType = Message['type'];
