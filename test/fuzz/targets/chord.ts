/**
 * Target `chord`: a datagram given to the Chord codec, with the 160-bit identifier space
 * the servent uses and with the width the datagram itself announces. Oracle: only
 * ProtocolErrors; whatever decodes re-encodes to exactly the datagram. Generation: every
 * message type from fast-check arbitraries (several identifier widths) round-trips.
 */
import fc from 'fast-check';
import {
  ChordLimits,
  decodeChordMessage,
  encodeChordMessage,
  type ChordMessage,
} from '../../../src/protocol/chord/index.js';
import type { FuzzTarget, GeneratedInput } from '../lib/target.js';
import { isProtocolError, violation } from '../lib/target.js';
import {
  addr,
  fileName,
  idOf,
  keyword,
  port,
  serventId,
  u16,
  u32,
  u8,
  unicastIp,
  urn,
} from './dht-arbitraries.js';

const OFF_ID_BITS = 4;
const WIDTHS = [160, 64, 13, 1] as const;

const OFF_FLAGS = 7;
const FLAG_BG = 0x01;

/** FETCH_RES body: has next u8 at 32, next offset u16 at 33 */
const OFF_FETCH_NEXT = 33;

/**
 * Decodes, then re-encodes. Two fields are read but carry nothing, so the comparison
 * masks them: the header's flag bits other than `bg` (reserved, ignored: docs/PROTOCOL.md)
 * and FETCH_RES's next offset when "has next" is 0.
 */
function decodeAndCheck(input: Buffer, idBits: number): void {
  const m = decodeChordMessage(input, { idBits });
  JSON.stringify(m);
  let again: Buffer;
  try {
    again = encodeChordMessage(m, { idBits });
  } catch (e) {
    violation('reencode-throws', `${m.type}: ${(e as Error).message}`);
  }
  const flags = input[OFF_FLAGS] as number;
  if ('bg' in m && m.bg !== ((flags & FLAG_BG) !== 0)) violation('flags', `${m.type}: bg flag misread`);
  const masked = Buffer.from(input);
  masked[OFF_FLAGS] = again[OFF_FLAGS] as number;
  if (m.type === 'fetch-res' && m.next === undefined && masked.length >= OFF_FETCH_NEXT + 2) {
    again.copy(masked, OFF_FETCH_NEXT, OFF_FETCH_NEXT, OFF_FETCH_NEXT + 2);
  }
  if (!again.equals(masked)) violation('reencode', `${m.type} re-encodes to other bytes`);
}

function run(input: Buffer): void {
  const announced = input.length > OFF_ID_BITS ? (input[OFF_ID_BITS] as number) : 160;
  if (announced !== 160 && announced >= 1 && announced <= 160) {
    try {
      decodeAndCheck(input, announced);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
  }
  decodeAndCheck(input, 160);
}

function messageArb(bits: number): fc.Arbitrary<ChordMessage> {
  const id = idOf(bits);
  const ref = fc.record({ id, addr, vn: u8 });
  const env = { rid: u32, srcId: id, srcVn: u8, dstVn: u8 };
  const pointer = fc.record({
    name: fileName(ChordLimits.MAX_NAME_BYTES),
    size: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    urn: fc.option(urn, { nil: undefined }),
    index: u32,
    ip: unicastIp,
    port,
    serventId,
    ttlMs: fc.integer({ min: 0, max: ChordLimits.MAX_TTL_MS }),
  });
  const refs = (max: number) => fc.array(ref, { maxLength: max });
  return fc.oneof(
    fc.record({
      type: fc.constant('find'),
      ...env,
      bg: fc.boolean(),
      key: id,
      exclude: fc.array(id, { maxLength: 8 }),
    }),
    fc.record({
      type: fc.constant('found'),
      ...env,
      bg: fc.boolean(),
      done: fc.boolean(),
      hops: u8,
      timeouts: u8,
      refs: refs(20),
    }),
    fc.record({
      type: fc.constant('rfind'),
      ...env,
      bg: fc.boolean(),
      key: id,
      origin: fc.record({ addr, vn: u8 }),
      originRid: u32,
      hops: u8,
      timeouts: u8,
    }),
    fc.record({ type: fc.constant('rfind-ack'), ...env, bg: fc.boolean() }),
    fc.record({ type: fc.constantFrom('get-neighbours', 'notify', 'ping', 'pong'), ...env }),
    fc.record({
      type: fc.constantFrom('neighbours', 'leave'),
      ...env,
      pred: fc.option(ref, { nil: undefined }),
      succs: refs(20),
    }),
    fc.record({
      type: fc.constant('store'),
      ...env,
      replicate: fc.boolean(),
      items: fc.array(fc.record({ key: id, pointer }), { maxLength: 4 }),
    }),
    fc.record({
      type: fc.constant('store-ack'),
      ...env,
      accepted: fc.integer({ min: 0, max: ChordLimits.MAX_POINTERS }),
    }),
    fc.record({
      type: fc.constant('fetch'),
      ...env,
      key: id,
      words: fc.array(keyword, { maxLength: ChordLimits.MAX_WORDS }),
      urn: fc.option(urn, { nil: undefined }),
      offset: u16,
    }),
    fc.record({
      type: fc.constant('fetch-res'),
      ...env,
      pointers: fc.array(pointer, { maxLength: 4 }),
      next: fc.option(u16, { nil: undefined }),
    }),
  ) as fc.Arbitrary<ChordMessage>;
}

const ARBS = WIDTHS.map((bits) => ({ bits, arb: messageArb(bits) }));

function generate(seed: number, n: number): GeneratedInput[] {
  const { bits, arb } = ARBS[seed % ARBS.length] as (typeof ARBS)[number];
  return generateWith(bits, arb, seed, n);
}

function generateWith(
  bits: number,
  arb: fc.Arbitrary<ChordMessage>,
  seed: number,
  n: number,
): GeneratedInput[] {
  return fc.sample(arb, { seed, numRuns: n }).flatMap((m): GeneratedInput[] => {
    let input: Buffer;
    try {
      input = encodeChordMessage(m, { idBits: bits });
    } catch (e) {
      if (isProtocolError(e)) return []; // over the datagram cap: not a message
      throw e;
    }
    return [
      {
        input,
        check: () => {
          try {
            decodeAndCheck(input, bits);
          } catch (e) {
            if (isProtocolError(e)) violation('valid-refused', `${m.type}: ${(e as Error).message}`);
            throw e;
          }
        },
      },
    ];
  });
}

function seeds(): Buffer[] {
  // one datagram of every type, 160-bit ids (what the servent speaks)
  return generateWith(160, (ARBS[0] as (typeof ARBS)[number]).arb, 0xc0ffee, 96).map((g) => g.input);
}

export const chordTarget: FuzzTarget = {
  name: 'chord',
  describe: 'Chord RPC datagrams: decode (160-bit and announced widths), re-encode',
  seeds,
  hints: {
    maxBytes: 1300,
    lengthOffsets: [
      { at: 3, width: 1, le: false }, // type
      { at: 4, width: 1, le: false }, // idBits
      { at: 52, width: 1, le: false }, // first count after a key (FIND exclude, etc.)
      { at: 33, width: 1, le: false }, // STORE count
      { at: 34, width: 1, le: false },
      { at: 35, width: 1, le: false }, // FOUND refs count
    ],
  },
  generate,
  run,
  expected: isProtocolError,
};
