/**
 * One test per cap of the wire codec (docs/LIMITS.md, "Wire codec"): each is hit with
 * input just over it, gives its coded error and action, and input at the cap passes.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import {
  CodecError,
  DEFAULT_CODEC_LIMITS,
  FrameDecoder,
  FramingError,
  QrpTable,
  buildGgep,
  decodeMessage,
  sha1Urn,
  type CodecLimits,
} from '../../src/protocol/index.js';
import { Bytes, SID, frame } from './byte-builder.js';

function errorOf(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

function decodeError(bytes: Buffer, limits?: Partial<CodecLimits>): ProtocolError {
  return errorOf(() => decodeMessage(bytes, limits));
}

/** A header alone, announcing `length` payload bytes. */
function headerOnly(type: number, length: number): Buffer {
  return new Bytes().raw(Buffer.alloc(16)).u8(type, 4, 0).u32le(length).build();
}

function hit(names: string[], extra = ''): Buffer {
  const results = new Bytes();
  for (const [i, n] of names.entries()) results.u32le(i).u32le(1).cstr(n).text(extra).u8(0);
  return frame(
    0x81,
    new Bytes().u8(names.length).u16le(1).ip('1.2.3.4').u32le(0).raw(results.build()).raw(SID),
  );
}

function pongWithGgep(exts: { id: string; data: Buffer; compress?: boolean }[]): Buffer {
  const g = buildGgep(exts);
  return frame(
    0x01,
    new Bytes()
      .u16le(1)
      .ip('1.2.3.4')
      .u32le(0)
      .u32le(0)
      .raw(g.raw as Buffer),
  );
}

describe('payload length caps (close, checked on the header before any payload is buffered)', () => {
  const cases: [string, number, number][] = [
    ['ping', 0x00, DEFAULT_CODEC_LIMITS.maxPingPayload],
    ['query', 0x80, DEFAULT_CODEC_LIMITS.maxQueryPayload],
    ['queryhit', 0x81, DEFAULT_CODEC_LIMITS.maxQueryHitPayload],
    ['pong (other types)', 0x01, DEFAULT_CODEC_LIMITS.maxOtherPayload],
    ['unknown type 0xcd', 0xcd, DEFAULT_CODEC_LIMITS.maxOtherPayload],
  ];
  it.each(cases)('%s: cap + 1 announced in the header alone throws E_PAYLOAD_TOO_LARGE', (_n, type, cap) => {
    const d = new FrameDecoder();
    expect(d.push(headerOnly(type, cap))).toEqual([]);
    expect(d.buffered).toBe(23);
    const d2 = new FrameDecoder();
    const e = errorOf(() => d2.push(headerOnly(type, cap + 1)));
    expect(e).toBeInstanceOf(FramingError);
    expect([e.code, e.action, e.offset]).toEqual([CodecError.PAYLOAD_TOO_LARGE, 'close', 0]);
  });

  it('a 4 GiB length is refused at once', () => {
    const e = errorOf(() => new FrameDecoder().push(headerOnly(0x81, 0xffffffff)));
    expect(e.code).toBe(CodecError.PAYLOAD_TOO_LARGE);
  });

  it('decodeMessage applies the same caps, and they are options', () => {
    const q = frame(0x80, new Bytes().u16le(0).cstr('x'.repeat(30)));
    expect(decodeError(q, { maxQueryPayload: 20 }).code).toBe(CodecError.PAYLOAD_TOO_LARGE);
    expect(decodeMessage(q).type).toBe('query');
  });
});

