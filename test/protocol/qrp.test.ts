/**
 * QRP: the hash, the table a leaf builds and the messages that carry it, and the table an
 * ultrapeer rebuilds from RESET/PATCH sequences — including the sequences gtk-gnutella
 * (4-bit, then incremental 1-bit patches) and gnutella-bun-client (1-bit) really sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import {
  CodecError,
  QrpTable,
  buildQrpTable,
  decodeMessage,
  encodeMessage,
  isModernGuid,
  qrpHash,
  qrpKeywords,
  qrpUpdateMessages,
  type Qrp,
  type QrpPatch,
  type QrpReset,
} from '../../src/protocol/index.js';
import { CAPTURES } from './captures.js';

const env = { guid: Buffer.alloc(16), ttl: 1, hops: 0 } as const;
const reset = (tableLength: number, infinity = 7): QrpReset => ({
  ...env,
  type: 'qrp',
  variant: 'reset',
  tableLength,
  infinity,
});
const patch = (seqNo: number, seqSize: number, data: Buffer, entryBits = 4, compressor = 0): QrpPatch => ({
  ...env,
  type: 'qrp',
  variant: 'patch',
  seqNo,
  seqSize,
  compressor,
  entryBits,
  data,
});

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).action).toBe('close');
    return (e as ProtocolError).code;
  }
  return 'none';
}

function captured(...files: string[]): QrpTable {
  const t = new QrpTable();
  for (const f of files) {
    const m = decodeMessage(readFileSync(join(CAPTURES, f)));
    if (m.type !== 'qrp') throw new Error(`${f} is not QRP`);
    t.apply(m);
  }
  return t;
}

describe('qrpHash', () => {
  it('is case-insensitive and uses the low byte of each UTF-16 unit', () => {
    expect(qrpHash('BeAtLeS', 16)).toBe(qrpHash('beatles', 16));
    // U+0141 (Ł) lower-cases to U+0142, whose low byte 0x42 is also that of U+2042 (⁂)
    expect(qrpHash('\u0141ab', 12)).toBe(qrpHash('\u0142ab', 12));
    expect(qrpHash('\u0142ab', 12)).toBe(qrpHash('\u2042ab', 12));
    expect(qrpHash('\u0142ab', 12)).not.toBe(qrpHash('bab', 12));
  });
  it('stays inside the table', () => {
    for (const w of ['a', 'zzzzzzzzzzzzzzzzzzzz', '\uffff\uffff']) {
      for (const bits of [1, 8, 16, 21]) expect(qrpHash(w, bits)).toBeLessThan(2 ** bits);
    }
  });
});

describe('tables as real servents sent them', () => {
  const g = 'gtk-gnutella/s1-ultra-plain/';
  const b = 'gnutella-bun-client/';

  it('gtk-gnutella A (4-bit zlib, 16384 slots, infinity 2): its four interop files', () => {
    const t = captured(g + '0004-qrp-reset.bin', g + '0006-qrp-patch.bin');
    expect([t.ready, t.length, t.infinity]).toEqual([true, 16384, 2]);
    for (const w of ['interop', 'alpha', 'beta', 'gamma', 'song', 'video', 'document'])
      expect(t.matches([w])).toBe(true);
    expect(t.matches(['bravo'])).toBe(false);
    expect(t.matches(['interop', 'beta'])).toBe(true);
  });

  it('gtk-gnutella C: bravo-shared-file.txt only', () => {
    const t = captured(g + '0132-qrp-reset.bin', g + '0134-qrp-patch.bin');
    expect(t.matches(['bravo', 'shared'])).toBe(true);
    expect(t.matches(['interop'])).toBe(false);
  });

  it('gtk-gnutella B: empty at first, then incremental 1-bit patches add what it downloaded', () => {
    const empty = captured(g + '0024-qrp-reset.bin', g + '0029-qrp-patch.bin');
    expect([empty.ready, empty.presentCount()]).toEqual([true, 0]);
    const later = captured(
      g + '0024-qrp-reset.bin',
      g + '0029-qrp-patch.bin',
      g + '0110-qrp-patch.bin',
      g + '0116-qrp-patch.bin',
      g + '0151-qrp-patch.bin',
    );
    expect(later.matches(['interop', 'alpha'])).toBe(true);
    expect(later.matches(['bravo'])).toBe(true);
    expect(later.matches(['beta'])).toBe(false);
  });

  it('gnutella-bun-client leaf B (1-bit zlib, 65536 slots, infinity 7): penny whistle tune.mp3', () => {
    const t = captured(
      b + '01_leaf_up_deflate/d0002_c02_QRP_B-to-A.bin',
      b + '01_leaf_up_deflate/d0003_c02_QRP_B-to-A.bin',
    );
    expect([t.length, t.infinity]).toEqual([65536, 7]);
    expect(t.matches(['penny', 'whistle'])).toBe(true);
    expect(t.matches(['jazz'])).toBe(false);
  });
});

describe('QrpTable sequence rules (close-level, Bye 413)', () => {
  it.each<[string, Qrp[], string]>([
    ['PATCH before any RESET', [patch(1, 1, Buffer.alloc(4))], CodecError.QRP_PATCH_BEFORE_RESET],
    ['a length that is not a power of 2', [reset(1000)], CodecError.QRP_BAD_TABLE_LENGTH],
    ['a zero length', [reset(0)], CodecError.QRP_BAD_TABLE_LENGTH],
    ['infinity 0', [reset(8, 0)], CodecError.QRP_BAD_INFINITY],
    ['entry bits 3', [reset(8), patch(1, 1, Buffer.alloc(3), 3)], CodecError.QRP_BAD_ENTRY_BITS],
    ['compressor 2', [reset(8), patch(1, 1, Buffer.alloc(4), 4, 2)], CodecError.QRP_BAD_COMPRESSOR],
    ['a sequence starting at 2', [reset(8), patch(2, 2, Buffer.alloc(2))], CodecError.QRP_BAD_SEQUENCE],
    [
      'a gap',
      [reset(16), patch(1, 3, Buffer.alloc(2)), patch(3, 3, Buffer.alloc(2))],
      CodecError.QRP_BAD_SEQUENCE,
    ],
    ['seq no 0', [reset(8), patch(0, 1, Buffer.alloc(4))], CodecError.QRP_BAD_SEQUENCE],
    ['seq no past seq size', [reset(8), patch(2, 1, Buffer.alloc(4))], CodecError.QRP_BAD_SEQUENCE],
    [
      'seq size changed',
      [reset(16), patch(1, 2, Buffer.alloc(4)), patch(2, 3, Buffer.alloc(4))],
      CodecError.QRP_BAD_SEQUENCE,
    ],
    [
      'entry bits changed',
      [reset(16), patch(1, 2, Buffer.alloc(4)), patch(2, 2, Buffer.alloc(2), 8)],
      CodecError.QRP_BAD_SEQUENCE,
    ],
    [
      'a restart before the end',
      [reset(16), patch(1, 2, Buffer.alloc(4)), patch(1, 2, Buffer.alloc(4))],
      CodecError.QRP_BAD_SEQUENCE,
    ],
    ['more entries than slots', [reset(8), patch(1, 1, Buffer.alloc(5))], CodecError.QRP_BAD_PATCH],
    [
      'a zlib patch that is not zlib',
      [reset(8), patch(1, 1, Buffer.from('nope'), 4, 1)],
      CodecError.QRP_BAD_PATCH,
    ],
  ])('%s', (_n, msgs, code) => {
    const t = new QrpTable();
    expect(
      codeOf(() => {
        for (const m of msgs) t.apply(m);
      }),
    ).toBe(code);
  });

  it('every query passes until a whole patch arrived; a new RESET starts over', () => {
    const t = new QrpTable();
    expect(t.matches(['anything'])).toBe(true);
    t.apply(reset(8));
    t.apply(patch(1, 2, Buffer.from([0x00, 0xa0])));
    expect([t.ready, t.matches(['anything'])]).toEqual([false, true]);
    t.apply(patch(2, 2, Buffer.from([0x00, 0x00])));
    expect(t.ready).toBe(true);
    expect(t.matches(['test'])).toBe(true);
    expect(t.matches(['anything'])).toBe(false);
    t.apply(reset(8));
    expect([t.ready, t.presentCount()]).toEqual([false, 0]);
  });

  it('2-bit and 8-bit entries add signed values', () => {
    const t = new QrpTable();
    t.apply(reset(8, 2));
    // 2-bit: slots 0..3 = +1, -1, -2, 0 → 3, 1, 0, 2
    t.apply(patch(1, 1, Buffer.from([0b01111000, 0]), 2));
    expect([0, 1, 2, 3].map((i) => t.isPresent(i))).toEqual([false, true, true, false]);
    // 8-bit: slot 0 −2 → 1 (present), slot 1 +5 → 6
    t.apply(patch(1, 1, Buffer.from([0xfe, 0x05, 0, 0, 0, 0, 0, 0]), 8));
    expect([0, 1, 2].map((i) => t.isPresent(i))).toEqual([true, false, true]);
  });
});

describe('matching rule', () => {
  const t = buildQrpTable(['alpha bravo charlie'], { tableBits: 16 });
  it.each<[string[], boolean]>([
    [['alpha'], true],
    [['alpha', 'bravo'], true],
    [['alpha', 'zulu'], false],
    [['alpha', 'bravo', 'zulu'], true],
    [['alpha', 'yankee', 'zulu'], false],
    [['alpha', 'xy'], true],
    [['xy', 'z'], false],
    [['alp'], true],
  ])('%j → %s', (words, expected) => expect(t.matches(words)).toBe(expected));

  it('a present URN passes on its own', () => {
    const urn = 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5';
    const slots = new Int8Array(1 << 16).fill(7);
    slots[qrpHash(urn, 16)] = 1;
    const u = QrpTable.fromSlots(slots, 7);
    expect(u.matches(['zulu'], [urn])).toBe(true);
    expect(u.matches(['zulu'])).toBe(false);
    expect(t.matches(['zulu'], [urn])).toBe(false);
  });
});

describe('leaf side: building a table and the messages that carry it', () => {
  const names = ['The Beatles - Penny Lane.mp3', 'Ça plane pour moi.ogg', 'jazz_piano_loop.ogg'];

  it('keywords: ≥ 3 characters, accents stripped, plus 1–3 character truncations', () => {
    const k = qrpKeywords(['Ça plane.mp3']);
    expect([...k].sort()).toEqual(['mp3', 'plan', 'plane', 'pla'].sort());
  });

  it.each<[1 | 4 | 8, boolean]>([
    [4, true],
    [4, false],
    [8, true],
    [1, true],
  ])('%i-bit entries (zlib %s) rebuild the same table on the other side', (entryBits, compress) => {
    const table = buildQrpTable(names, { tableBits: 14, infinity: 7 });
    const msgs = qrpUpdateMessages(table, createRng(1), { entryBits, compress, maxFragment: 512 });
    const remote = new QrpTable();
    for (const m of msgs) {
      expect([m.ttl, m.hops, isModernGuid(m.guid)]).toEqual([1, 0, true]);
      const wire = decodeMessage(encodeMessage(m));
      if (wire.type !== 'qrp') throw new Error('not QRP');
      remote.apply(wire);
    }
    expect(remote.ready).toBe(true);
    for (let i = 0; i < table.length; i++) expect(remote.isPresent(i)).toBe(table.isPresent(i));
    expect(remote.matches(['penny', 'lane'])).toBe(true);
    expect(remote.matches(['plane'])).toBe(true);
  });

  it('splits the patch into ≤ maxFragment-byte fragments numbered 1..n', () => {
    const table = buildQrpTable(names, { tableBits: 12 });
    const [r, ...patches] = qrpUpdateMessages(table, createRng(2), { compress: false, maxFragment: 300 });
    expect(r.tableLength).toBe(4096);
    expect(patches.length).toBe(Math.ceil(2048 / 300));
    patches.forEach((p, i) => {
      expect([p.seqNo, p.seqSize, p.entryBits, p.compressor]).toEqual([i + 1, patches.length, 4, 0]);
      expect(p.data.length).toBeLessThanOrEqual(300);
    });
  });

  it('refuses deltas that 4-bit entries cannot hold (infinity 10)', () => {
    const table = buildQrpTable(['word'], { tableBits: 8, infinity: 10 });
    expect(() => qrpUpdateMessages(table, createRng(3))).toThrow(ProtocolError);
    expect(qrpUpdateMessages(table, createRng(3), { entryBits: 8 }).length).toBe(2);
  });

  it('accepts a GUID factory instead of an Rng', () => {
    const table = buildQrpTable(['word'], { tableBits: 8 });
    const guid = Buffer.alloc(16, 9);
    const msgs = qrpUpdateMessages(table, () => guid);
    expect(msgs.every((m) => m.guid === guid)).toBe(true);
  });
});
