/**
 * A growable cursor writer. `encodeMessage` sizes it exactly up front (so it never grows
 * there); builders that cannot know their size in advance (GGEP blocks, QRP patches) let it
 * grow. Lengths written before their data are back-patched with `patchU32le`.
 */
import { encodeError } from './error-codes.js';

export class WireWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  ensure(n: number): void {
    if (this.buf.length - this.pos < n) this.grow(n);
  }

  u8(v: number): void {
    if ((v & 0xff) !== v) throw encodeError(`u8 out of range: ${v}`);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16le(v: number): void {
    if ((v & 0xffff) !== v) throw encodeError(`u16 out of range: ${v}`);
    this.ensure(2);
    const b = this.buf;
    b[this.pos] = v & 0xff;
    b[this.pos + 1] = v >>> 8;
    this.pos += 2;
  }

  u32le(v: number): void {
    if (v >>> 0 !== v) throw encodeError(`u32 out of range: ${v}`);
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  /** dotted quad → 4 bytes, big-endian (network order) */
  ipv4(ip: string): void {
    this.ensure(4);
    if (!writeIpv4(this.buf, this.pos, ip)) throw encodeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** src[start..end) */
  copy(src: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    this.pos += src.copy(this.buf, this.pos, start, end);
  }

  /** a string as UTF-8; returns the byte count */
  utf8(s: string): number {
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
    return n;
  }

  /** a string of code points ≤ 0xFF as one byte each (GGEP IDs, vendor codes) */
  latin1(s: string): void {
    this.ensure(s.length);
    this.buf.write(s, this.pos, s.length, 'latin1');
    this.pos += s.length;
  }

  /** reserves n bytes to be back-patched; returns their offset */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  patchU32le(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  /** the bytes written so far (a view of the internal buffer) */
  finish(): Buffer {
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos);
  }
}

/**
 * Parses a dotted quad straight into `buf[at..at+4]` (BE). Hand-rolled because it runs for
 * every Pong, Push and QueryHit encoded; returns false when `ip` is not a dotted quad.
 */
export function writeIpv4(buf: Buffer, at: number, ip: string): boolean {
  const n = ip.length;
  if (n < 7 || n > 15) return false;
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 : ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 3) return false;
      buf[at + part] = value;
      part++;
      digits = 0;
      value = 0;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9 || digits === 3) return false;
      value = value * 10 + d;
      if (value > 255) return false;
      digits++;
    }
  }
  return part === 4;
}