describe('content caps (drop)', () => {
  it('maxResults: more results than the cap', () => {
    const three = hit(['a', 'b', 'c']);
    expect(decodeError(three, { maxResults: 2 }).code).toBe(CodecError.TOO_MANY_RESULTS);
    expect(decodeMessage(three, { maxResults: 3 }).type).toBe('queryhit');
  });

  it('maxNameBytes: a 1025-byte file name', () => {
    expect(decodeError(hit(['n'.repeat(1025)])).code).toBe(CodecError.NAME_TOO_LONG);
    expect(decodeMessage(hit(['n'.repeat(1024)])).type).toBe('queryhit');
  });

  it('maxSearchBytes: a 513-byte search string', () => {
    const q = (n: number): Buffer => frame(0x80, new Bytes().u16le(0).cstr('s'.repeat(n)));
    expect(decodeError(q(513)).code).toBe(CodecError.SEARCH_TOO_LONG);
    expect(decodeMessage(q(512)).type).toBe('query');
  });

  it('maxUrns: 17 distinct URNs in a query', () => {
    const q = (n: number): Buffer => {
      const urns = Array.from({ length: n }, (_, i) => sha1Urn(Buffer.alloc(20, i + 1)));
      return frame(0x80, new Bytes().u16le(0).cstr('\\').text(urns.join('\x1c')));
    };
    expect(decodeError(q(17)).code).toBe(CodecError.TOO_MANY_URNS);
    expect(decodeMessage(q(16)).type).toBe('query');
  });

  it('maxUrns applies per QueryHit result too', () => {
    const urns = Array.from({ length: 3 }, (_, i) => sha1Urn(Buffer.alloc(20, i + 1))).join('\x1c');
    expect(decodeError(hit(['a'], urns), { maxUrns: 2 }).code).toBe(CodecError.TOO_MANY_URNS);
  });

  it('maxGgepExtensions: 33 extensions in one area', () => {
    const exts = (n: number): { id: string; data: Buffer }[] =>
      Array.from({ length: n }, (_, i) => ({ id: `X${i}`, data: Buffer.alloc(0) }));
    expect(decodeError(pongWithGgep(exts(33))).code).toBe(CodecError.GGEP_TOO_MANY);
    expect(decodeMessage(pongWithGgep(exts(32))).type).toBe('pong');
  });

  it('maxGgepInflatedBytes: a zip bomb (1 MiB of zeros in ~1 KiB) is stopped at 64 KiB', () => {
    const bomb = deflateSync(Buffer.alloc(1 << 20));
    expect(bomb.length).toBeLessThan(1100);
    const g = Buffer.concat([
      Buffer.from([0xc3, 0xa1, 0x5a, 0x80 | (bomb.length >> 6), 0x40 | (bomb.length & 63)]),
      bomb,
    ]);
    const pong = frame(0x01, new Bytes().u16le(1).ip('1.2.3.4').u32le(0).u32le(0).raw(g));
    expect(decodeError(pong).code).toBe(CodecError.GGEP_INFLATE_LIMIT);
  });

  it('maxGgepInflatedBytes is one budget per descriptor, shared by its extensions', () => {
    const half = { id: 'A', data: Buffer.alloc(40000), compress: true };
    const pong = pongWithGgep([half, { ...half, id: 'B' }]);
    expect(decodeError(pong).code).toBe(CodecError.GGEP_INFLATE_LIMIT);
    expect(decodeMessage(pong, { maxGgepInflatedBytes: 80000 }).type).toBe('pong');
  });
});

describe('QRP table caps (close: gtk-gnutella answers with Bye 413)', () => {
  const env = { guid: Buffer.alloc(16), ttl: 1, hops: 0 } as const;

  it('maxQrpTableSlots: a RESET asking for 2^22 slots', () => {
    const t = new QrpTable();
    const e = errorOf(() =>
      t.apply({ ...env, type: 'qrp', variant: 'reset', tableLength: 1 << 22, infinity: 7 }),
    );
    expect([e.code, e.action]).toEqual([CodecError.QRP_TABLE_TOO_LARGE, 'close']);
    t.apply({ ...env, type: 'qrp', variant: 'reset', tableLength: 1 << 21, infinity: 7 });
    expect(t.length).toBe(1 << 21);
  });

  it('maxQrpPatchBytes: fragments adding up to more than the cap', () => {
    const t = new QrpTable({ maxQrpPatchBytes: 1000 });
    t.apply({ ...env, type: 'qrp', variant: 'reset', tableLength: 65536, infinity: 7 });
    const patch = (seqNo: number): Parameters<QrpTable['apply']>[0] => ({
      ...env,
      type: 'qrp',
      variant: 'patch',
      seqNo,
      seqSize: 3,
      compressor: 0,
      entryBits: 4,
      data: Buffer.alloc(400),
    });
    t.apply(patch(1));
    t.apply(patch(2));
    const e = errorOf(() => t.apply(patch(3)));
    expect([e.code, e.action]).toEqual([CodecError.QRP_PATCH_TOO_LARGE, 'close']);
  });

  it('a patch that inflates past the table size is refused (bounded inflate)', () => {
    const t = new QrpTable();
    t.apply({ ...env, type: 'qrp', variant: 'reset', tableLength: 1024, infinity: 7 });
    const data = deflateSync(Buffer.alloc(1 << 20));
    const e = errorOf(() =>
      t.apply({
        ...env,
        type: 'qrp',
        variant: 'patch',
        seqNo: 1,
        seqSize: 1,
        compressor: 1,
        entryBits: 4,
        data,
      }),
    );
    expect(e.code).toBe(CodecError.QRP_BAD_PATCH);
  });
});
