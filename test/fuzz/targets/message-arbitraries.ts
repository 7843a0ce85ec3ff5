/**
 * fast-check arbitraries for well-formed Gnutella descriptors, kept inside the codec's
 * default caps so that every generated message must decode. Fields that would change
 * meaning on the wire are avoided: `extra` never starts with the GGEP magic, query and
 * result GGEP blocks carry no `H`/`u` (those add URNs), texts carry no field terminators.
 */
import fc from 'fast-check';
import { sha1Urn, type GgepBlock, type Message } from '../../../src/protocol/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (maxLength: number, minLength = 0): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength, maxLength }).map((b) => Buffer.from(b));
const guid = bytes(16, 16);
const ip = fc.tuple(u8, u8, u8, u8).map((p) => p.join('.'));
const text = (maxLength: number, banned: RegExp): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', maxLength }).filter((s) => !banned.test(s));
const urn = bytes(20, 20).map((d) => sha1Urn(d));
const opt = { requiredKeys: [] as never[] };

const ggep = (noUrnIds: boolean): fc.Arbitrary<GgepBlock> =>
  fc
    .array(
      fc.record({
        id: fc
          .stringMatching(/^[A-Za-z0-9_.]{1,15}$/)
          .filter((id) => !noUrnIds || (id !== 'H' && id !== 'u')),
        data: bytes(48),
      }),
      { minLength: 1, maxLength: 5 },
    )
    .map((extensions) => ({ extensions }));
const extra = bytes(24, 1).filter((b) => b[0] !== 0xc3);
const envelope = { guid, ttl: u8, hops: u8 };

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
  .record({ ...envelope, code: u16, reason: text(60, /[\0\r\n]/), nulTerminated: fc.boolean() })
  .map((b): Message => ({ type: 'bye', ...b }));
const query = fc
  .tuple(
    fc.record({
      ...envelope,
      minSpeed: u16,
      search: text(100, /\0/),
      urns: fc.uniqueArray(urn, { maxLength: 3 }),
    }),
    fc.record({ ggep: ggep(true) }, opt),
  )
  .map(([e, o]): Message => ({ type: 'query', ...e, ...o }));
const result = fc
  .tuple(
    fc.record({
      index: u32,
      size: u32,
      name: text(60, /\0/),
      urns: fc.uniqueArray(urn, { maxLength: 2 }),
    }),
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
const vendorCode = bytes(4, 4).map((b) => b.toString('latin1'));
const trailer = fc.oneof(
  fc.constant({ vendor: null }),
  fc.tuple(vendorCode, fc.record({ flags, ggep: ggep(false) }, opt)).map(([vendor, o]) => ({ vendor, ...o })),
);
const queryhit = fc
  .tuple(
    fc.record({
      ...envelope,
      port: u16,
      ip,
      speed: u32,
      serventId: guid,
      results: fc.array(result, { maxLength: 6 }),
    }),
    trailer,
  )
  .map(([h, t]): Message => ({ type: 'queryhit', ...h, ...t }));
const qrpReset = fc
  .record({ ...envelope, tableLength: fc.integer({ min: 0, max: 1 << 21 }), infinity: u8 })
  .map((r): Message => ({ type: 'qrp', variant: 'reset', ...r }));
const qrpPatch = fc
  .record({
    ...envelope,
    seqNo: u8,
    seqSize: u8,
    compressor: fc.constantFrom(0, 1),
    entryBits: fc.constantFrom(1, 2, 4, 8),
    data: bytes(200),
  })
  .map((r): Message => ({ type: 'qrp', variant: 'patch', ...r }));
const vendor = fc
  .record({
    ...envelope,
    payloadType: fc.constantFrom(0x31, 0x32),
    vendor: vendorCode,
    selector: u16,
    version: u16,
    body: bytes(64),
  })
  .map((v): Message => ({ type: 'vendor', ...v }));
const KNOWN = new Set([0x00, 0x01, 0x02, 0x30, 0x31, 0x32, 0x40, 0x80, 0x81]);
const unknown = fc
  .record({ ...envelope, payloadType: u8.filter((t) => !KNOWN.has(t)), payload: bytes(64) })
  .map((u): Message => ({ type: 'unknown', ...u }));

export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  ping,
  pong,
  push,
  bye,
  query,
  queryhit,
  qrpReset,
  qrpPatch,
  vendor,
  unknown,
);
