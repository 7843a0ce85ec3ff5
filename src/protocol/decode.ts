/**
 * Frame → Message. A frame is one descriptor: the 23-byte header and exactly the payload
 * it announces. Every failure is a ProtocolError: `close` when the framing itself is wrong
 * or the announced length is over its cap, `drop` for a bad payload.
 */
import type { Message, Unknown } from './messages.js';
import { PayloadType } from './messages.js';
import { ProtocolError } from '../core/errors.js';
import {
  HEADER_SIZE,
  OFFSET_PAYLOAD_LENGTH,
  OFFSET_PAYLOAD_TYPE,
  GUID_SIZE,
  OFFSET_HOPS,
  OFFSET_TTL,
} from './constants.js';
import { decodeBye } from './bye.js';
import { DecodeContext } from './context.js';
import { CodecError, closeError, dropError } from './error-codes.js';
import type { CodecLimits } from './limits.js';
import { maxPayloadFor, minPayloadFor, resolveLimits } from './limits.js';
import { decodePing } from './ping.js';
import { decodePong } from './pong.js';
import { decodePush } from './push.js';
import { decodeQrp } from './qrp.js';
import { decodeQuery } from './query.js';
import { decodeQueryHit } from './queryhit.js';
import { decodeVendor } from './vendor.js';

export function decodeMessage(frame: Buffer, limits?: Partial<CodecLimits>): Message {
  const lim = resolveLimits(limits);
  if (frame.length < HEADER_SIZE) {
    throw closeError(
      CodecError.FRAME_LENGTH,
      `a frame is at least ${HEADER_SIZE} bytes, got ${frame.length}`,
      0,
    );
  }
  const payloadType = frame[OFFSET_PAYLOAD_TYPE] as number;
  const length = frame.readUInt32LE(OFFSET_PAYLOAD_LENGTH);
  checkPayloadLength(payloadType, length, lim, 0);
  if (frame.length !== HEADER_SIZE + length) {
    throw closeError(
      CodecError.FRAME_LENGTH,
      `header announces ${length} payload bytes, frame holds ${frame.length - HEADER_SIZE}`,
      OFFSET_PAYLOAD_LENGTH,
    );
  }
  return decodeFrame(frame, lim);
}

/** Close-level check of an announced payload length, done before any payload is buffered. */
export function checkPayloadLength(
  payloadType: number,
  length: number,
  limits: CodecLimits,
  offset: number,
): void {
  const max = maxPayloadFor(payloadType, limits);
  if (length > max) {
    throw closeError(
      CodecError.PAYLOAD_TOO_LARGE,
      `payload type 0x${payloadType.toString(16)} announces ${length} bytes, cap ${max}`,
      offset,
    );
  }
}

/**
 * Decodes a frame whose length has been validated (header + announced payload). Offsets
 * in errors are relative to the frame start.
 */
export function decodeFrame(frame: Buffer, limits: CodecLimits): Message {
  const payloadType = frame[OFFSET_PAYLOAD_TYPE] as number;
  const length = frame.length - HEADER_SIZE;
  if (length < minPayloadFor(payloadType)) {
    throw dropError(
      CodecError.PAYLOAD_TOO_SHORT,
      `payload type 0x${payloadType.toString(16)} needs ${minPayloadFor(payloadType)} bytes, got ${length}`,
      HEADER_SIZE,
    );
  }
  const r = new DecodeContext(
    frame,
    HEADER_SIZE,
    limits,
    frame.subarray(0, GUID_SIZE),
    frame[OFFSET_TTL] as number,
    frame[OFFSET_HOPS] as number,
  );
  try {
    switch (payloadType) {
      case PayloadType.PING:
        return decodePing(r);
      case PayloadType.PONG:
        return decodePong(r);
      case PayloadType.BYE:
        return decodeBye(r);
      case PayloadType.PUSH:
        return decodePush(r);
      case PayloadType.QUERY:
        return decodeQuery(r);
      case PayloadType.QUERYHIT:
        return decodeQueryHit(r);
      case PayloadType.QRP:
        return decodeQrp(r);
      case PayloadType.VENDOR:
      case PayloadType.VENDOR_STD:
        return decodeVendor(r, payloadType);
      default:
        return decodeUnknown(r, payloadType);
    }
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    // defence in depth: a decoder bug must not take the connection's reader down
    throw dropError(CodecError.INTERNAL, `decoder fault: ${(e as Error).message}`, r.pos);
  }
}

function decodeUnknown(r: DecodeContext, payloadType: number): Unknown {
  return { type: 'unknown', guid: r.guid, ttl: r.ttl, hops: r.hops, payloadType, payload: r.rest() };
}
