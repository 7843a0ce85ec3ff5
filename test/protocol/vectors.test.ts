/**
 * The hand-built vectors of the wire reference, §11 (V1–V15 and V17; V11 GIV and V16
 * handshakes are not descriptors). Each decodes to the documented fields and re-encodes
 * to the same bytes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  QrpTable,
  base32Encode,
  buildGgep,
  buildQrpTable,
  cobsDecode,
  cobsEncode,
  decodeMessage,
  encodeMessage,
  encodedLength,
  ggepGet,
  qrpHash,
  qrpUpdateMessages,
  queryFlags,
  sha1Urn,
  type Message,
} from '../../src/protocol/index.js';
import { hexBytes } from './byte-builder.js';

function roundTrip(hex: string): Message {
  const bytes = hexBytes(hex);
  const m = decodeMessage(bytes);
  expect(encodeMessage(m).toString('hex')).toBe(bytes.toString('hex'));
  expect(encodedLength(m)).toBe(bytes.length);
  return m;
}

function as<T extends Message['type']>(m: Message, type: T): Extract<Message, { type: T }> {
  expect(m.type).toBe(type);
  return m as Extract<Message, { type: T }>;
}

const GA = '00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f';
const GM = '00 01 02 03 04 05 06 07 ff 09 0a 0b 0c 0d 0e 00';
const GQ = '10 11 12 13 14 15 16 17 ff 19 1a 1b 1c 1d 1e 00';
const GP = '20 21 22 23 24 25 26 27 ff 29 2a 2b 2c 2d 2e 00';

describe('§11 vectors', () => {
  it('V1 ping', () => {
    const m = as(roundTrip(`${GA} 00 07 00 00 00 00 00`), 'ping');
    expect(m.guid.toString('hex')).toBe('000102030405060708090a0b0c0d0e0f');
    expect([m.ttl, m.hops, m.ggep, m.extra]).toEqual([7, 0, undefined, undefined]);
  });

  it('V2 alive ping with a modern GUID', () => {
    const m = as(roundTrip(`${GM} 00 01 00 00 00 00 00`), 'ping');
    expect([m.guid[8], m.guid[15], m.ttl, m.hops]).toEqual([0xff, 0x00, 1, 0]);
  });

  it('V3 pong', () => {
    const m = as(roundTrip(`${GA} 01 01 00 0e 00 00 00  ca 18 c0 a8 01 0a 03 00 00 00 d2 04 00 00`), 'pong');
    expect([m.port, m.ip, m.files, m.kbytes, m.ggep]).toEqual([6346, '192.168.1.10', 3, 1234, undefined]);
  });

  it('V4 pong with GGEP DU and VC', () => {
    const m = as(
      roundTrip(
        `${GA} 01 01 00 1e 00 00 00  ca 18 c0 a8 01 0a 03 00 00 00 d2 04 00 00 c3 02 44 55 42 10 0e 82 56 43 45 58 4d 50 4c 12`,
      ),
      'pong',
    );
    expect(m.ggep?.extensions.map((e) => e.id)).toEqual(['DU', 'VC']);
    expect(ggepGet(m.ggep, 'DU')?.readUInt16LE(0)).toBe(3600);
    expect(ggepGet(m.ggep, 'VC')?.toString('hex')).toBe('584d504c12');
    // the same block built from its extensions gives the same bytes
    const rebuilt = encodeMessage({ ...m, ggep: { extensions: m.ggep?.extensions ?? [] } });
    expect(rebuilt.toString('hex')).toBe(encodeMessage(m).toString('hex'));
  });

  it('V5 GGEP H with COBS', () => {
    const digest = createHash('sha1').update('file1').digest();
    expect(digest.subarray(0, 8).toString('hex')).toBe('60b27f004e454aca');
    const value = Buffer.concat([Buffer.from([1]), digest]);
    const wire = hexBytes('c3 c1 48 56 05 01 60 b2 7f 11 4e 45 4a ca 81 b0 48 02 09 cc e5 08 1e c5 23 90');
    expect(buildGgep([{ id: 'H', data: value }], { cobs: true }).raw?.toString('hex')).toBe(
      wire.toString('hex'),
    );
    // carried as the extension data of a QueryHit result, it decodes back to the digest
    const hit = as(
      roundTrip(
        `${GQ} 81 03 00 ${(11 + 8 + 2 + wire.length + 1 + 16).toString(16)} 00 00 00 ` +
          `01 ca 18 c0 a8 01 0a e8 03 00 00 01 00 00 00 05 00 00 00 61 00 ${wire.toString('hex')} 00 ` +
          'f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff',
      ),
      'queryhit',
    );
    const r = hit.results[0];
    expect(ggepGet(r?.ggep, 'H')?.toString('hex')).toBe(value.toString('hex'));
    expect(r?.urns).toEqual([sha1Urn(digest)]);
    expect(hit.vendor).toBeNull();
  });

  it('V6 legacy query', () => {
    const m = as(roundTrip(`${GQ} 80 07 00 0a 00 00 00  00 00 62 65 61 74 6c 65 73 00`), 'query');
    expect([m.minSpeed, m.search, m.urns, m.extensions]).toEqual([0, 'beatles', [], undefined]);
    expect(queryFlags(m.minSpeed).form).toBe('speed');
  });

  it('V7 modern flags + HUGE "urn:" request', () => {
    const m = as(roundTrip(`${GQ} 80 04 00 0e 00 00 00  88 00 62 65 61 74 6c 65 73 00 75 72 6e 3a`), 'query');
    const f = queryFlags(m.minSpeed);
    expect([f.form, f.word, f.ggepH, f.maxHits]).toEqual(['be', 0x8800, true, 0]);
    expect(m.search).toBe('beatles');
    expect(m.urns).toEqual([]);
    expect(m.extensions?.toString()).toBe('urn:');
  });

  it('V8 query by URN', () => {
    const m = as(
      roundTrip(
        `${GQ} 80 04 00 2d 00 00 00  80 00 5c 00 75 72 6e 3a 73 68 61 31 3a 56 47 4d 54 34 4e 53 48 41 32 41 ` +
          '57 56 4f 52 36 45 56 59 58 51 55 47 43 4e 53 4f 4e 42 57 45 35',
      ),
      'query',
    );
    expect(queryFlags(m.minSpeed).word).toBe(0x8000);
    expect(m.search).toBe('\\');
    expect(m.urns).toEqual(['urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5']);
  });

  it('V9 queryhit with two results and an EQHD trailer', () => {
    const m = as(
      roundTrip(
        `${GQ} 81 03 00 77 00 00 00 ` +
          '02 ca 18 c0 a8 01 0a e8 03 00 00 01 00 00 00 b5 7a 42 00 48 65 6c 70 2e ' +
          '6d 70 33 00 75 72 6e 3a 73 68 61 31 3a 50 4c 53 54 48 49 50 51 47 53 53 ' +
          '5a 54 53 35 46 4a 55 50 41 4b 55 5a 57 55 47 59 51 59 50 46 42 00 02 00 ' +
          '00 00 7b 00 00 00 62 65 61 74 6c 65 73 2e 74 78 74 00 00 58 4d 50 4c 02 ' +
          '3c 29 c3 82 42 48 40 f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff',
      ),
      'queryhit',
    );
    expect([m.ttl, m.hops, m.port, m.ip, m.speed]).toEqual([3, 0, 6346, '192.168.1.10', 1000]);
    expect(m.results.map((r) => [r.index, r.size, r.name, r.urns])).toEqual([
      [1, 4356789, 'Help.mp3', ['urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB']],
      [2, 123, 'beatles.txt', []],
    ]);
    expect(m.results[1]?.extensions).toBeUndefined();
    expect(m.vendor).toBe('XMPL');
    expect(m.openData?.toString('hex')).toBe('3c29');
    // enabler 3c: busy/uploaded/speed/GGEP meaningful, push value 0; setter 29: push meaningful,
    // uploaded, GGEP present
    expect(m.flags).toEqual({ push: false, busy: false, uploaded: true, speedMeasured: false, ggep: true });
    expect(m.ggep?.extensions).toEqual([{ id: 'BH', data: Buffer.alloc(0) }]);
    expect(m.privateArea?.toString('hex')).toBe('c3824248 40'.replace(' ', ''));
    expect(m.serventId.toString('hex')).toBe('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  });

  it('V10 push', () => {
    const m = as(
      roundTrip(
        `${GP} 40 07 00 1a 00 00 00  f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff 01 00 00 00 cb 00 71 07 cb 18`,
      ),
      'push',
    );
    expect([m.serventId.toString('hex'), m.index, m.ip, m.port]).toEqual([
      'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
      1,
      '203.0.113.7',
      6347,
    ]);
  });

  it('V12 bye', () => {
    const m = as(
      roundTrip(`${GM} 02 01 00 10 00 00 00  c8 00 53 68 75 74 74 69 6e 67 20 64 6f 77 6e 00`),
      'bye',
    );
    expect([m.code, m.reason, m.nulTerminated, m.ttl, m.hops]).toEqual([200, 'Shutting down', true, 1, 0]);
  });

  it('V13 QRP RESET of 65536 slots', () => {
    const m = as(roundTrip(`${GM} 30 01 00 06 00 00 00  00 00 00 01 00 07`), 'qrp');
    expect(m).toMatchObject({ variant: 'reset', tableLength: 65536, infinity: 7 });
  });

  describe('V14 QRP for an 8-slot table containing "test"', () => {
    const reset = `${GM} 30 01 00 06 00 00 00  00 08 00 00 00 07`;
    const patches = {
      '4-bit': `${GM} 30 01 00 09 00 00 00  01 01 01 00 04 00 a0 00 00`,
      '4-bit zlib': `${GM} 30 01 00 11 00 00 00  01 01 01 01 04 78 9c 63 58 c0 c0 00 00 01 e4 00 a1`,
      '1-bit': `${GM} 30 01 00 06 00 00 00  01 01 01 00 01 20`,
    };
    it('hash("test", 3) = 2', () => expect(qrpHash('test', 3)).toBe(2));
    for (const [name, hex] of Object.entries(patches)) {
      it(`${name} patch applies: only slot 2 present, "test" matches`, () => {
        const t = new QrpTable();
        const r = as(roundTrip(reset), 'qrp');
        const p = as(roundTrip(hex), 'qrp');
        t.apply(r);
        t.apply(p);
        expect(t.ready).toBe(true);
        expect([...Array(8).keys()].filter((i) => t.isPresent(i))).toEqual([2]);
        expect(t.matches(['test'])).toBe(true);
        expect(t.matches(['qrp'])).toBe(false);
      });
    }
    it('our patch encoder produces the same 4-bit zlib patch bytes', () => {
      const table = QrpTable.fromSlots(Int8Array.from([7, 7, 1, 7, 7, 7, 7, 7]), 7);
      const [r, p] = qrpUpdateMessages(table, () => hexBytes(GM));
      expect(encodeMessage(r).toString('hex')).toBe(hexBytes(reset).toString('hex'));
      expect(p && encodeMessage(p).toString('hex')).toBe(hexBytes(patches['4-bit zlib']).toString('hex'));
    });
    it('the builder adds truncated forms: "test" also fills the slot of "tes"', () => {
      const table = buildQrpTable(['test'], { tableBits: 3, infinity: 7 });
      const present = [...Array(8).keys()].filter((i) => table.isPresent(i));
      expect(present).toEqual([...new Set([qrpHash('test', 3), qrpHash('tes', 3)])].sort());
    });
  });

  it('V15 vendor messages BEAR/4v1 and null/0v0', () => {
    const hops = as(roundTrip(`${GM} 31 01 00 09 00 00 00  42 45 41 52 04 00 01 00 07`), 'vendor');
    expect([hops.payloadType, hops.vendor, hops.selector, hops.version, hops.body.toString('hex')]).toEqual([
      0x31,
      'BEAR',
      4,
      1,
      '07',
    ]);
    const sup = as(
      roundTrip(`${GM} 31 01 00 12 00 00 00  00 00 00 00 00 00 00 00 01 00 42 45 41 52 04 00 01 00`),
      'vendor',
    );
    expect([sup.vendor, sup.selector, sup.version, sup.body.toString('hex')]).toEqual([
      '\0\0\0\0',
      0,
      0,
      '01004245415204000100',
    ]);
  });

  describe('V17 hash and encoding vectors', () => {
    const hashes: [string, number, number][] = [
      ['', 13, 0],
      ['eb', 13, 6791],
      ['ebc', 13, 7082],
      ['ebck', 13, 6698],
      ['ebcklmenq', 13, 3527],
      ['n', 16, 65003],
      ['nd', 16, 54193],
      ['ndflaleme', 16, 45559],
      ['ol2j34lj', 10, 318],
      ['2459345938032343', 10, 146],
      ['zzzzzzzzzzz', 10, 944],
      ['3NJA9', 10, 581],
      ['beatles', 16, 19196],
      ['beatle', 16, 37600],
      ['help', 16, 407],
      ['gnutella', 16, 21293],
      ['qrp', 3, 7],
    ];
    it.each(hashes)('qrpHash(%j, %i) = %i', (w, bits, slot) => expect(qrpHash(w, bits)).toBe(slot));

    it('base32 of SHA-1 digests and of 0F F5', () => {
      const sha1 = (s: string): Buffer => createHash('sha1').update(s).digest();
      expect(sha1Urn(sha1('abc'))).toBe('urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5');
      expect(sha1Urn(sha1(''))).toBe('urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ');
      expect(base32Encode(Buffer.from([0x0f, 0xf5]))).toBe('B72Q');
    });

    it('COBS 11 00 22 <-> 02 11 02 22 and 00 <-> 01 01', () => {
      expect(cobsEncode(hexBytes('11 00 22')).toString('hex')).toBe('02110222');
      expect(cobsDecode(hexBytes('02 11 02 22')).toString('hex')).toBe('110022');
      expect(cobsEncode(hexBytes('00')).toString('hex')).toBe('0101');
      expect(cobsDecode(hexBytes('01 01')).toString('hex')).toBe('00');
    });
  });
});
