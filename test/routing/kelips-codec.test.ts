import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import { keywords } from '../../src/core/keywords.js';
import {
  decodeKelipsMessage,
  encodeKelipsMessage,
  HEADER_SIZE,
  KelipsCodecError,
  KelipsLimits,
  kelipsMessageSize,
  KelipsType,
  MEMBER_SIZE,
  tupleWireSize,
} from '../../src/protocol/kelips/index.js';
import type { KelipsMessage, KelipsTuple, MemberEntry } from '../../src/protocol/kelips/index.js';

// fixed seed: a failure prints it together with the counterexample
const FC_SEED = 0x6e1195;

const addrArb = fc
  .tuple(
    fc.integer({ min: 1, max: 223 }),
    fc.nat(255),
    fc.nat(255),
    fc.nat(255),
    fc.integer({ min: 1, max: 65535 }),
  )
  .map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}:${p}`);

const urnArb = fc
  .string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 32, maxLength: 32 })
  .map((s) => `urn:sha1:${s}`);

/** canonical keywords, as core/keywords.ts spells them */
const wordArb = fc
  .string({ minLength: 1, maxLength: 24, unit: 'grapheme' })
  .map((s) => keywords(s, 1)[0])
  .filter((w): w is string => w !== undefined && Buffer.byteLength(w, 'utf8') <= KelipsLimits.MAX_WORD_BYTES);

const nameArb = fc
  .string({ minLength: 1, maxLength: 60, unit: 'grapheme' })
  .map((s) => s.replace(/\0/g, '_'))
  .filter((s) => {
    const n = Buffer.byteLength(s, 'utf8');
    return n >= 1 && n <= 255 && Buffer.from(s, 'utf8').toString('utf8') === s;
  });

const memberArb: fc.Arbitrary<MemberEntry> = fc.record({
  addr: addrArb,
  hb: fc.nat(0xffffffff),
  ageS: fc.nat(0xffff),
});

const tupleArb: fc.Arbitrary<KelipsTuple> = fc
  .record({
    word: wordArb,
    keyIsUrn: fc.boolean(),
    name: nameArb,
    size: fc.nat({ max: KelipsLimits.MAX_SIZE }),
    urn: fc.option(urnArb, { nil: undefined }),
    index: fc.nat(0xffffffff),
    holder: addrArb,
    serventId: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
    hb: fc.nat(0xffffffff),
  })
  .map((r) => {
    const colon = r.holder.lastIndexOf(':');
    return {
      key: r.keyIsUrn && r.urn !== undefined ? r.urn : r.word,
      name: r.name,
      size: r.size,
      urn: r.urn,
      index: r.index,
      ip: r.holder.slice(0, colon),
      port: Number(r.holder.slice(colon + 1)),
      serventId: r.serventId,
      hb: r.hb,
    };
  });

const env = { k: fc.integer({ min: 1, max: 65535 }), rid: fc.nat(0xffffffff), hb: fc.nat(0xffffffff) };
const tuplesArb = fc.array(tupleArb, { maxLength: 8 });
const membersArb = fc.array(memberArb, { maxLength: 40 });

const messageArb: fc.Arbitrary<KelipsMessage> = fc.oneof(
  fc.record({
    type: fc.constant('gossip' as const),
    ...env,
    ts: fc.nat(0xffffffff),
    echoTs: fc.nat(0xffffffff),
    echoHeldMs: fc.nat(0xffff),
    members: membersArb,
    tuples: tuplesArb,
  }),
  fc.record({
    type: fc.constant('join' as const),
    ...env,
    k: fc.integer({ min: 0, max: 65535 }),
    part: fc.nat(255),
  }),
  fc.record({
    type: fc.constant('snapshot' as const),
    ...env,
    part: fc.nat(255),
    last: fc.boolean(),
    members: membersArb,
    tuples: tuplesArb,
  }),
  fc
    .record({
      ...env,
      origin: addrArb,
      ttl: fc.nat(KelipsLimits.MAX_TTL),
      hops: fc.nat(KelipsLimits.MAX_HOPS),
      maxResults: fc.nat(KelipsLimits.MAX_RESULTS),
      word: wordArb,
      keyIsUrn: fc.boolean(),
      words: fc.array(wordArb, { maxLength: KelipsLimits.MAX_WORDS }),
      urn: fc.option(urnArb, { nil: undefined }),
    })
    .map(({ word, keyIsUrn, ...r }) => ({
      type: 'lookup' as const,
      ...r,
      key: keyIsUrn && r.urn !== undefined ? r.urn : word,
    })),
  fc.record({
    type: fc.constant('lookup-reply' as const),
    ...env,
    hops: fc.nat(KelipsLimits.MAX_HOPS),
    tuples: tuplesArb,
  }),
  fc.record({
    type: fc.constant('store' as const),
    ...env,
    origin: addrArb,
    ttl: fc.nat(KelipsLimits.MAX_TTL),
    hops: fc.nat(KelipsLimits.MAX_HOPS),
    tuples: tuplesArb,
  }),
  fc.record({ type: fc.constant('store-ack' as const), ...env, stored: fc.nat(KelipsLimits.MAX_TUPLES) }),
  fc.record({ type: fc.constant('ping' as const), ...env }),
  fc.record({ type: fc.constant('pong' as const), ...env }),
);

const BIG = { maxMessage: KelipsLimits.MAX_MESSAGE_CEILING };

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    const p = e as ProtocolError;
    expect(p.action).toBe('drop');
    return p.code;
  }
  throw new Error('no error');
}

/** a valid header of `type` (k = 7, rid = 1, hb = 2) followed by `body` */
function frame(type: number, body: number[] | Buffer, k = 7): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h[0] = 0x4b;
  h[1] = 0x4c;
  h[2] = 1;
  h[3] = type;
  h.writeUInt16BE(k, 4);
  h.writeUInt32BE(1, 6);
  h.writeUInt32BE(2, 10);
  return Buffer.concat([h, Buffer.from(body)]);
}

const ADDR = [10, 0, 0, 1, 0x18, 0xca]; // 10.0.0.1:6346

describe('Kelips codec', () => {
  it('round-trips every message, and kelipsMessageSize is the encoded length', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const b = encodeKelipsMessage(m, BIG);
        expect(b.length).toBe(kelipsMessageSize(m));
        expect(decodeKelipsMessage(b, BIG)).toEqual(m);
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it('arbitrary bytes decode to a message or a coded ProtocolError, never another exception', () => {
    const valid = fc.tuple(messageArb, fc.nat(), fc.nat(255)).map(([m, at, v]) => {
      const b = encodeKelipsMessage(m, BIG);
      if (b.length > 0) b[at % b.length] = v;
      return b;
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
          valid,
        ),
        (b) => {
          try {
            decodeKelipsMessage(b, BIG);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
            expect(Object.values(KelipsCodecError)).toContain((e as ProtocolError).code);
          }
        },
      ),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it('every truncation of a valid message is refused with TRUNCATED (or a field error), never accepted', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const b = encodeKelipsMessage(m, BIG);
        for (let n = 0; n < b.length; n++) {
          expect(() => decodeKelipsMessage(b.subarray(0, n), BIG)).toThrow(ProtocolError);
        }
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it('lays out the header and a gossip message as documented', () => {
    const m: KelipsMessage = {
      type: 'gossip',
      k: 30,
      rid: 0,
      hb: 5,
      ts: 0x01020304,
      echoTs: 9,
      echoHeldMs: 3,
      members: [{ addr: '10.0.0.1:6346', hb: 258, ageS: 513 }],
      tuples: [],
    };
    const b = encodeKelipsMessage(m);
    expect([...b]).toEqual([
      0x4b,
      0x4c,
      1,
      KelipsType.GOSSIP,
      0,
      30,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      5,
      1,
      2,
      3,
      4,
      0,
      0,
      0,
      9,
      0,
      3,
      1,
      0,
      ...ADDR,
      0,
      0,
      1,
      2,
      2,
      1,
    ]);
    expect(b.length).toBe(HEADER_SIZE + 12 + MEMBER_SIZE);
  });

  it('lays out a tuple: flags, key, name, size, urn, holder, servent id, index, version', () => {
    const t: KelipsTuple = {
      key: 'abc',
      name: 'x.mp3',
      size: 2 ** 32 + 5,
      urn: undefined,
      index: 7,
      ip: '10.0.0.1',
      port: 6346,
      serventId: '00'.repeat(15) + 'ff',
      hb: 1,
    };
    const b = encodeKelipsMessage({ type: 'lookup-reply', k: 1, rid: 9, hb: 0, hops: 1, tuples: [t] });
    const body = [...b.subarray(HEADER_SIZE)];
    expect(body).toEqual([
      1,
      1, // hops, count
      0,
      3,
      0x61,
      0x62,
      0x63,
      5,
      ...Buffer.from('x.mp3'),
      0,
      1,
      0,
      0,
      0,
      5,
      ...ADDR,
      ...new Array(15).fill(0),
      0xff,
      0,
      0,
      0,
      7,
      0,
      0,
      0,
      1,
    ]);
    expect(b.length - HEADER_SIZE - 2).toBe(tupleWireSize(t));
  });

  it('a tuple filed under its urn carries no key bytes', () => {
    const urn = 'urn:sha1:' + 'A'.repeat(32);
    const t: KelipsTuple = {
      key: urn,
      name: 'n',
      size: 1,
      urn,
      index: 0,
      ip: '1.2.3.4',
      port: 1,
      serventId: '0'.repeat(32),
      hb: 0,
    };
    expect(tupleWireSize(t)).toBe(38 + 20 + 1);
    const m: KelipsMessage = {
      type: 'store',
      k: 2,
      rid: 1,
      hb: 1,
      origin: '1.2.3.4:5',
      ttl: 0,
      hops: 1,
      tuples: [t],
    };
    expect(decodeKelipsMessage(encodeKelipsMessage(m))).toEqual(m);
  });

  describe('refuses, with a stable code', () => {
    it('datagrams over the size cap, before reading them', () => {
      expect(codeOf(() => decodeKelipsMessage(Buffer.alloc(KelipsLimits.MAX_MESSAGE + 1)))).toBe(
        KelipsCodecError.TOO_LARGE,
      );
      expect(codeOf(() => decodeKelipsMessage(Buffer.alloc(101), { maxMessage: 100 }))).toBe(
        KelipsCodecError.TOO_LARGE,
      );
    });

    it('bad magic, version, type', () => {
      const ok = frame(KelipsType.PING, []);
      expect(decodeKelipsMessage(ok).type).toBe('ping');
      expect(
        codeOf(() => decodeKelipsMessage(Buffer.concat([Buffer.from([0x4b, 0x4d]), ok.subarray(2)]))),
      ).toBe(KelipsCodecError.BAD_MAGIC);
      const v = Buffer.from(ok);
      v[2] = 2;
      expect(codeOf(() => decodeKelipsMessage(v))).toBe(KelipsCodecError.BAD_VERSION);
      expect(codeOf(() => decodeKelipsMessage(frame(0x42, [])))).toBe(KelipsCodecError.BAD_TYPE);
    });

    it('k = 0 except on JOIN, and a k that is not ours', () => {
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.PING, [], 0)))).toBe(
        KelipsCodecError.BAD_GROUPS,
      );
      expect(decodeKelipsMessage(frame(KelipsType.JOIN, [0], 0))).toMatchObject({ type: 'join', k: 0 });
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.PING, [], 8), { groups: 7 }))).toBe(
        KelipsCodecError.BAD_GROUPS,
      );
    });

    it('trailing bytes and truncation', () => {
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.PING, [0])))).toBe(KelipsCodecError.TRAILING);
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.PING, []).subarray(0, 13)))).toBe(
        KelipsCodecError.TRUNCATED,
      );
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.STORE_ACK, [])))).toBe(
        KelipsCodecError.TRUNCATED,
      );
    });

    it('more members than MAX_MEMBERS (count checked before the entries are read)', () => {
      const body = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, KelipsLimits.MAX_MEMBERS + 1, 0];
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.GOSSIP, body)))).toBe(
        KelipsCodecError.TOO_MANY_MEMBERS,
      );
      const snap = [0, 0, KelipsLimits.MAX_MEMBERS + 1, 0];
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.SNAPSHOT, snap)))).toBe(
        KelipsCodecError.TOO_MANY_MEMBERS,
      );
    });

    it('more tuples than MAX_TUPLES', () => {
      expect(
        codeOf(() => decodeKelipsMessage(frame(KelipsType.LOOKUP_REPLY, [1, KelipsLimits.MAX_TUPLES + 1]))),
      ).toBe(KelipsCodecError.TOO_MANY_TUPLES);
      expect(
        codeOf(() => decodeKelipsMessage(frame(KelipsType.STORE_ACK, [KelipsLimits.MAX_TUPLES + 1]))),
      ).toBe(KelipsCodecError.TOO_MANY_TUPLES);
    });

    const lookup = (ttl: number, hops: number, max: number, rest: number[]): Buffer =>
      frame(KelipsType.LOOKUP, [...ADDR, ttl, hops, max, ...rest]);
    const ab = [0, 2, 0x61, 0x62];

    it('ttl, hops and maxResults over their caps', () => {
      expect(decodeKelipsMessage(lookup(1, 1, 1, [...ab, 0]))).toMatchObject({ key: 'ab', words: [] });
      expect(codeOf(() => decodeKelipsMessage(lookup(KelipsLimits.MAX_TTL + 1, 1, 1, [...ab, 0])))).toBe(
        KelipsCodecError.BAD_TTL,
      );
      expect(codeOf(() => decodeKelipsMessage(lookup(1, KelipsLimits.MAX_HOPS + 1, 1, [...ab, 0])))).toBe(
        KelipsCodecError.BAD_HOPS,
      );
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, KelipsLimits.MAX_RESULTS + 1, [...ab, 0])))).toBe(
        KelipsCodecError.BAD_RESULTS,
      );
    });

    it('more than MAX_WORDS words, empty or over-long words, words that are not keywords', () => {
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [...ab, KelipsLimits.MAX_WORDS + 1])))).toBe(
        KelipsCodecError.TOO_MANY_WORDS,
      );
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [0, 0, 0])))).toBe(
        KelipsCodecError.WORD_LENGTH,
      );
      const long = new Array(KelipsLimits.MAX_WORD_BYTES + 1).fill(0x61);
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [0, long.length, ...long, 0])))).toBe(
        KelipsCodecError.WORD_LENGTH,
      );
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [0, 2, 0x41, 0x42, 0])))).toBe(
        KelipsCodecError.BAD_WORD,
      ); // "AB"
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [0, 3, 0x61, 0x20, 0x62, 0])))).toBe(
        KelipsCodecError.BAD_WORD,
      ); // "a b"
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [0, 2, 0xc3, 0x28, 0])))).toBe(
        KelipsCodecError.BAD_TEXT,
      );
    });

    it('unknown flag bits, and "key is the urn" without a urn', () => {
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [0x04, 2, 0x61, 0x62, 0])))).toBe(
        KelipsCodecError.BAD_FLAG,
      );
      expect(codeOf(() => decodeKelipsMessage(lookup(1, 1, 1, [0x02, 0])))).toBe(KelipsCodecError.BAD_FLAG);
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.LOOKUP_REPLY, [1, 1, 0x02])))).toBe(
        KelipsCodecError.BAD_FLAG,
      );
      expect(codeOf(() => decodeKelipsMessage(frame(KelipsType.SNAPSHOT, [0, 0x80, 0, 0])))).toBe(
        KelipsCodecError.BAD_FLAG,
      );
    });

    it('addresses that are not unicast (0/8, 224/4, 240/4) or have port 0', () => {
      expect(
        codeOf(() =>
          decodeKelipsMessage(frame(KelipsType.LOOKUP, [0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 2, 0x61, 0x62, 0])),
        ),
      ).toBe(KelipsCodecError.BAD_ADDRESS);
      const gossip = (addr: number[]): Buffer =>
        frame(KelipsType.GOSSIP, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, ...addr, 0, 0, 0, 0, 0, 0]);
      expect(decodeKelipsMessage(gossip(ADDR)).type).toBe('gossip');
      expect(codeOf(() => decodeKelipsMessage(gossip([255, 255, 255, 255, 0, 1])))).toBe(
        KelipsCodecError.BAD_ADDRESS,
      );
      expect(codeOf(() => decodeKelipsMessage(gossip([10, 0, 0, 1, 0, 0])))).toBe(
        KelipsCodecError.BAD_ADDRESS,
      );
    });

    it('an empty file name, and names that are not UTF-8 or hold NUL', () => {
      const tuple = (name: number[]): Buffer =>
        frame(KelipsType.LOOKUP_REPLY, [
          1,
          1,
          0,
          2,
          0x61,
          0x62,
          name.length,
          ...name,
          0,
          0,
          0,
          0,
          0,
          1,
          ...ADDR,
          ...new Array(16).fill(0),
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
        ]);
      expect(decodeKelipsMessage(tuple([0x61]))).toMatchObject({
        tuples: [{ name: 'a', key: 'ab', size: 1 }],
      });
      expect(codeOf(() => decodeKelipsMessage(tuple([])))).toBe(KelipsCodecError.NAME_LENGTH);
      expect(codeOf(() => decodeKelipsMessage(tuple([0xff])))).toBe(KelipsCodecError.BAD_TEXT);
      expect(codeOf(() => decodeKelipsMessage(tuple([0x61, 0])))).toBe(KelipsCodecError.BAD_TEXT);
    });
  });

  describe('the encoder refuses what the decoder would refuse', () => {
    const base: KelipsMessage = { type: 'store-ack', k: 1, rid: 1, hb: 1, stored: 1 };
    it('counts, ranges, addresses, words and over-size messages', () => {
      expect(codeOf(() => encodeKelipsMessage({ ...base, k: 0 }))).toBe(KelipsCodecError.ENCODE);
      expect(codeOf(() => encodeKelipsMessage({ ...base, rid: -1 }))).toBe(KelipsCodecError.ENCODE);
      const many = Array.from({ length: KelipsLimits.MAX_MEMBERS + 1 }, (_, i) => ({
        addr: `10.0.${i >> 8}.${(i & 255) + 1}:1`,
        hb: 0,
        ageS: 0,
      }));
      const g: KelipsMessage = {
        type: 'gossip',
        k: 1,
        rid: 0,
        hb: 0,
        ts: 1,
        echoTs: 0,
        echoHeldMs: 0,
        members: many,
        tuples: [],
      };
      expect(codeOf(() => encodeKelipsMessage(g, BIG))).toBe(KelipsCodecError.ENCODE);
      expect(codeOf(() => encodeKelipsMessage(g))).toBe(KelipsCodecError.ENCODE); // over 1200 bytes
      const bad: KelipsMessage = {
        type: 'lookup',
        k: 1,
        rid: 1,
        hb: 1,
        origin: '0.0.0.0:1',
        ttl: 0,
        hops: 1,
        maxResults: 1,
        key: 'ab',
        words: [],
        urn: undefined,
      };
      expect(codeOf(() => encodeKelipsMessage(bad))).toBe(KelipsCodecError.ENCODE);
      expect(codeOf(() => encodeKelipsMessage({ ...bad, origin: '1.2.3.4:5', key: 'Not A Word' }))).toBe(
        KelipsCodecError.ENCODE,
      );
      expect(codeOf(() => encodeKelipsMessage({ ...bad, origin: '01.2.3.4:5' }))).toBe(
        KelipsCodecError.ENCODE,
      );
      expect(codeOf(() => encodeKelipsMessage({ ...bad, origin: '224.0.0.1:5' }))).toBe(
        KelipsCodecError.ENCODE,
      );
    });
  });
});
