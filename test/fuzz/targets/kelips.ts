/**
 * Target `kelips`: a datagram given to the Kelips codec (any k, and the overlay's k).
 * Oracle: only ProtocolErrors; whatever decodes re-encodes to exactly the datagram.
 * Generation: every message type round-trips.
 *
 * The codec is loaded at run time: a build without it reports the target as skipped
 * instead of failing to compile.
 */
import fc from 'fast-check';
import type { FuzzTarget, GeneratedInput } from '../lib/target.js';
import { isProtocolError, violation } from '../lib/target.js';
import { addr, fileName, keyword, port, serventId, u16, u32, u8, unicastIp, urn } from './dht-arbitraries.js';

/** The part of src/protocol/kelips this target uses. */
interface KelipsCodec {
  encodeKelipsMessage(m: object, opts?: { maxMessage?: number }): Buffer;
  decodeKelipsMessage(b: Buffer, opts?: { groups?: number; maxMessage?: number }): { type: string };
}

const MODULE = '../../../src/protocol/kelips/index.js';
const OFF_GROUPS = 4;

function decodeAndCheck(codec: KelipsCodec, input: Buffer, groups: number | undefined): void {
  const m = codec.decodeKelipsMessage(input, groups === undefined ? {} : { groups });
  JSON.stringify(m);
  let again: Buffer;
  try {
    again = codec.encodeKelipsMessage(m);
  } catch (e) {
    violation('reencode-throws', `${m.type}: ${(e as Error).message}`);
  }
  if (!again.equals(input)) violation('reencode', `${m.type} re-encodes to other bytes`);
}

const size = fc.integer({ min: 0, max: 2 ** 48 - 1 });
const member = fc.record({ addr, hb: u32 });
const tuple = fc
  .record({
    key: keyword,
    name: fileName(255),
    size,
    urn: fc.option(urn, { nil: undefined }),
    index: u32,
    ip: unicastIp,
    port,
    serventId,
    hb: u32,
    keyIsUrn: fc.boolean(),
  })
  .map(({ keyIsUrn, ...t }) => (keyIsUrn && t.urn !== undefined ? { ...t, key: t.urn } : t));
const env = { k: fc.integer({ min: 1, max: 65535 }), rid: u32, hb: u32 };
const lookupKey = fc
  .record({ key: keyword, urn: fc.option(urn, { nil: undefined }), keyIsUrn: fc.boolean() })
  .map(({ key, urn: u, keyIsUrn }) => ({ key: keyIsUrn && u !== undefined ? u : key, urn: u }));

const messageArb: fc.Arbitrary<object> = fc.oneof(
  fc.record({
    type: fc.constant('gossip'),
    ...env,
    ts: u32,
    echoTs: u32,
    echoHeldMs: u16,
    members: fc.array(member, { maxLength: 20 }),
    tuples: fc.array(tuple, { maxLength: 4 }),
  }),
  fc.record({ type: fc.constant('join'), ...env, k: fc.integer({ min: 0, max: 65535 }), part: u8 }),
  fc.record({
    type: fc.constant('snapshot'),
    ...env,
    part: u8,
    last: fc.boolean(),
    members: fc.array(member, { maxLength: 20 }),
    tuples: fc.array(tuple, { maxLength: 4 }),
  }),
  fc
    .tuple(
      fc.record({
        type: fc.constant('lookup'),
        ...env,
        origin: addr,
        ttl: fc.integer({ min: 0, max: 16 }),
        hops: fc.integer({ min: 0, max: 32 }),
        maxResults: fc.integer({ min: 0, max: 64 }),
        words: fc.array(keyword, { maxLength: 16 }),
      }),
      lookupKey,
    )
    .map(([m, k]) => ({ ...m, ...k })),
  fc.record({
    type: fc.constant('lookup-reply'),
    ...env,
    hops: fc.integer({ min: 0, max: 32 }),
    tuples: fc.array(tuple, { maxLength: 6 }),
  }),
  fc.record({
    type: fc.constant('store'),
    ...env,
    origin: addr,
    ttl: fc.integer({ min: 0, max: 16 }),
    hops: fc.integer({ min: 0, max: 32 }),
    tuples: fc.array(tuple, { maxLength: 6 }),
  }),
  fc.record({ type: fc.constant('store-ack'), ...env, stored: fc.integer({ min: 0, max: 32 }) }),
  fc.record({ type: fc.constantFrom('ping', 'pong'), ...env }),
);

export function makeKelipsTarget(codec: KelipsCodec): FuzzTarget {
  const generate = (seed: number, n: number): GeneratedInput[] =>
    fc.sample(messageArb, { seed, numRuns: n }).flatMap((m): GeneratedInput[] => {
      let input: Buffer;
      try {
        input = codec.encodeKelipsMessage(m);
      } catch (e) {
        if (isProtocolError(e)) return []; // over the datagram cap: not a message
        throw e;
      }
      return [
        {
          input,
          check: () => {
            try {
              decodeAndCheck(codec, input, undefined);
            } catch (e) {
              if (isProtocolError(e)) violation('valid-refused', (e as Error).message);
              throw e;
            }
          },
        },
      ];
    });
  return {
    name: 'kelips',
    describe: 'Kelips datagrams: decode (any k and a fixed k), re-encode',
    seeds: () => generate(0x6e11b5, 96).map((g) => g.input),
    hints: {
      maxBytes: 1300,
      lengthOffsets: [
        { at: 3, width: 1, le: false }, // type
        { at: 4, width: 2, le: false }, // k
        { at: 24, width: 1, le: false }, // gossip member count
        { at: 25, width: 1, le: false }, // gossip tuple count
        { at: 16, width: 1, le: false }, // snapshot counts
        { at: 17, width: 1, le: false },
      ],
    },
    generate,
    run: (input) => {
      if (input.length > OFF_GROUPS + 1) {
        try {
          decodeAndCheck(codec, input, input.readUInt16BE(OFF_GROUPS) || 1);
        } catch (e) {
          if (!isProtocolError(e)) throw e;
        }
      }
      decodeAndCheck(codec, input, undefined);
    },
    expected: isProtocolError,
  };
}

/** The Kelips target, or the reason it cannot run in this build. */
export async function loadKelipsTarget(): Promise<FuzzTarget | string> {
  let mod: unknown;
  try {
    mod = await import(MODULE);
  } catch (e) {
    return `the Kelips codec is not in this build (${(e as Error).message.split('\n')[0] ?? ''})`;
  }
  const codec = mod as Partial<KelipsCodec>;
  if (typeof codec.encodeKelipsMessage !== 'function' || typeof codec.decodeKelipsMessage !== 'function') {
    return 'the Kelips codec does not export encodeKelipsMessage/decodeKelipsMessage';
  }
  return makeKelipsTarget(codec as KelipsCodec);
}
