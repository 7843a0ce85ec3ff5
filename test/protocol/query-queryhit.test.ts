/**
 * Query and QueryHit built byte by byte: extension areas (HUGE, XML, GGEP last), URNs from
 * text and GGEP, the flags word, result walking that never reads into the servent ID, EQHD
 * trailers and their inverted push bit, lenient strings kept raw.
 */
import { describe, expect, it } from 'vitest';
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
  type QueryHit,
} from '../../src/protocol/index.js';
import { Bytes, SID, frame } from './byte-builder.js';
import { as, errorOf, hitPayload, rt } from './helpers.js';

const URN_ABC = 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5';
const DIGEST_ABC = Buffer.from('a9993e364706816aba3e25717850c26c9cd0d89d', 'hex');

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
