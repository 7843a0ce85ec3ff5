/**
 * Builds wire bytes by hand for tests, independently of the codec's writer: every field
 * says its byte order, like the wire reference tables.
 */
export class Bytes {
  private readonly parts: Buffer[] = [];

  u8(...v: number[]): this {
    this.parts.push(Buffer.from(v));
    return this;
  }

  u16le(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.parts.push(b);
    return this;
  }

  u32le(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
    return this;
  }

  /** IPv4, big-endian */
  ip(s: string): this {
    this.parts.push(Buffer.from(s.split('.').map(Number)));
    return this;
  }

  /** space-separated hex, e.g. "c3 82 42 48 40" */
  hex(h: string): this {
    this.parts.push(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
    return this;
  }

  text(s: string, enc: BufferEncoding = 'utf8'): this {
    this.parts.push(Buffer.from(s, enc));
    return this;
  }

  /** text followed by NUL */
  cstr(s: string): this {
    return this.text(s).u8(0);
  }

  raw(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }

  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
}

export const GUID_A = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
export const SID = Buffer.from('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'hex');

/** header (GUID, type, TTL, hops, LE u32 length) + payload */
export function frame(
  type: number,
  payload: Buffer | Bytes,
  opts: { guid?: Buffer; ttl?: number; hops?: number } = {},
): Buffer {
  const p = payload instanceof Bytes ? payload.build() : payload;
  return new Bytes()
    .raw(opts.guid ?? GUID_A)
    .u8(type, opts.ttl ?? 4, opts.hops ?? 0)
    .u32le(p.length)
    .raw(p)
    .build();
}

export function hexBytes(h: string): Buffer {
  return Buffer.from(h.replace(/\s+/g, ''), 'hex');
}
