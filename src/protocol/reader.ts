/**
 * A cursor over one payload: one method per wire type, each checking `available < needed`
 * against the payload end (never the buffer end), so a lying length field yields a coded
 * ProtocolError instead of a RangeError or a read into the next descriptor.
 * Byte slices are zero-copy views of the frame.
 */
import { CodecError, dropError } from './error-codes.js';

export class WireReader {
  buf: Buffer;
  pos: number;
  /** exclusive end of the readable region; callers may narrow it temporarily */
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get available(): number {
    return this.end - this.pos;
  }

  private short(n: number, what: string): never {
    throw dropError(CodecError.TRUNCATED, `${what}: need ${n} bytes, ${this.end - this.pos} left`, this.pos);
  }

  u8(what = 'u8'): number {
    if (this.end - this.pos < 1) this.short(1, what);
    return this.buf[this.pos++] as number;
  }

  /** little-endian u16 (ports, Bye code, vendor selector/version) */
  u16le(what = 'u16'): number {
    if (this.end - this.pos < 2) this.short(2, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p] as number) | ((b[p + 1] as number) << 8);
  }

  /** little-endian u32 (lengths, counts, file index/size, speed) */
  u32le(what = 'u32'): number {
    if (this.end - this.pos < 4) this.short(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** IPv4, big-endian (network order) on the wire, as a dotted quad */
  ipv4(what = 'ipv4'): string {
    if (this.end - this.pos < 4) this.short(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return `${b[p] as number}.${b[p + 1] as number}.${b[p + 2] as number}.${b[p + 3] as number}`;
  }

  /** n bytes as a view (no copy) */
  bytes(n: number, what = 'bytes'): Buffer {
    if (this.end - this.pos < n) this.short(n, what);
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /** 4 bytes read as a Latin-1 string (vendor codes: exact byte round trip) */
  code4(what = 'code'): string {
    if (this.end - this.pos < 4) this.short(4, what);
    const p = this.pos;
    this.pos = p + 4;
    return this.buf.toString('latin1', p, p + 4);
  }

  skip(n: number, what = 'skip'): void {
    if (this.end - this.pos < n) this.short(n, what);
    this.pos += n;
  }

  /** index of `byte` in [pos, end), or -1; never looks past `end` */
  indexOf(byte: number, from = this.pos): number {
    const i = this.buf.indexOf(byte, from);
    return i < 0 || i >= this.end ? -1 : i;
  }

  /** the rest of the region as a view; moves to the end */
  rest(): Buffer {
    const p = this.pos;
    this.pos = this.end;
    return this.buf.subarray(p, this.end);
  }
}
