/**
 * A bounds-checked cursor over one Kelips datagram: one method per wire type, each checking
 * `available < needed` first, so a short or lying datagram yields a coded ProtocolError,
 * never a RangeError. All integers are big-endian.
 */
import { keywords } from '../../core/keywords.js';
import { base32Encode } from '../base32.js';
import { formatAddr, isUsableAddr } from './address.js';
import {
  KelipsLimits,
  MEMBER_SIZE,
  SERVENT_ID_SIZE,
  TUPLE_HAS_URN,
  TUPLE_KEY_IS_URN,
  URN_SIZE,
} from './constants.js';
import { KelipsCodecError, kelipsError } from './errors.js';
import type { KelipsTuple, MemberEntry } from './messages.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A keyword as `core/keywords.ts` spells it: `keywords(w, 1)` gives back exactly `[w]`. */
export function isCanonicalWord(w: string): boolean {
  const k = keywords(w, 1);
  return k.length === 1 && k[0] === w;
}

export class KelipsReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
  ) {
    this.pos = pos;
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.buf.length - this.pos < n) {
      throw kelipsError(
        KelipsCodecError.TRUNCATED,
        `${what}: need ${n} bytes, ${this.buf.length - this.pos} left`,
        this.pos,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
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

  /** u8 count checked against `max` */
  count(what: string, max: number, code: (typeof KelipsCodecError)[keyof typeof KelipsCodecError]): number {
    const at = this.pos;
    const n = this.u8(what);
    if (n > max) throw kelipsError(code, `${what}: ${n} (max ${max})`, at);
    return n;
  }

  /** flags byte with only `allowed` bits possibly set */
  flags(what: string, allowed: number): number {
    const at = this.pos;
    const f = this.u8(what);
    if ((f & ~allowed) !== 0)
      throw kelipsError(KelipsCodecError.BAD_FLAG, `${what}: flags 0x${f.toString(16)}`, at);
    return f;
  }

  /** IPv4(4) port(2) → "ip:port"; non-unicast addresses (0/8, 224/4, 240/4) and port 0 are refused */
  addr(what: string): string {
    this.need(6, what);
    const at = this.pos;
    const ip = this.buf.readUInt32BE(this.pos);
    const port = this.buf.readUInt16BE(this.pos + 4);
    this.pos += 6;
    if (!isUsableAddr(ip, port))
      throw kelipsError(KelipsCodecError.BAD_ADDRESS, `${what}: unusable address`, at);
    return formatAddr(ip, port);
  }

  /** `n` bytes of UTF-8 text (no NUL) */
  text(n: number, what: string): string {
    this.need(n, what);
    const at = this.pos;
    let s: string;
    try {
      s = utf8.decode(this.buf.subarray(this.pos, this.pos + n));
    } catch {
      throw kelipsError(KelipsCodecError.BAD_TEXT, `${what}: not UTF-8`, at);
    }
    if (s.includes('\0')) throw kelipsError(KelipsCodecError.BAD_TEXT, `${what}: contains NUL`, at);
    this.pos += n;
    return s;
  }

  /** len(1) + a canonical keyword of 1 … MAX_WORD_BYTES bytes */
  word(what: string): string {
    const at = this.pos;
    const n = this.u8(what);
    if (n === 0 || n > KelipsLimits.MAX_WORD_BYTES) {
      throw kelipsError(
        KelipsCodecError.WORD_LENGTH,
        `${what}: ${n} bytes (1 … ${KelipsLimits.MAX_WORD_BYTES})`,
        at,
      );
    }
    const w = this.text(n, what);
    if (!isCanonicalWord(w)) throw kelipsError(KelipsCodecError.BAD_WORD, `${what}: not a keyword`, at);
    return w;
  }

  urn(what: string): string {
    this.need(URN_SIZE, what);
    const s = 'urn:sha1:' + base32Encode(this.buf, this.pos, this.pos + URN_SIZE);
    this.pos += URN_SIZE;
    return s;
  }

  member(what: string): MemberEntry {
    const addr = this.addr(what);
    const hb = this.u32(what);
    return { addr, hb, ageS: this.u16(what) };
  }

  members(n: number, what: string): MemberEntry[] {
    // n ≤ MAX_MEMBERS was checked by the caller
    this.need(n * MEMBER_SIZE, what);
    const out: MemberEntry[] = [];
    for (let i = 0; i < n; i++) out.push(this.member(what));
    return out;
  }

  tuple(what: string): KelipsTuple {
    const flags = this.flags(`${what} flags`, TUPLE_HAS_URN | TUPLE_KEY_IS_URN);
    const hasUrn = (flags & TUPLE_HAS_URN) !== 0;
    const keyIsUrn = (flags & TUPLE_KEY_IS_URN) !== 0;
    if (keyIsUrn && !hasUrn) {
      throw kelipsError(
        KelipsCodecError.BAD_FLAG,
        `${what}: key is the urn but there is no urn`,
        this.pos - 1,
      );
    }
    const key = keyIsUrn ? undefined : this.word(`${what} key`);
    const nameAt = this.pos;
    const nameLen = this.u8(`${what} name length`);
    if (nameLen === 0) throw kelipsError(KelipsCodecError.NAME_LENGTH, `${what}: empty file name`, nameAt);
    const name = this.text(nameLen, `${what} name`);
    const size = this.u16(`${what} size`) * 2 ** 32 + this.u32(`${what} size`);
    const urn = hasUrn ? this.urn(`${what} urn`) : undefined;
    const holder = this.addr(`${what} holder`);
    this.need(SERVENT_ID_SIZE, `${what} servent id`);
    const serventId = this.buf.toString('hex', this.pos, this.pos + SERVENT_ID_SIZE);
    this.pos += SERVENT_ID_SIZE;
    const index = this.u32(`${what} index`);
    const hb = this.u32(`${what} version`);
    const colon = holder.lastIndexOf(':');
    return {
      key: key ?? (urn as string),
      name,
      size,
      urn,
      index,
      ip: holder.slice(0, colon),
      port: Number(holder.slice(colon + 1)),
      serventId,
      hb,
    };
  }

  tuples(n: number, what: string): KelipsTuple[] {
    const out: KelipsTuple[] = [];
    for (let i = 0; i < n; i++) out.push(this.tuple(`${what}[${i}]`));
    return out;
  }
}
