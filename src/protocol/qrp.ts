/**
 * QRP Route-Table-Update (0x30), always TTL 1 / hops 0, never forwarded.
 *   RESET: variant 0 · table length in slots (LE u32, a power of 2) · infinity(1)
 *   PATCH: variant 1 · seq no(1, 1-based) · seq size(1) · compressor(1: 0 none, 1 zlib) ·
 *          entry bits(1) · fragment of the (compressed) patch
 * The codec checks structure only; sequence and table rules live in QrpTable.
 */
import type { Qrp } from './messages.js';
import { QRP_PATCH_FIXED_SIZE, QRP_RESET_SIZE, QRP_VARIANT_PATCH, QRP_VARIANT_RESET } from './constants.js';
import type { DecodeContext } from './context.js';
import { CodecError, dropError } from './error-codes.js';
import type { WireWriter } from './writer.js';

export function decodeQrp(r: DecodeContext): Qrp {
  const start = r.pos;
  const variant = r.u8('qrp variant');
  if (variant === QRP_VARIANT_RESET) {
    if (r.end - start !== QRP_RESET_SIZE) {
      throw dropError(
        CodecError.QRP_BAD_LENGTH,
        `QRP RESET is ${QRP_RESET_SIZE} bytes, got ${r.end - start}`,
        start,
      );
    }
    return {
      type: 'qrp',
      variant: 'reset',
      guid: r.guid,
      ttl: r.ttl,
      hops: r.hops,
      tableLength: r.u32le(),
      infinity: r.u8(),
    };
  }
  if (variant === QRP_VARIANT_PATCH) {
    if (r.end - start < QRP_PATCH_FIXED_SIZE) {
      throw dropError(CodecError.QRP_BAD_LENGTH, `QRP PATCH needs ${QRP_PATCH_FIXED_SIZE} bytes`, start);
    }
    return {
      type: 'qrp',
      variant: 'patch',
      guid: r.guid,
      ttl: r.ttl,
      hops: r.hops,
      seqNo: r.u8(),
      seqSize: r.u8(),
      compressor: r.u8(),
      entryBits: r.u8(),
      data: r.rest(),
    };
  }
  throw dropError(CodecError.QRP_BAD_VARIANT, `unknown QRP variant ${variant}`, start);
}

export function qrpPayloadLength(m: Qrp): number {
  return m.variant === 'reset' ? QRP_RESET_SIZE : QRP_PATCH_FIXED_SIZE + m.data.length;
}

export function writeQrp(w: WireWriter, m: Qrp): void {
  if (m.variant === 'reset') {
    w.u8(QRP_VARIANT_RESET);
    w.u32le(m.tableLength);
    w.u8(m.infinity);
  } else {
    w.u8(QRP_VARIANT_PATCH);
    w.u8(m.seqNo);
    w.u8(m.seqSize);
    w.u8(m.compressor);
    w.u8(m.entryBits);
    w.bytes(m.data);
  }
}

const QRP_HASH_MULTIPLIER = 0x4f1bbcdc;

/**
 * The QRP hash of a keyword into a table of 2^bits slots (LimeWire's function, also used
 * by gtk-gnutella): lower-case, take the low byte of each UTF-16 unit, XOR them into a
 * little-endian 32-bit word, multiply by 0x4F1BBCDC mod 2^32, keep the top `bits` bits.
 */
export function qrpHash(word: string, bits: number): number {
  let x = 0;
  for (let i = 0; i < word.length; i++) {
    let c = word.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    else if (c >= 0x80) c = lowerUnit(c);
    x ^= (c & 0xff) << ((i & 3) << 3);
  }
  if (bits <= 0) return 0;
  return (Math.imul(x, QRP_HASH_MULTIPLIER) >>> 0) >>> (32 - bits);
}

/** Lower-cases one UTF-16 unit the way Java's Character.toLowerCase(char) does. */
function lowerUnit(c: number): number {
  const l = String.fromCharCode(c).toLowerCase();
  return l.length === 1 ? l.charCodeAt(0) : c;
}
