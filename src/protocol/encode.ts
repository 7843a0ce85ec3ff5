/**
 * Message → frame. `encodedLength` is exact and cheap (no bytes are produced), so the
 * simulator can count traffic without encoding. A decoded message re-encodes to the very
 * bytes it came from: uninterpreted parts are written back from their raw fields.
 */
import { assertNever } from '../core/errors.js';
import type { Message } from './messages.js';
import { PayloadType } from './messages.js';
import { byePayloadLength, writeBye } from './bye.js';
import { HEADER_SIZE } from './constants.js';
import { encodeError } from './error-codes.js';
import { writeHeader } from './header.js';
import { pingPayloadLength, writePing } from './ping.js';
import { pongPayloadLength, writePong } from './pong.js';
import { pushPayloadLength, writePush } from './push.js';
import { qrpPayloadLength, writeQrp } from './qrp.js';
import { queryPayloadLength, writeQuery } from './query.js';
import { queryHitPayloadLength, writeQueryHit } from './queryhit.js';
import { vendorPayloadLength, writeVendor } from './vendor.js';
import { WireWriter } from './writer.js';

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(PayloadType));

export function payloadTypeOf(m: Message): number {
  switch (m.type) {
    case 'ping':
      return PayloadType.PING;
    case 'pong':
      return PayloadType.PONG;
    case 'bye':
      return PayloadType.BYE;
    case 'push':
      return PayloadType.PUSH;
    case 'query':
      return PayloadType.QUERY;
    case 'queryhit':
      return PayloadType.QUERYHIT;
    case 'qrp':
      return PayloadType.QRP;
    case 'vendor':
      if (m.payloadType !== PayloadType.VENDOR && m.payloadType !== PayloadType.VENDOR_STD) {
        throw encodeError(`vendor message payload type must be 0x31 or 0x32, got ${m.payloadType}`);
      }
      return m.payloadType;
    case 'unknown':
      // a known code would decode as that type, not as `unknown`
      if ((m.payloadType & 0xff) !== m.payloadType || KNOWN_TYPES.has(m.payloadType)) {
        throw encodeError(`unknown message with payload type ${m.payloadType}`);
      }
      return m.payloadType;
    default:
      return assertNever(m, 'message');
  }
}

/** Payload bytes of the encoded message (without the 23-byte header). */
export function payloadLength(m: Message): number {
  switch (m.type) {
    case 'ping':
      return pingPayloadLength(m);
    case 'pong':
      return pongPayloadLength(m);
    case 'bye':
      return byePayloadLength(m);
    case 'push':
      return pushPayloadLength(m);
    case 'query':
      return queryPayloadLength(m);
    case 'queryhit':
      return queryHitPayloadLength(m);
    case 'qrp':
      return qrpPayloadLength(m);
    case 'vendor':
      return vendorPayloadLength(m);
    case 'unknown':
      return m.payload.length;
    default:
      return assertNever(m, 'message');
  }
}

/** Bytes of the whole encoded frame (header + payload). */
export function encodedLength(m: Message): number {
  return HEADER_SIZE + payloadLength(m);
}

export function encodeMessage(m: Message): Buffer {
  const len = payloadLength(m);
  const w = new WireWriter(HEADER_SIZE + len);
  writeHeader(w, m.guid, payloadTypeOf(m), m.ttl, m.hops, len);
  switch (m.type) {
    case 'ping':
      writePing(w, m);
      break;
    case 'pong':
      writePong(w, m);
      break;
    case 'bye':
      writeBye(w, m);
      break;
    case 'push':
      writePush(w, m);
      break;
    case 'query':
      writeQuery(w, m);
      break;
    case 'queryhit':
      writeQueryHit(w, m);
      break;
    case 'qrp':
      writeQrp(w, m);
      break;
    case 'vendor':
      writeVendor(w, m);
      break;
    case 'unknown':
      w.bytes(m.payload);
      break;
    default:
      assertNever(m, 'message');
  }
  if (w.pos !== HEADER_SIZE + len) {
    throw encodeError(`encoded ${w.pos - HEADER_SIZE} payload bytes, announced ${len}`);
  }
  return w.buf;
}
