/**
 * Properties (fast-check, fixed seed; fast-check prints seed and path on failure):
 * - decode(encode(m)) says what m says, and re-encodes to the same bytes;
 * - any bytes given to decodeMessage / FrameDecoder give messages or ProtocolErrors only,
 *   and whatever decodes re-encodes to exactly those bytes;
 * - any chunking of a valid stream gives the same messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import {
  CodecError,
  FrameDecoder,
  FramingError,
  PayloadType,
  decodeMessage,
  encodeMessage,
  encodedLength,
  sha1Urn,
  type GgepBlock,
  type Message,
} from '../../src/protocol/index.js';
import { loadCaptured } from './captures.js';

const SEED = 0x5e7e17;
const RUNS = 400;

// ------------------------------------------------------------------------ arbitraries

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const guid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b));
const bytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const ip = fc.tuple(u8, u8, u8, u8).map((p) => p.join('.'));
const latin1 = (n: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('latin1'));
/** any Unicode text without the characters that end a field */
const text = (maxLength: number, banned: RegExp): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', maxLength }).filter((s) => !banned.test(s));
const urn = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((d) => sha1Urn(d));
const urns = fc.uniqueArray(urn, { maxLength: 3 });

/** GGEP blocks built from fields; `H` and `u` are left out where they would add URNs. */
const ggep = (noUrnIds: boolean): fc.Arbitrary<GgepBlock> =>
  fc
    .array(
      fc.record({
        id: fc
          .stringMatching(/^[A-Za-z0-9_.]{1,15}$/)
          .filter((id) => !noUrnIds || (id !== 'H' && id !== 'u')),
        data: bytes(40),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((extensions) => ({ extensions }));
/** trailing payload bytes that cannot be taken for a GGEP block */
const extra = bytes(20).filter((b) => b.length > 0 && b[0] !== 0xc3);

const envelope = { guid, ttl: u8, hops: u8 };
const opt = { requiredKeys: [] as never[] };

const ping = fc
  .tuple(fc.record(envelope), fc.record({ ggep: ggep(false), extra }, opt))
  .map(([e, o]): Message => ({ type: 'ping', ...e, ...o }));
const pong = fc
  .tuple(
    fc.record({ ...envelope, port: u16, ip, files: u32, kbytes: u32 }),
    fc.record({ ggep: ggep(false), extra }, opt),
  )
  .map(([e, o]): Message => ({ type: 'pong', ...e, ...o }));
const push = fc
  .tuple(
    fc.record({ ...envelope, serventId: guid, index: u32, ip, port: u16 }),
    fc.record({ ggep: ggep(false), extra }, opt),
  )
  .map(([e, o]): Message => ({ type: 'push', ...e, ...o }));
const bye = fc
  .record({ ...envelope, code: u16, reason: text(40, /[\0\r\n]/), nulTerminated: fc.boolean() })
  .map((b): Message => ({ type: 'bye', ...b }));
const query = fc
  .tuple(
    fc.record({ ...envelope, minSpeed: u16, search: text(100, /\0/), urns }),
    fc.record({ ggep: ggep(true) }, opt),
  )
  .map(([e, o]): Message => ({ type: 'query', ...e, ...o }));
const result = fc
  .tuple(
    fc.record({ index: u32, size: u32, name: text(40, /\0/), urns: fc.uniqueArray(urn, { maxLength: 2 }) }),
    fc.record({ ggep: ggep(true) }, opt),
  )
  .map(([r, o]) => ({ ...r, ...o }));
const flags = fc.record(
  {
    push: fc.boolean(),
    busy: fc.boolean(),
    uploaded: fc.boolean(),
    speedMeasured: fc.boolean(),
    ggep: fc.boolean(),
  },
  opt,
);
const trailer = fc.oneof(
  fc.constant({ vendor: null }),
  fc.tuple(latin1(4), fc.record({ flags, ggep: ggep(false) }, opt)).map(([vendor, o]) => ({ vendor, ...o })),
);
const queryhit = fc
  .tuple(
    fc.record({
      ...envelope,
      port: u16,
      ip,
      speed: u32,
      serventId: guid,
      results: fc.array(result, { maxLength: 5 }),
    }),
    trailer,
  )
  .map(([h, t]): Message => ({ type: 'queryhit', ...h, ...t }));
const qrp = fc.oneof(
  fc
    .record({ ...envelope, tableLength: u32, infinity: u8 })
    .map((r): Message => ({ type: 'qrp', variant: 'reset', ...r })),
  fc
    .record({ ...envelope, seqNo: u8, seqSize: u8, compressor: u8, entryBits: u8, data: bytes(50) })
    .map((r): Message => ({ type: 'qrp', variant: 'patch', ...r })),
);
const vendor = fc
  .record({
    ...envelope,
    payloadType: fc.constantFrom(0x31, 0x32),
    vendor: latin1(4),
    selector: u16,
    version: u16,
    body: bytes(60),
  })
  .map((v): Message => ({ type: 'vendor', ...v }));
const KNOWN: ReadonlySet<number> = new Set(Object.values(PayloadType));
const unknown = fc
  .record({ ...envelope, payloadType: u8.filter((t) => !KNOWN.has(t)), payload: bytes(60) })
  .map((u): Message => ({ type: 'unknown', ...u }));
const message = fc.oneof(ping, pong, push, bye, query, queryhit, qrp, vendor, unknown);

// --------------------------------------------------------------------------- helpers

/** Wire-carrying fields the decoder adds for exact re-encoding; meaning lives elsewhere. */
const RAW_KEYS = new Set(['raw', 'privateArea', 'openData', 'rawName', 'rawSearch']);

/** What a message says, as plain data: Buffers as hex, GGEP as its extension list. */
function meaning(v: unknown, key = ''): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map((x) => meaning(x));
  if (v === null || typeof v !== 'object') return v;
  if (key === 'ggep') return (v as GgepBlock).extensions.map((e) => [e.id, e.data.toString('hex')]);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || RAW_KEYS.has(k) || (k === 'extensions' && Buffer.isBuffer(x))) continue;
    out[k] = k === 'nulTerminated' ? x !== false : meaning(x, k);
  }
  if ((v as { type?: unknown }).type === 'bye')
    out['nulTerminated'] = (v as { nulTerminated?: boolean }).nulTerminated !== false;
  return out;
}

