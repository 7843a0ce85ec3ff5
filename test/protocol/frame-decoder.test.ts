/**
 * FrameDecoder: a stream split at any byte offset decodes the same; frames inside one chunk
 * are views, frames across chunks one copy; bad payloads are reported and skipped; lost
 * framing throws once and for good.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import {
  CodecError,
  FrameDecoder,
  FramingError,
  encodeMessage,
  type FrameResult,
} from '../../src/protocol/index.js';
import { Bytes, frame, hexBytes } from './byte-builder.js';
import { loadCaptured } from './captures.js';

/** Encodings of the decoded messages (or error codes), for comparing two decodings. */
function summary(results: FrameResult[]): string[] {
  return results.map((r) =>
    r.ok ? encodeMessage(r.message).toString('hex') : `error ${r.error.code} @${r.error.offset}`,
  );
}

function decodeChunks(chunks: Buffer[]): FrameResult[] {
  const d = new FrameDecoder();
  const out: FrameResult[] = [];
  for (const c of chunks) out.push(...d.push(c));
  expect(d.buffered).toBe(0);
  return out;
}

const badPong = frame(0x01, new Bytes().hex('01 02 03'));
const vectors = [
  hexBytes('00010203040506070809 0a0b0c0d0e0f 00 07 00 00000000'),
  frame(0x01, new Bytes().u16le(6346).ip('192.168.1.10').u32le(3).u32le(1234).hex('c3 82 44 55 42 10 0e')),
  badPong,
  frame(0x80, new Bytes().hex('00 88').cstr('beatles').text('urn:')),
  frame(0x02, new Bytes().u16le(200).cstr('Shutting down'), { ttl: 1 }),
];
const stream = Buffer.concat(vectors);

describe('FrameDecoder', () => {
  const whole = summary(decodeChunks([stream]));

  it('decodes a multi-message stream; a bad payload is an ok:false entry and decoding goes on', () => {
    expect(whole.length).toBe(5);
    const badAt = (vectors[0] as Buffer).length + (vectors[1] as Buffer).length;
    expect(whole[2]).toBe(`error ${CodecError.PAYLOAD_TOO_SHORT} @${badAt + 23}`);
    expect(whole[4]).toBe((vectors[4] as Buffer).toString('hex'));
  });

  it('gives the same messages when the stream is split at every byte offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(summary(decodeChunks([stream.subarray(0, cut), stream.subarray(cut)]))).toEqual(whole);
    }
  });

  it('gives the same messages when split at every pair of offsets and byte by byte', () => {
    for (let a = 1; a < stream.length; a += 3) {
      for (let b = a; b < stream.length; b += 7) {
        const parts = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
        expect(summary(decodeChunks(parts))).toEqual(whole);
      }
    }
    const bytes = [...stream].map((x) => Buffer.from([x]));
    expect(summary(decodeChunks(bytes))).toEqual(whole);
  });

  it('re-delivers every captured descriptor split at every offset', () => {
    const wrong: string[] = [];
    for (const c of loadCaptured()) {
      const b = c.bytes;
      for (let cut = 0; cut <= b.length; cut++) {
        const d = new FrameDecoder();
        const r = [...d.push(b.subarray(0, cut)), ...d.push(b.subarray(cut))];
        const ok =
          r.length === 1 && r[0]?.ok === true && encodeMessage(r[0].message).equals(b) && d.buffered === 0;
        if (!ok) wrong.push(`${c.file} cut at ${cut}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a frame inside one chunk is a view of it; a frame across chunks is copied once', () => {
    const d = new FrameDecoder();
    const chunk = Buffer.concat([stream, Buffer.from([1, 2, 3])]);
    const [first] = d.push(chunk);
    expect(first?.ok && first.message.guid.buffer).toBe(chunk.buffer);
    expect(d.buffered).toBe(3);
    const d2 = new FrameDecoder();
    const a = stream.subarray(0, 10);
    d2.push(a);
    const [r] = d2.push(stream.subarray(10, 23));
    expect(r?.ok && r.message.guid.buffer).not.toBe(a.buffer);
  });

  it('counts consumed and buffered bytes', () => {
    const d = new FrameDecoder();
    d.push(stream.subarray(0, 30));
    expect([d.bytesConsumed, d.buffered]).toEqual([23, 7]);
    d.push(stream.subarray(30));
    expect([d.bytesConsumed, d.buffered]).toEqual([stream.length, 0]);
  });

  it('framing lost: throws a close-level FramingError at the frame’s stream offset, keeps what came before, stays failed', () => {
    const bad = new Bytes().raw(Buffer.alloc(16)).u8(0x80, 4, 0).u32le(5000).build();
    const d = new FrameDecoder();
    d.push(stream.subarray(0, 5));
    let err: unknown;
    try {
      d.push(Buffer.concat([stream.subarray(5), bad]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FramingError);
    const fe = err as FramingError;
    expect([fe.code, fe.action, fe.offset]).toEqual([CodecError.PAYLOAD_TOO_LARGE, 'close', stream.length]);
    expect(summary([...fe.before])).toEqual(whole);
    expect(d.failed).toBe(true);
    expect(() => d.push(stream)).toThrow(ProtocolError);
  });

  it('an empty chunk is harmless', () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.alloc(0))).toEqual([]);
    expect(summary(d.push(stream))).toEqual(whole);
  });

  it('honours custom limits', () => {
    const d = new FrameDecoder({ maxQueryPayload: 5 });
    const q = frame(0x80, new Bytes().u16le(0).cstr('long query'));
    expect(() => d.push(q)).toThrow(FramingError);
  });
});
