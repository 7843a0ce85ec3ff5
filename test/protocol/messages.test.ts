/**
 * One descriptor type at a time (header, ping, pong, bye, push, QRP, vendor, unknown),
 * built byte by byte: the fields decode as the wire reference says, odd-but-legal layouts
 * survive a round trip, malformed payloads give coded drop errors, and messages the wire
 * cannot carry are refused by the encoder. Query and QueryHit: query-queryhit.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  decodeMessage,
  encodeMessage,
  ggepGet,
  type Message,
  type QueryHit,
} from '../../src/protocol/index.js';
import { Bytes, SID, frame } from './byte-builder.js';
import { as, errorOf, rt } from './helpers.js';

describe('header', () => {
  it('reads GUID, type, TTL, hops and the LE payload length', () => {
    const b = frame(0x00, new Bytes(), { ttl: 3, hops: 4 });
    expect(b.length).toBe(23);
    const m = as(rt(b), 'ping');
    expect([m.ttl, m.hops]).toEqual([3, 4]);
  });

  it('a frame that is not header + announced payload is a close-level error', () => {
    const b = frame(0x01, new Bytes().hex('ca18 7f000001 00000000 00000000'));
    const e = errorOf(() => decodeMessage(b.subarray(0, b.length - 1)));
    expect([e.code, e.action]).toEqual([CodecError.FRAME_LENGTH, 'close']);
    expect(errorOf(() => decodeMessage(b.subarray(0, 10))).code).toBe(CodecError.FRAME_LENGTH);
  });

  it.each([
    [0x01, 13],
    [0x02, 1],
    [0x40, 25],
    [0x80, 2],
    [0x81, 26],
    [0x30, 0],
    [0x31, 7],
  ])('type 0x%s shorter than its fixed part (%i bytes) is dropped', (type, n) => {
    const e = errorOf(() => decodeMessage(frame(type, Buffer.alloc(n, 0x41))));
    expect([e.code, e.action]).toEqual([CodecError.PAYLOAD_TOO_SHORT, 'drop']);
  });
});

describe('ping', () => {
  it('carries a GGEP block (SCP)', () => {
    const m = as(rt(frame(0x00, new Bytes().hex('c3 83 53 43 50 41 01'))), 'ping');
    expect(ggepGet(m.ggep, 'SCP')?.toString('hex')).toBe('01');
  });

  it('keeps non-GGEP bytes in `extra`', () => {
    const m = as(rt(frame(0x00, new Bytes().text('junk'))), 'ping');
    expect(m.extra?.toString()).toBe('junk');
    expect(m.ggep).toBeUndefined();
  });
});

describe('pong', () => {
  it('port LE, IPv4 BE, files and KB LE, then GGEP and trailing bytes', () => {
    const p = new Bytes()
      .u16le(6346)
      .ip('203.0.113.9')
      .u32le(7)
      .u32le(1 << 20)
      .hex('c3 82 44 55 41 06')
      .text('xy');
    const m = as(rt(frame(0x01, p)), 'pong');
    expect([m.port, m.ip, m.files, m.kbytes]).toEqual([6346, '203.0.113.9', 7, 1 << 20]);
    expect(ggepGet(m.ggep, 'DU')?.[0]).toBe(6);
    expect(m.extra?.toString()).toBe('xy');
  });

  it('a broken GGEP block drops the pong', () => {
    const p = new Bytes().u16le(1).ip('1.2.3.4').u32le(0).u32le(0).hex('c3 02 44 55 42 10');
    expect(errorOf(() => decodeMessage(frame(0x01, p))).code).toBe(CodecError.GGEP_TRUNCATED);
  });
});

describe('bye', () => {
  it('code LE, reason up to the first line end, header lines kept', () => {
    const text = 'Too many duplicates\r\nServer: servent/0.1\r\n\r\n';
    const m = as(rt(frame(0x02, new Bytes().u16le(401).cstr(text), { ttl: 1 })), 'bye');
    expect([m.code, m.reason, m.nulTerminated, m.raw?.toString()]).toEqual([
      401,
      'Too many duplicates',
      true,
      text,
    ]);
  });

  it('a description without its NUL survives the round trip', () => {
    const m = as(rt(frame(0x02, new Bytes().u16le(200).text('bye'))), 'bye');
    expect([m.reason, m.nulTerminated]).toEqual(['bye', false]);
  });

  it('invalid UTF-8 is decoded as Latin-1 and re-encoded exactly', () => {
    const m = as(rt(frame(0x02, new Bytes().u16le(200).hex('ff fe 41 00'))), 'bye');
    expect(m.reason).toBe('\u00ff\u00feA');
  });

  it('a Bye built from fields is NUL-terminated UTF-8', () => {
    const b = encodeMessage({
      type: 'bye',
      guid: Buffer.alloc(16),
      ttl: 1,
      hops: 0,
      code: 200,
      reason: 'Fermé',
    });
    expect(b.subarray(23).toString('hex')).toBe(new Bytes().u16le(200).cstr('Fermé').build().toString('hex'));
    const edited = { ...as(decodeMessage(b), 'bye'), reason: 'other' };
    expect(as(decodeMessage(encodeMessage(edited)), 'bye').reason).toBe('other');
  });
});

describe('push', () => {
  it('servent ID, LE index, BE IPv4, LE port, optional GGEP', () => {
    const p = new Bytes().raw(SID).u32le(0xfffffffd).ip('192.0.2.1').u16le(6348).hex('c3 83 54 4c 53 40');
    const m = as(rt(frame(0x40, p)), 'push');
    expect([m.serventId.toString('hex'), m.index, m.ip, m.port]).toEqual([
      SID.toString('hex'),
      0xfffffffd,
      '192.0.2.1',
      6348,
    ]);
    expect(m.ggep?.extensions.map((e) => e.id)).toEqual(['TLS']);
  });
});

describe('QRP', () => {
  it('an unknown variant is dropped', () => {
    expect(errorOf(() => decodeMessage(frame(0x30, new Bytes().hex('02 00 00 00 00 00')))).code).toBe(
      CodecError.QRP_BAD_VARIANT,
    );
  });
  it('a RESET that is not 6 bytes is dropped', () => {
    expect(errorOf(() => decodeMessage(frame(0x30, new Bytes().hex('00 00 00 01 00 07 00')))).code).toBe(
      CodecError.QRP_BAD_LENGTH,
    );
  });
  it('a PATCH without its 5-byte head is dropped', () => {
    expect(errorOf(() => decodeMessage(frame(0x30, new Bytes().hex('01 01 01 01')))).code).toBe(
      CodecError.QRP_BAD_LENGTH,
    );
  });
  it('a PATCH fragment keeps its data', () => {
    const m = as(rt(frame(0x30, new Bytes().hex('01 02 03 01 04 aa bb'))), 'qrp');
    expect(m).toMatchObject({ variant: 'patch', seqNo: 2, seqSize: 3, compressor: 1, entryBits: 4 });
  });
});

describe('vendor and unknown', () => {
  it('0x32 standard vendor message', () => {
    const m = as(rt(frame(0x32, new Bytes().text('LIME').u16le(21).u16le(2))), 'vendor');
    expect([m.payloadType, m.vendor, m.selector, m.version, m.body.length]).toEqual([0x32, 'LIME', 21, 2, 0]);
  });
  it('an unknown type keeps its payload', () => {
    const m = as(rt(frame(0x99, new Bytes().hex('01 02 03'))), 'unknown');
    expect([m.payloadType, m.payload.toString('hex')]).toEqual([0x99, '010203']);
  });
});

describe('encoding a message the wire cannot carry', () => {
  const base = { guid: Buffer.alloc(16), ttl: 1, hops: 0 };
  it.each<[string, Message]>([
    ['bad IPv4', { ...base, type: 'pong', port: 1, ip: '1.2.3', files: 0, kbytes: 0 }],
    ['IPv4 part > 255', { ...base, type: 'pong', port: 1, ip: '1.2.3.256', files: 0, kbytes: 0 }],
    ['port out of range', { ...base, type: 'pong', port: 70000, ip: '1.2.3.4', files: 0, kbytes: 0 }],
    ['negative count', { ...base, type: 'pong', port: 1, ip: '1.2.3.4', files: -1, kbytes: 0 }],
    ['short GUID', { ...base, guid: Buffer.alloc(15), type: 'ping' }],
    ['TTL > 255', { ...base, ttl: 256, type: 'ping' }],
    [
      'vendor code of 3',
      {
        ...base,
        type: 'vendor',
        payloadType: 0x31,
        vendor: 'ABC',
        selector: 0,
        version: 0,
        body: Buffer.alloc(0),
      },
    ],
    [
      'vendor type 0x33',
      {
        ...base,
        type: 'vendor',
        payloadType: 0x33,
        vendor: 'ABCD',
        selector: 0,
        version: 0,
        body: Buffer.alloc(0),
      },
    ],
    ['unknown with a known type', { ...base, type: 'unknown', payloadType: 0x80, payload: Buffer.alloc(0) }],
    [
      'QRP seq no 256',
      {
        ...base,
        type: 'qrp',
        variant: 'patch',
        seqNo: 256,
        seqSize: 1,
        compressor: 0,
        entryBits: 4,
        data: Buffer.alloc(0),
      },
    ],
    ['NUL in a search', { ...base, type: 'query', minSpeed: 0, search: 'a\0b', urns: [] }],
    [
      'GGEP ID of 16 chars',
      { ...base, type: 'ping', ggep: { extensions: [{ id: 'X'.repeat(16), data: Buffer.alloc(0) }] } },
    ],
  ])('%s', (_name, m) => {
    const e = errorOf(() => encodeMessage(m));
    expect(e.code).toBe(CodecError.ENCODE_INVALID);
  });

  it('a decoded Pong GGEP block (holding 0x00, no COBS) moved into a QueryHit result', () => {
    const pong = as(
      decodeMessage(
        frame(0x01, new Bytes().u16le(1).ip('1.2.3.4').u32le(0).u32le(0).hex('c3 81 41 42 00 01')),
      ),
      'pong',
    );
    const hit: QueryHit = {
      ...base,
      type: 'queryhit',
      port: 1,
      ip: '1.2.3.4',
      speed: 0,
      results: [{ index: 1, size: 1, name: 'a', urns: [], ...(pong.ggep ? { ggep: pong.ggep } : {}) }],
      vendor: null,
      serventId: SID,
    };
    expect(errorOf(() => encodeMessage(hit)).code).toBe(CodecError.ENCODE_INVALID);
  });
});
