import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../../src/core/errors.js';
import {
  ChordCodecError,
  ChordLimits,
  HEADER_SIZE,
  chordMessageSize,
  decodeChordMessage,
  encodeChordMessage,
} from '../../src/protocol/chord/index.js';
import type { ChordMessage, ChordPointer, NodeRef } from '../../src/protocol/chord/index.js';

// fixed seed: a failure prints it together with the counterexample
const FC_SEED = 0xc40d;
const BITS = [160, 13] as const;

function idArb(bits: number): fc.Arbitrary<string> {
  const digits = Math.ceil(bits / 4);
  const top = bits % 4 === 0 ? 15 : (1 << (bits % 4)) - 1;
  return fc
    .tuple(
      fc.integer({ min: 0, max: top }),
      fc.string({
        unit: fc.constantFrom(...'0123456789abcdef'),
        minLength: digits - 1,
        maxLength: digits - 1,
      }),
    )
    .map(([t, rest]) => t.toString(16) + rest);
}

const addrArb = fc
  .tuple(
    fc.integer({ min: 1, max: 223 }),
    fc.nat(255),
    fc.nat(255),
    fc.nat(255),
    fc.integer({ min: 1, max: 65535 }),
  )
  .map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}:${p}`);

const refArb = (bits: number): fc.Arbitrary<NodeRef> =>
  fc.record({ id: idArb(bits), addr: addrArb, vn: fc.nat(255) });

const urnArb = fc
  .string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 32, maxLength: 32 })
  .map((s) => `urn:sha1:${s}`);

const textArb = (maxBytes: number, path: boolean): fc.Arbitrary<string> =>
  fc
    .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
    .map((s) => s.replace(path ? /[\0/\\]/g : /\0/g, '_'))
    .filter((s) => {
      const n = Buffer.byteLength(s, 'utf8');
      return n >= 1 && n <= maxBytes && Buffer.from(s, 'utf8').toString('utf8') === s;
    });

const pointerArb: fc.Arbitrary<ChordPointer> = fc
  .record({
    name: textArb(ChordLimits.MAX_NAME_BYTES, true),
    size: fc.maxSafeNat(),
    urn: fc.option(urnArb, { nil: undefined }),
    index: fc.nat(0xffffffff),
    addr: addrArb,
    serventId: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
    ttlMs: fc.nat(ChordLimits.MAX_TTL_MS),
  })
  .map(({ addr, ...p }) => {
    const [ip, port] = addr.split(':') as [string, string];
    return { ...p, ip, port: Number(port) };
  });

function envArb(bits: number) {
  return fc.record({ rid: fc.nat(0xffffffff), srcId: idArb(bits), srcVn: fc.nat(255), dstVn: fc.nat(255) });
}

function messageArb(bits: number): fc.Arbitrary<ChordMessage> {
  const env = envArb(bits);
  const id = idArb(bits);
  const refs = (max: number) => fc.array(refArb(bits), { maxLength: max });
  return fc.oneof(
    fc
      .record({
        e: env,
        bg: fc.boolean(),
        key: id,
        exclude: fc.array(id, { maxLength: ChordLimits.MAX_EXCLUDE }),
      })
      .map(({ e, ...r }) => ({ type: 'find' as const, ...e, ...r })),
    fc
      .record({
        e: env,
        bg: fc.boolean(),
        done: fc.boolean(),
        hops: fc.nat(255),
        timeouts: fc.nat(255),
        refs: refs(ChordLimits.MAX_REFS),
      })
      .map(({ e, ...r }) => ({ type: 'found' as const, ...e, ...r })),
    fc
      .record({
        e: env,
        bg: fc.boolean(),
        key: id,
        addr: addrArb,
        vn: fc.nat(255),
        originRid: fc.nat(0xffffffff),
        hops: fc.nat(255),
        timeouts: fc.nat(255),
      })
      .map(({ e, addr, vn, ...r }) => ({ type: 'rfind' as const, ...e, ...r, origin: { addr, vn } })),
    fc.record({ e: env, bg: fc.boolean() }).map(({ e, bg }) => ({ type: 'rfind-ack' as const, ...e, bg })),
    env.map((e) => ({ type: 'get-neighbours' as const, ...e })),
    env.map((e) => ({ type: 'notify' as const, ...e })),
    fc.record({ e: env, node: refArb(bits) }).map(({ e, node }) => ({ type: 'hint' as const, ...e, node })),
    env.map((e) => ({ type: 'ping' as const, ...e })),
    env.map((e) => ({ type: 'pong' as const, ...e })),
    fc
      .record({
        e: env,
        pred: fc.option(refArb(bits), { nil: undefined }),
        succs: refs(ChordLimits.MAX_REFS - 1),
        leave: fc.boolean(),
      })
      .map(({ e, leave, ...r }) => ({
        type: leave ? ('leave' as const) : ('neighbours' as const),
        ...e,
        ...r,
      })),
    fc
      .record({
        e: env,
        replicate: fc.boolean(),
        items: fc.array(fc.record({ key: id, pointer: pointerArb }), { maxLength: 3 }),
      })
      .map(({ e, ...r }) => ({ type: 'store' as const, ...e, ...r })),
    fc
      .record({ e: env, accepted: fc.nat(ChordLimits.MAX_POINTERS) })
      .map(({ e, ...r }) => ({ type: 'store-ack' as const, ...e, ...r })),
    fc
      .record({
        e: env,
        key: id,
        words: fc.array(textArb(ChordLimits.MAX_WORD_BYTES, false), { maxLength: ChordLimits.MAX_WORDS }),
        urn: fc.option(urnArb, { nil: undefined }),
        offset: fc.nat(0xffff),
      })
      .map(({ e, ...r }) => ({ type: 'fetch' as const, ...e, ...r })),
    fc
      .record({
        e: env,
        pointers: fc.array(pointerArb, { maxLength: 3 }),
        next: fc.option(fc.nat(0xffff), { nil: undefined }),
      })
      .map(({ e, ...r }) => ({ type: 'fetch-res' as const, ...e, ...r })),
  );
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
  return undefined;
}

/** a minimal valid message of `type`, encoded (160-bit ids) */
const ID0 = 'ab'.repeat(20);
const ENV = { rid: 7, srcId: ID0, srcVn: 0, dstVn: 1 };
const REF: NodeRef = { id: ID0, addr: '10.0.0.1:6346', vn: 2 };
const PTR: ChordPointer = {
  name: 'a song.mp3',
  size: 1234,
  urn: undefined,
  index: 3,
  ip: '10.0.0.9',
  port: 6346,
  serventId: '0'.repeat(32),
  ttlMs: 1000,
};
const opts = { idBits: 160 };

describe('chord codec', () => {
  for (const bits of BITS) {
    it(`round-trips every message type (${bits}-bit ids) and sizes them exactly`, () => {
      fc.assert(
        fc.property(messageArb(bits), (m) => {
          const o = { idBits: bits, maxMessage: 65_535 };
          const b = encodeChordMessage(m, o);
          expect(b.length).toBe(chordMessageSize(m));
          expect(decodeChordMessage(b, o)).toEqual(m);
        }),
        { seed: FC_SEED, numRuns: 400 },
      );
    });
  }

  it('arbitrary bytes: a message or a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, header) => {
        const b = Buffer.from(bytes);
        if (header && b.length >= 5) {
          // give the fuzzer a valid prefix so it reaches the bodies
          b[0] = 0x43;
          b[1] = 0x48;
          b[2] = 1;
          b[4] = 160;
        }
        try {
          decodeChordMessage(b, opts);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
          expect((e as ProtocolError).action).toBe('drop');
        }
      }),
      { seed: FC_SEED, numRuns: 3000 },
    );
  });

  it('every truncation of a valid message is refused with E_CHORD_TRUNCATED', () => {
    const b = encodeChordMessage(
      {
        type: 'store',
        ...ENV,
        replicate: true,
        items: [{ key: ID0, pointer: { ...PTR, urn: `urn:sha1:${'A'.repeat(32)}` } }],
      },
      opts,
    );
    for (let n = 0; n < b.length; n++)
      expect(codeOf(() => decodeChordMessage(b.subarray(0, n), opts))).toBe(ChordCodecError.TRUNCATED);
    expect(codeOf(() => decodeChordMessage(Buffer.concat([b, Buffer.from([0])]), opts))).toBe(
      ChordCodecError.TRAILING,
    );
  });

  it('header checks: size cap, magic, version, type, id width', () => {
    const b = encodeChordMessage({ type: 'ping', ...ENV }, opts);
    expect(codeOf(() => decodeChordMessage(Buffer.alloc(ChordLimits.MAX_MESSAGE + 1), opts))).toBe(
      ChordCodecError.TOO_LARGE,
    );
    const bad = (off: number, v: number): Buffer => {
      const c = Buffer.from(b);
      c[off] = v;
      return c;
    };
    expect(codeOf(() => decodeChordMessage(bad(0, 0), opts))).toBe(ChordCodecError.BAD_MAGIC);
    expect(codeOf(() => decodeChordMessage(bad(2, 2), opts))).toBe(ChordCodecError.BAD_VERSION);
    expect(codeOf(() => decodeChordMessage(bad(3, 0x7f), opts))).toBe(ChordCodecError.BAD_TYPE);
    expect(codeOf(() => decodeChordMessage(bad(4, 64), opts))).toBe(ChordCodecError.ID_BITS);
    expect(codeOf(() => decodeChordMessage(b, { idBits: 64 }))).toBe(ChordCodecError.ID_BITS);
    // an id with bits above 2^m
    const small = encodeChordMessage({ type: 'ping', ...ENV, srcId: '0ff' }, { idBits: 12 });
    const over = Buffer.from(small);
    over[HEADER_SIZE - 3] = 0x10;
    expect(codeOf(() => decodeChordMessage(over, { idBits: 12 }))).toBe(ChordCodecError.ID_RANGE);
    expect(decodeChordMessage(small, { idBits: 12 })).toMatchObject({ srcId: '0ff' });
  });

  it('caps on counts: refs, excluded ids, pointers, words', () => {
    const found = encodeChordMessage(
      { type: 'found', ...ENV, bg: false, done: false, hops: 0, timeouts: 0, refs: [REF] },
      opts,
    );
    found[HEADER_SIZE + 3] = ChordLimits.MAX_REFS + 1;
    expect(codeOf(() => decodeChordMessage(found, opts))).toBe(ChordCodecError.TOO_MANY_REFS);
    const find = encodeChordMessage({ type: 'find', ...ENV, bg: false, key: ID0, exclude: [] }, opts);
    find[HEADER_SIZE + 20] = ChordLimits.MAX_EXCLUDE + 1;
    expect(codeOf(() => decodeChordMessage(find, opts))).toBe(ChordCodecError.TOO_MANY_EXCLUDED);
    const store = encodeChordMessage({ type: 'store', ...ENV, replicate: false, items: [] }, opts);
    store[HEADER_SIZE + 1] = ChordLimits.MAX_POINTERS + 1;
    expect(codeOf(() => decodeChordMessage(store, opts))).toBe(ChordCodecError.TOO_MANY_POINTERS);
    const res = encodeChordMessage({ type: 'fetch-res', ...ENV, pointers: [], next: undefined }, opts);
    res[HEADER_SIZE + 3] = ChordLimits.MAX_POINTERS + 1;
    expect(codeOf(() => decodeChordMessage(res, opts))).toBe(ChordCodecError.TOO_MANY_POINTERS);
    const fetch = encodeChordMessage(
      { type: 'fetch', ...ENV, key: ID0, words: [], urn: undefined, offset: 0 },
      opts,
    );
    fetch[fetch.length - 1] = ChordLimits.MAX_WORDS + 1;
    expect(codeOf(() => decodeChordMessage(fetch, opts))).toBe(ChordCodecError.TOO_MANY_WORDS);
    // the encoder refuses the same
    expect(
      codeOf(() =>
        encodeChordMessage(
          {
            type: 'found',
            ...ENV,
            bg: false,
            done: false,
            hops: 0,
            timeouts: 0,
            refs: Array(ChordLimits.MAX_REFS + 1).fill(REF),
          },
          { ...opts, maxMessage: 65_535 },
        ),
      ),
    ).toBe(ChordCodecError.ENCODE);
  });

  it('caps on lengths and values: word, name, text, size, ttl, flags, addresses', () => {
    const fetch = encodeChordMessage(
      { type: 'fetch', ...ENV, key: ID0, words: ['ab'], urn: undefined, offset: 0 },
      opts,
    );
    const wl = Buffer.from(fetch);
    wl[wl.length - 3] = ChordLimits.MAX_WORD_BYTES + 1;
    expect(codeOf(() => decodeChordMessage(wl, opts))).toBe(ChordCodecError.WORD_LENGTH);
    const badUtf = Buffer.from(fetch);
    badUtf[badUtf.length - 2] = 0xff;
    expect(codeOf(() => decodeChordMessage(badUtf, opts))).toBe(ChordCodecError.BAD_TEXT);
    const nul = Buffer.from(fetch);
    nul[nul.length - 1] = 0;
    expect(codeOf(() => decodeChordMessage(nul, opts))).toBe(ChordCodecError.BAD_TEXT);

    const res = encodeChordMessage({ type: 'fetch-res', ...ENV, pointers: [PTR], next: undefined }, opts);
    const p0 = HEADER_SIZE + 4; // first pointer
    const name0 = p0 + 4 + 4 + 8 + 1 + 4 + 2 + 16;
    const edit = (off: number, v: number): Buffer => {
      const c = Buffer.from(res);
      c[off] = v;
      return c;
    };
    expect(codeOf(() => decodeChordMessage(edit(name0, 0), opts))).toBe(ChordCodecError.NAME_LENGTH);
    expect(codeOf(() => decodeChordMessage(edit(name0 + 1, 0x2f), opts))).toBe(ChordCodecError.BAD_TEXT);
    expect(codeOf(() => decodeChordMessage(edit(p0 + 8, 0x01), opts))).toBe(ChordCodecError.BAD_SIZE);
    expect(codeOf(() => decodeChordMessage(edit(p0, 0xff), opts))).toBe(ChordCodecError.BAD_TTL);
    expect(codeOf(() => decodeChordMessage(edit(p0 + 16, 2), opts))).toBe(ChordCodecError.BAD_FLAG);
    expect(codeOf(() => decodeChordMessage(edit(p0 + 17, 0), opts))).toBe(ChordCodecError.BAD_ADDRESS);
    expect(codeOf(() => decodeChordMessage(edit(p0 + 17, 255), opts))).toBe(ChordCodecError.BAD_ADDRESS);
    expect(codeOf(() => decodeChordMessage(edit(p0 + 17, 224), opts))).toBe(ChordCodecError.BAD_ADDRESS);
    const port0 = Buffer.from(res);
    port0.writeUInt16BE(0, p0 + 21);
    expect(codeOf(() => decodeChordMessage(port0, opts))).toBe(ChordCodecError.BAD_ADDRESS);
    const nonEmpty = Buffer.from(res);
    nonEmpty[HEADER_SIZE] = 7;
    expect(codeOf(() => decodeChordMessage(nonEmpty, opts))).toBe(ChordCodecError.BAD_FLAG);
  });

  it('the largest replies fit one datagram', () => {
    const refs = Array<NodeRef>(ChordLimits.MAX_REFS - 1).fill(REF);
    expect(
      encodeChordMessage({ type: 'neighbours', ...ENV, pred: REF, succs: refs }, opts).length,
    ).toBeLessThanOrEqual(ChordLimits.MAX_MESSAGE);
    // oversized messages are refused by the encoder
    const big = Array<ChordPointer>(ChordLimits.MAX_POINTERS).fill({ ...PTR, name: 'x'.repeat(200) });
    expect(
      codeOf(() => encodeChordMessage({ type: 'fetch-res', ...ENV, pointers: big, next: undefined }, opts)),
    ).toBe(ChordCodecError.ENCODE);
  });
});
