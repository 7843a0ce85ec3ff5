/**
 * A bounds-checked cursor over one Chord datagram: one method per wire type, each checking
 * `available < needed` first, so a short or lying datagram yields a coded ProtocolError,
 * never a RangeError. All integers are big-endian.
 */
import { ChordCodecError, chordError } from './errors.js';
import { ChordLimits, ID_SIZE, MAX_ID_BITS, SERVENT_ID_SIZE, URN_SIZE } from './constants.js';
import { base32 } from './base32.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ChordReader {
  readonly buf: Buffer;
  pos: number;
  /** identifier width in bits and in hex digits */
  readonly idBits: number;
  private readonly idHex: number;

  constructor(buf: Buffer, idBits: number, pos = 0) {
    this.buf = buf;
    this.pos = pos;
    this.idBits = idBits;
    this.idHex = Math.ceil(idBits / 4);
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.buf.length - this.pos < n) {
      throw chordError(
        ChordCodecError.TRUNCATED,
        `${what}: need ${n} bytes, ${this.buf.length - this.pos} left`,
        this.pos,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  /** a byte that must be 0 or 1 */
  bool(what: string): boolean {
    const at = this.pos;
    const v = this.u8(what);
    if (v > 1) throw chordError(ChordCodecError.BAD_FLAG, `${what}: flag byte ${v}`, at);
    return v === 1;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** u64 that must fit a JS safe integer (file sizes) */
  u53(what: string): number {
    const at = this.pos;
    const hi = this.u32(what);
    const lo = this.u32(what);
    if (hi > 0x1fffff) throw chordError(ChordCodecError.BAD_SIZE, `${what}: beyond 2^53`, at);
    return hi * 0x100000000 + lo;
  }

  /** a count u8 that must not exceed `max` */
  count(max: number, code: (typeof ChordCodecError)[keyof typeof ChordCodecError], what: string): number {
    const at = this.pos;
    const n = this.u8(what);
    if (n > max) throw chordError(code, `${what}: ${n} > ${max}`, at);
    return n;
  }

  /** 20-byte identifier → ceil(idBits/4) hex digits; the value must be < 2^idBits */
  id(what: string): string {
    this.need(ID_SIZE, what);
    const b = this.buf;
    const p = this.pos;
    const zeroBits = MAX_ID_BITS - this.idBits;
    const zeroBytes = zeroBits >>> 3;
    for (let i = 0; i < zeroBytes; i++) {
      if (b[p + i] !== 0) throw chordError(ChordCodecError.ID_RANGE, `${what}: above 2^${this.idBits}`, p);
    }
    const partial = zeroBits & 7;
    if (partial !== 0 && (b[p + zeroBytes] as number) >>> (8 - partial) !== 0) {
      throw chordError(ChordCodecError.ID_RANGE, `${what}: above 2^${this.idBits}`, p);
    }
    this.pos = p + ID_SIZE;
    return b.toString('hex', p, p + ID_SIZE).slice(2 * ID_SIZE - this.idHex);
  }

  /** IPv4 (network order) + port; unspecified, multicast, reserved, broadcast and port 0 refused */
  addr(what: string): string {
    this.need(6, what);
    const b = this.buf;
    const p = this.pos;
    const a = b[p] as number;
    const port = b.readUInt16BE(p + 4);
    if (a === 0 || a >= 224 || port === 0) {
      throw chordError(ChordCodecError.BAD_ADDRESS, `${what}: not a unicast address`, p);
    }
    this.pos = p + 6;
    return `${a}.${b[p + 1] as number}.${b[p + 2] as number}.${b[p + 3] as number}:${port}`;
  }

  urn(what: string): string {
    this.need(URN_SIZE, what);
    const s = base32(this.buf.subarray(this.pos, this.pos + URN_SIZE));
    this.pos += URN_SIZE;
    return `urn:sha1:${s}`;
  }

  serventId(what: string): string {
    this.need(SERVENT_ID_SIZE, what);
    const s = this.buf.toString('hex', this.pos, this.pos + SERVENT_ID_SIZE);
    this.pos += SERVENT_ID_SIZE;
    return s;
  }

  /** u8 length (1 … max) + UTF-8 text without NUL (and without '/' when `path` is set) */
  text(max: number, path: boolean, what: string): string {
    const at = this.pos;
    const n = this.u8(what);
    if (n === 0 || n > max) {
      throw chordError(
        path ? ChordCodecError.NAME_LENGTH : ChordCodecError.WORD_LENGTH,
        `${what}: length ${n}`,
        at,
      );
    }
    this.need(n, what);
    let s: string;
    try {
      s = utf8.decode(this.buf.subarray(this.pos, this.pos + n));
    } catch {
      throw chordError(ChordCodecError.BAD_TEXT, `${what}: invalid UTF-8`, this.pos);
    }
    if (s.includes('\0') || (path && (s.includes('/') || s.includes('\\')))) {
      throw chordError(ChordCodecError.BAD_TEXT, `${what}: forbidden character`, this.pos);
    }
    this.pos += n;
    return s;
  }

  ttl(what: string): number {
    const at = this.pos;
    const v = this.u32(what);
    if (v > ChordLimits.MAX_TTL_MS) throw chordError(ChordCodecError.BAD_TTL, `${what}: ${v} ms`, at);
    return v;
  }
}
