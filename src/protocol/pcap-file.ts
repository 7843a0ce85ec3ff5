/**
 * Classic libpcap capture files (not pcapng): a 24-byte global header, then records of a
 * 16-byte header + the captured bytes. The magic says the writer's byte order and whether
 * timestamps are in microseconds or nanoseconds. Every length is checked against what is
 * left of the file: a truncated or corrupt file is a ProtocolError with its byte offset.
 *
 *   global header: magic u32 | version major u16 | minor u16 | thiszone i32 | sigfigs u32 |
 *                  snaplen u32 | network (link type) u32
 *   record header: ts_sec u32 | ts_usec-or-nsec u32 | incl_len u32 | orig_len u32
 */
import { ProtocolError } from '../core/errors.js';

export const PCAP_GLOBAL_HEADER_SIZE = 24;
export const PCAP_RECORD_HEADER_SIZE = 16;

/** magic as read big-endian, by writer byte order and time resolution */
const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_US_SWAPPED = 0xd4c3b2a1;
const MAGIC_NS_SWAPPED = 0x4d3cb2a1;
/** pcapng section header block type: a different format */
const PCAPNG_MAGIC = 0x0a0d0d0a;

export const PcapErrorCode = {
  BAD_MAGIC: 'PCAP_BAD_MAGIC',
  UNSUPPORTED_FORMAT: 'PCAP_UNSUPPORTED_FORMAT',
  TRUNCATED: 'PCAP_TRUNCATED',
  RECORD_TOO_LARGE: 'PCAP_RECORD_TOO_LARGE',
  UNSUPPORTED_LINK: 'PCAP_UNSUPPORTED_LINK',
  TOO_MANY_CONNECTIONS: 'PCAP_TOO_MANY_CONNECTIONS',
} as const;

export interface PcapLimits {
  /** largest captured length of one record (libpcap's own maximum snaplen is 262144) */
  readonly maxRecordBytes: number;
  /** TCP conversations tracked in one file */
  readonly maxConnections: number;
}

export const DEFAULT_PCAP_LIMITS: PcapLimits = Object.freeze({
  maxRecordBytes: 262144,
  maxConnections: 65536,
});

export interface PcapHeader {
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  /** LINKTYPE_* value (1 Ethernet, 113 Linux SLL, 101 raw IP, 0 BSD loopback, …) */
  readonly linkType: number;
}

export interface PcapRecord {
  /** 0-based record number */
  readonly index: number;
  /** byte offset of the record header in the file */
  readonly offset: number;
  /** capture time in seconds (fractional) */
  readonly time: number;
  /** length of the packet on the wire (may exceed data.length when the snaplen cut it) */
  readonly originalLength: number;
  /** the captured bytes: a view into the file buffer, not a copy */
  readonly data: Buffer;
}

export interface PcapCapture {
  readonly header: PcapHeader;
  readonly records: PcapRecord[];
  /**
   * With `allowTruncatedEnd`: the error that stopped reading (the file ends inside a
   * record, as when the capturing process was killed). `records` holds what came before.
   */
  readonly truncated?: ProtocolError;
}

export interface PcapReadOptions {
  /** return the records before a truncated last record instead of throwing (default false) */
  readonly allowTruncatedEnd?: boolean;
}

function pcapError(code: string, message: string, offset: number): ProtocolError {
  return new ProtocolError(code, message, 'close', offset);
}

export function readPcapHeader(buf: Buffer): PcapHeader {
  if (buf.length < 4) throw pcapError(PcapErrorCode.TRUNCATED, 'file shorter than a pcap magic', buf.length);
  const magic = buf.readUInt32BE(0);
  let littleEndian: boolean;
  let nanosecond: boolean;
  switch (magic) {
    case MAGIC_US:
      [littleEndian, nanosecond] = [false, false];
      break;
    case MAGIC_NS:
      [littleEndian, nanosecond] = [false, true];
      break;
    case MAGIC_US_SWAPPED:
      [littleEndian, nanosecond] = [true, false];
      break;
    case MAGIC_NS_SWAPPED:
      [littleEndian, nanosecond] = [true, true];
      break;
    case PCAPNG_MAGIC:
      throw pcapError(
        PcapErrorCode.UNSUPPORTED_FORMAT,
        'pcapng is not supported; convert with `editcap -F pcap`',
        0,
      );
    default:
      throw pcapError(PcapErrorCode.BAD_MAGIC, `not a pcap file (magic 0x${magic.toString(16)})`, 0);
  }
  if (buf.length < PCAP_GLOBAL_HEADER_SIZE) {
    throw pcapError(PcapErrorCode.TRUNCATED, 'pcap global header is truncated', buf.length);
  }
  const u16 = (o: number): number => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  return {
    littleEndian,
    nanosecond,
    versionMajor: u16(4),
    versionMinor: u16(6),
    snaplen: u32(16),
    // the upper bits of this field may carry FCS information (pcap spec); the link type is the low 16
    linkType: u32(20) & 0xffff,
  };
}

/** Reads every record; the data are views into `buf`. */
export function readPcap(
  buf: Buffer,
  limits: PcapLimits = DEFAULT_PCAP_LIMITS,
  options: PcapReadOptions = {},
): PcapCapture {
  const header = readPcapHeader(buf);
  const le = header.littleEndian;
  const records: PcapRecord[] = [];
  const fracScale = header.nanosecond ? 1e-9 : 1e-6;
  let pos = PCAP_GLOBAL_HEADER_SIZE;
  while (pos < buf.length) {
    if (buf.length - pos < PCAP_RECORD_HEADER_SIZE) {
      const e = pcapError(PcapErrorCode.TRUNCATED, `record ${records.length}: header is truncated`, pos);
      if (options.allowTruncatedEnd === true) return { header, records, truncated: e };
      throw e;
    }
    const tsSec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
    const tsFrac = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
    const inclLen = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
    const origLen = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
    if (inclLen > limits.maxRecordBytes) {
      throw pcapError(
        PcapErrorCode.RECORD_TOO_LARGE,
        `record ${records.length}: captured length ${inclLen} exceeds ${limits.maxRecordBytes}`,
        pos + 8,
      );
    }
    const dataStart = pos + PCAP_RECORD_HEADER_SIZE;
    if (inclLen > buf.length - dataStart) {
      const e = pcapError(
        PcapErrorCode.TRUNCATED,
        `record ${records.length}: ${inclLen} bytes announced, ${buf.length - dataStart} left`,
        pos,
      );
      if (options.allowTruncatedEnd === true) return { header, records, truncated: e };
      throw e;
    }
    records.push({
      index: records.length,
      offset: pos,
      time: tsSec + tsFrac * fracScale,
      originalLength: origLen,
      data: buf.subarray(dataStart, dataStart + inclLen),
    });
    pos = dataStart + inclLen;
  }
  return { header, records };
}
