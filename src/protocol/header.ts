/**
 * The 23-byte descriptor header: GUID(16) · payload type(1) · TTL(1) · hops(1) ·
 * payload length(LE u32). The payload length is the only framing on the stream.
 */
import {
  GUID_SIZE,
  OFFSET_HOPS,
  OFFSET_PAYLOAD_LENGTH,
  OFFSET_PAYLOAD_TYPE,
  OFFSET_TTL,
} from './constants.js';
import { encodeError } from './error-codes.js';
import type { WireWriter } from './writer.js';

export interface Header {
  readonly guid: Buffer;
  readonly payloadType: number;
  readonly ttl: number;
  readonly hops: number;
  readonly payloadLength: number;
}

/** Reads a header at `at`; the caller has checked that HEADER_SIZE bytes are there. */
export function readHeader(buf: Buffer, at = 0): Header {
  return {
    guid: buf.subarray(at, at + GUID_SIZE),
    payloadType: buf[at + OFFSET_PAYLOAD_TYPE] as number,
    ttl: buf[at + OFFSET_TTL] as number,
    hops: buf[at + OFFSET_HOPS] as number,
    payloadLength: buf.readUInt32LE(at + OFFSET_PAYLOAD_LENGTH),
  };
}

export function writeHeader(
  w: WireWriter,
  guid: Uint8Array,
  payloadType: number,
  ttl: number,
  hops: number,
  payloadLength: number,
): void {
  if (guid.length !== GUID_SIZE) throw encodeError(`a GUID is 16 bytes, got ${guid.length}`);
  if ((ttl & 0xff) !== ttl || (hops & 0xff) !== hops)
    throw encodeError(`TTL/hops out of range: ${ttl}/${hops}`);
  w.bytes(guid);
  w.u8(payloadType);
  w.u8(ttl);
  w.u8(hops);
  w.u32le(payloadLength);
}