/** Runs `f`; a thrown value must be a ProtocolError that is not a decoder fault. */
function onlyProtocolErrors<T>(f: () => T): T | ProtocolError {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ProtocolError) || e.code === CodecError.INTERNAL) throw e;
    return e;
  }
}

function withHeader(type: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(23);
  h[16] = type;
  h[17] = 3;
  h.writeUInt32LE(payload.length, 19);
  return Buffer.concat([h, payload]);
}

// ---------------------------------------------------------------------------- tests

describe('properties', () => {
  it('decode(encode(m)) means m and re-encodes to the same bytes; encodedLength is exact', () => {
    fc.assert(
      fc.property(message, (m) => {
        const b = encodeMessage(m);
        expect(encodedLength(m)).toBe(b.length);
        const back = decodeMessage(b);
        expect(meaning(back)).toEqual(meaning(m));
        expect(encodeMessage(back).equals(b)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  it('arbitrary payloads: a message or a ProtocolError; what decodes re-encodes exactly', () => {
    const types = fc.oneof(fc.constantFrom(...KNOWN), u8);
    fc.assert(
      fc.property(types, fc.uint8Array({ maxLength: 300 }), (type, payload) => {
        const frame = withHeader(type, payload);
        const r = onlyProtocolErrors(() => decodeMessage(frame));
        if (!(r instanceof ProtocolError)) expect(encodeMessage(r).equals(frame)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS * 5 },
    );
  });

  it('arbitrary bytes as a frame: only ProtocolErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        onlyProtocolErrors(() => decodeMessage(Buffer.from(b)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('captured descriptors with random bytes changed: a message (re-encoding exactly) or a ProtocolError', () => {
    const frames = loadCaptured().map((d) => d.bytes);
    const mutation = fc.record({
      which: fc.nat({ max: frames.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), u8), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ which, edits }) => {
        const f = Buffer.from(frames[which] as Buffer);
        const payload = f.length - 23;
        if (payload === 0) return;
        for (const [at, v] of edits) f[23 + (at % payload)] = v;
        const r = onlyProtocolErrors(() => decodeMessage(f));
        if (!(r instanceof ProtocolError)) expect(encodeMessage(r).equals(f)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS * 5 },
    );
  });

  it('arbitrary streams in arbitrary chunks: FrameDecoder yields results or throws FramingError, and accounts for every byte', () => {
    const chunks = fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 });
    fc.assert(
      fc.property(chunks, (parts) => {
        const d = new FrameDecoder();
        let total = 0;
        let framed = 0;
        for (const p of parts) {
          total += p.length;
          let out;
          try {
            out = d.push(Buffer.from(p));
          } catch (e) {
            expect(e).toBeInstanceOf(FramingError);
            expect((e as FramingError).code).not.toBe(CodecError.INTERNAL);
            return;
          }
          for (const r of out) {
            framed += r.size;
            if (!r.ok) expect(r.error.code).not.toBe(CodecError.INTERNAL);
          }
        }
        expect(framed + d.buffered).toBe(total);
        expect(d.bytesConsumed).toBe(framed);
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('any chunking of a valid stream gives the same messages', () => {
    const stream = fc.record({
      msgs: fc.array(message, { minLength: 1, maxLength: 6 }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(stream, ({ msgs, cuts }) => {
        const frames = msgs.map((m) => encodeMessage(m));
        const all = Buffer.concat(frames);
        const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const d = new FrameDecoder();
        const got: string[] = [];
        let last = 0;
        for (const p of [...points, all.length]) {
          for (const r of d.push(all.subarray(last, p)))
            got.push(r.ok ? encodeMessage(r.message).toString('hex') : r.error.code);
          last = p;
        }
        expect(got).toEqual(frames.map((f) => f.toString('hex')));
        expect(d.buffered).toBe(0);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
