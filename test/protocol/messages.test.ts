/**
 * One descriptor type at a time, built byte by byte: the fields decode as the wire
 * reference says, odd-but-legal layouts survive a round trip, and malformed payloads give
 * coded drop errors.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import {
  CodecError,
  buildGgep,
  decodeMessage,
  encodeMessage,
  encodedLength,
  ggepGet,
  queryFlags,
  queryFlagsToMinSpeed,
  sha1Urn,
  type Message,
  type QueryHit,
} from '../../src/protocol/index.js';
import { Bytes, SID, frame } from './byte-builder.js';

const URN_ABC = 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5';
const DIGEST_ABC = Buffer.from('a9993e364706816aba3e25717850c26c9cd0d89d', 'hex');

function rt(bytes: Buffer): Message {
  const m = decodeMessage(bytes);
  expect(encodeMessage(m).toString('hex')).toBe(bytes.toString('hex'));
  expect(encodedLength(m)).toBe(bytes.length);
  return m;
}

function as<T extends Message['type']>(m: Message, type: T): Extract<Message, { type: T }> {
  expect(m.type).toBe(type);
  return m as Extract<Message, { type: T }>;
}

function errorOf(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

/** A QueryHit payload: fixed part, given results bytes, trailer bytes, servent ID. */
function hitPayload(count: number, results: Bytes, trailer = new Bytes()): Bytes {
  return new Bytes()
    .u8(count)
    .u16le(6346)
    .ip('10.0.0.1')
    .u32le(100)
    .raw(results.build())
    .raw(trailer.build())
    .raw(SID);
}

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

describe('query', () => {
  it('extension area: HUGE, XML and GGEP (last, holding 0x1C) with a trailing NUL tolerated', () => {
    const h = buildGgep(
      [
        { id: 'H', data: Buffer.concat([Buffer.from([1]), DIGEST_ABC]) },
        { id: 'X', data: Buffer.from([0x1c, 0x1c]) },
      ],
      {
        cobs: true,
      },
    );
    const p = new Bytes()
      .hex('00 88')
      .cstr('the beatles')
      .text(URN_ABC.toLowerCase().replace('urn:sha1:', 'URN:SHA1:'))
      .u8(0x1c)
      .text('<?xml version="1.0"?><audios/>')
      .u8(0x1c)
      .raw(h.raw as Buffer)
      .u8(0);
    const m = as(rt(frame(0x80, p)), 'query');
    expect(m.search).toBe('the beatles');
    expect(m.urns).toEqual([URN_ABC]);
    expect(m.ggep?.extensions.map((e) => e.id)).toEqual(['H', 'X']);
    expect(ggepGet(m.ggep, 'X')?.toString('hex')).toBe('1c1c');
  });

  it('URNs from GGEP H (bitprint), GGEP u and urn:bitprint text are SHA-1 URNs', () => {
    const tiger = Buffer.alloc(24, 7);
    const g = buildGgep([
      { id: 'H', data: Buffer.concat([Buffer.from([2]), DIGEST_ABC, tiger]) },
      { id: 'u', data: Buffer.from('sha1:' + URN_ABC.slice(9)) },
    ]);
    const other = sha1Urn(Buffer.alloc(20, 1));
    const bitprint = 'urn:bitprint:' + other.slice(9) + '.' + 'A'.repeat(39);
    const p = new Bytes()
      .u16le(0)
      .cstr('\\')
      .text(bitprint)
      .u8(0x1c)
      .raw(g.raw as Buffer);
    const m = as(rt(frame(0x80, p)), 'query');
    expect(m.urns).toEqual([other, URN_ABC]);
  });

  it('invalid UTF-8 in the search is kept raw', () => {
    const m = as(rt(frame(0x80, new Bytes().u16le(0).hex('e9 74 e9 00'))), 'query');
    expect([m.search, m.rawSearch?.toString('hex')]).toEqual(['\u00e9t\u00e9', 'e974e9']);
  });

  it('no NUL after the search is dropped', () => {
    expect(errorOf(() => decodeMessage(frame(0x80, new Bytes().u16le(0).text('abc')))).code).toBe(
      CodecError.QUERY_NO_NUL,
    );
  });

  it('a query built from fields writes URNs, then GGEP (COBS when it holds 0x00)', () => {
    const ggep = { extensions: [{ id: 'Z', data: Buffer.from([0, 1, 0]) }] };
    const b = encodeMessage({
      type: 'query',
      guid: Buffer.alloc(16),
      ttl: 4,
      hops: 0,
      minSpeed: queryFlagsToMinSpeed({ ggepH: true }),
      search: 'jazz',
      urns: [URN_ABC],
      ggep,
    });
    expect(b.subarray(23, 25).toString('hex')).toBe('8800');
    const ext = b.subarray(23 + 2 + 5);
    expect(ext.includes(0)).toBe(false);
    const m = as(decodeMessage(b), 'query');
    expect(m.urns).toEqual([URN_ABC]);
    expect(ggepGet(m.ggep, 'Z')?.toString('hex')).toBe('000100');
  });

  describe('queryFlags', () => {
    it('big-endian flags (gtk-gnutella 0xB900)', () => {
      const f = queryFlags(0x00b9);
      expect(f).toMatchObject({
        form: 'be',
        word: 0xb900,
        wantsXml: true,
        leafGuided: true,
        ggepH: true,
        semiReliableUdp: true,
      });
      expect(f).toMatchObject({ firewalled: false, outOfBand: false, firewallToFirewall: false, maxHits: 0 });
    });
    it('little-endian fallback when bits 15, 12 and 11 are set (old Shareaza)', () => {
      const f = queryFlags(0x9832);
      expect(f).toMatchObject({ form: 'le', word: 0x9832, leafGuided: true, ggepH: true, maxHits: 0x32 });
    });
    it('anything else is a legacy minimum speed', () => {
      expect(queryFlags(0x0040)).toMatchObject({ form: 'speed', word: 0, minSpeed: 64, ggepH: false });
    });
    it('queryFlagsToMinSpeed puts the flags on the wire big-endian', () => {
      const v = queryFlagsToMinSpeed({ firewalled: true, outOfBand: true, maxHits: 50 });
      expect(queryFlags(v)).toMatchObject({
        form: 'be',
        word: 0xc432,
        firewalled: true,
        outOfBand: true,
        maxHits: 50,
      });
    });
  });
});

describe('queryhit', () => {
  it('UTF-8 "é" (C3 A9) inside XML before the GGEP block is not mistaken for GGEP', () => {
    const g = buildGgep([{ id: 'CT', data: Buffer.from('8a283c68', 'hex') }], { cobs: true });
    const results = new Bytes()
      .u32le(1)
      .u32le(10)
      .cstr('café.mp3')
      .text('<audio title="été"/>')
      .u8(0x1c)
      .text(URN_ABC)
      .u8(0x1c)
      .raw(g.raw as Buffer)
      .u8(0);
    const m = as(
      rt(frame(0x81, hitPayload(1, results, new Bytes().text('GTKG').u8(2).hex('2d 01')))),
      'queryhit',
    );
    const r = m.results[0];
    expect([r?.name, r?.urns, r?.ggep?.extensions.map((e) => e.id)]).toEqual(['café.mp3', [URN_ABC], ['CT']]);
    expect(m.flags).toEqual({ push: true, busy: false, uploaded: false, ggep: false });
  });

  it('no trailer: vendor null, servent ID from the last 16 bytes', () => {
    const m = as(rt(frame(0x81, hitPayload(1, new Bytes().u32le(1).u32le(2).cstr('a').u8(0)))), 'queryhit');
    expect([m.vendor, m.flags, m.openData, m.serventId.toString('hex')]).toEqual([
      null,
      undefined,
      undefined,
      SID.toString('hex'),
    ]);
  });

  it('1–4 stray bytes before the servent ID are kept, not read as a trailer', () => {
    const m = as(rt(frame(0x81, hitPayload(0, new Bytes(), new Bytes().text('GTK')))), 'queryhit');
    expect([m.vendor, m.privateArea?.toString()]).toEqual([null, 'GTK']);
  });

  it('open data of 4 bytes (XML length) and a private area whose GGEP is found after vendor bytes', () => {
    const trailer = new Bytes()
      .text('LIME')
      .u8(4)
      .hex('3c 21 05 00')
      .hex('01 02')
      .hex('c3 82 42 48 40')
      .text('<xml>');
    const m = as(rt(frame(0x81, hitPayload(0, new Bytes(), trailer))), 'queryhit');
    expect(m.openData?.toString('hex')).toBe('3c210500');
    expect(m.flags?.ggep).toBe(true);
    expect(m.ggep?.extensions.map((e) => e.id)).toEqual(['BH']);
    expect(m.privateArea?.toString('latin1')).toBe('\x01\x02\xc3\x82BH@<xml>');
  });

  it('vendor bytes that merely contain 0xC3 do not drop the hit', () => {
    const trailer = new Bytes().text('RAZA').u8(2).hex('20 20').hex('01 c3 ff ff');
    const m = as(rt(frame(0x81, hitPayload(0, new Bytes(), trailer))), 'queryhit');
    expect(m.ggep).toBeUndefined();
    expect(m.flags?.ggep).toBe(true);
    // but a private area that starts with 0xC3 must be a valid GGEP block
    const strict = new Bytes().text('RAZA').u8(2).hex('20 20').hex('c3 ff ff');
    expect(errorOf(() => decodeMessage(frame(0x81, hitPayload(0, new Bytes(), strict)))).code).toBe(
      CodecError.GGEP_BAD_FLAGS,
    );
  });

  it('open data running past the trailer is dropped', () => {
    const trailer = new Bytes().text('GTKG').u8(9).hex('2c 21');
    expect(errorOf(() => decodeMessage(frame(0x81, hitPayload(0, new Bytes(), trailer)))).code).toBe(
      CodecError.QUERYHIT_BAD_TRAILER,
    );
  });

  it('a result is never read into the servent ID, even when the ID holds the NULs', () => {
    // name runs to the end; the only NULs are inside the servent ID
    const payload = new Bytes()
      .u8(1)
      .u16le(1)
      .ip('1.2.3.4')
      .u32le(0)
      .u32le(1)
      .u32le(1)
      .text('name')
      .raw(Buffer.alloc(16));
    expect(errorOf(() => decodeMessage(frame(0x81, payload))).code).toBe(CodecError.QUERYHIT_BAD_RESULT);
  });

  it('count larger than the results present is dropped', () => {
    const results = new Bytes().u32le(1).u32le(2).cstr('a').u8(0);
    expect(errorOf(() => decodeMessage(frame(0x81, hitPayload(3, results)))).code).toBe(
      CodecError.QUERYHIT_BAD_RESULT,
    );
  });

  it('invalid UTF-8 names are kept raw', () => {
    const results = new Bytes().u32le(1).u32le(2).hex('63 61 66 e9 00').u8(0);
    const m = as(rt(frame(0x81, hitPayload(1, results))), 'queryhit');
    expect([m.results[0]?.name, m.results[0]?.rawName?.toString('hex')]).toEqual(['caf\u00e9', '636166e9']);
  });

  it('a hit built from fields: flags with inverted push semantics, GGEP BH in the private area', () => {
    const hit: QueryHit = {
      type: 'queryhit',
      guid: Buffer.alloc(16, 1),
      ttl: 3,
      hops: 0,
      port: 6346,
      ip: '192.168.1.10',
      speed: 1000,
      results: [
        {
          index: 2,
          size: 123,
          name: 'beatles.txt',
          urns: [URN_ABC],
          ggep: { extensions: [{ id: 'H', data: Buffer.concat([Buffer.from([1]), DIGEST_ABC]) }] },
        },
      ],
      vendor: 'XMPL',
      flags: { push: true, busy: false, uploaded: true, speedMeasured: false, ggep: true },
      ggep: { extensions: [{ id: 'BH', data: Buffer.alloc(0) }] },
      serventId: SID,
    };
    const b = encodeMessage(hit);
    expect(encodedLength(hit)).toBe(b.length);
    const m = as(decodeMessage(b), 'queryhit');
    expect(m.openData?.toString('hex')).toBe('3d29');
    expect(m.flags).toEqual(hit.flags);
    expect(m.results[0]?.urns).toEqual([URN_ABC]);
    expect(m.ggep?.extensions.map((e) => e.id)).toEqual(['BH']);
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
