/**
 * Target `frame`: a byte stream given to the Gnutella FrameDecoder in chunks (sizes drawn
 * from a hash of the input, so a saved input replays the same way), every decoded QRP
 * message applied to a QrpTable. Oracle, beyond "only ProtocolErrors":
 * - a dropped frame never carries E_CODEC_INTERNAL (the decoder's catch-all for its own bugs);
 * - every decoded message is walked (lazy GGEP fields materialised) and re-encodes to
 *   exactly the bytes of its frame.
 * Generation: fast-check messages → encode → decode → encode gives the same bytes.
 */
import fc from 'fast-check';
import { ProtocolError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/core/rng.js';
import {
  CodecError,
  FrameDecoder,
  FramingError,
  QrpTable,
  decodeMessage,
  encodeMessage,
  type FrameResult,
  type Message,
} from '../../../src/protocol/index.js';
import { capturedDescriptors } from '../lib/corpus.js';
import type { FuzzTarget, GeneratedInput } from '../lib/target.js';
import { isProtocolError, violation } from '../lib/target.js';
import { messageArb } from './message-arbitraries.js';

/** FNV-1a over the length and up to 256 bytes: picks the chunking of an input. */
function inputSeed(b: Buffer): number {
  let h = 0x811c9dc5 ^ b.length;
  const n = Math.min(b.length, 256);
  for (let i = 0; i < n; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193) >>> 0;
  return h >>> 0;
}

/** Splits the stream: whole, random small chunks, or one byte at a time (short inputs). */
export function chunksOf(b: Buffer): Buffer[] {
  const rng = createRng(inputSeed(b));
  const mode = rng.int(4);
  if (mode === 0 || b.length === 0) return [b];
  if (mode === 1 && b.length <= 600) return Array.from(b, (_, i) => b.subarray(i, i + 1));
  const max = mode === 2 ? 8 : 200;
  const out: Buffer[] = [];
  for (let at = 0; at < b.length;) {
    const n = 1 + rng.int(max);
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Reads every field, materialising the lazily decoded GGEP parts. */
export function walk(v: unknown, depth = 0): number {
  if (depth > 8 || v === null || typeof v !== 'object') return 0;
  if (v instanceof Uint8Array) return v.length;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += walk(x, depth + 1);
    return n;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) n += walk(o[k], depth + 1);
  // DecodedGgep keeps `extensions` and `raw` as prototype getters
  if ('extensions' in o && !Object.prototype.hasOwnProperty.call(o, 'extensions')) {
    n += walk(o['extensions'], depth + 1) + walk(o['raw'], depth + 1);
  }
  return n;
}

function checkResults(
  input: Buffer,
  results: readonly FrameResult[],
  at: { offset: number; qrp: QrpTable },
): void {
  for (const r of results) {
    const frame = input.subarray(at.offset, at.offset + r.size);
    at.offset += r.size;
    if (!r.ok) {
      if (!(r.error instanceof ProtocolError)) violation('untyped-drop', String(r.error));
      if (r.error.code === CodecError.INTERNAL) violation('internal', r.error.message);
      continue;
    }
    walk(r.message);
    let again: Buffer;
    try {
      again = encodeMessage(r.message);
    } catch (e) {
      violation('reencode-throws', `${r.message.type}: ${(e as Error).message}`);
    }
    if (!again.equals(frame)) violation('reencode', `${r.message.type} re-encodes to other bytes`);
    if (r.message.type === 'qrp') {
      try {
        at.qrp.apply(r.message);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        at.qrp = new QrpTable(); // a live peer would be closed (Bye 413); start over
      }
    }
  }
}

function run(input: Buffer): void {
  const dec = new FrameDecoder();
  const at = { offset: 0, qrp: new QrpTable() };
  for (const chunk of chunksOf(input)) {
    let results: FrameResult[];
    try {
      results = dec.push(chunk);
    } catch (e) {
      if (e instanceof FramingError) {
        checkResults(input, e.before, at);
        if (e.code === CodecError.INTERNAL) violation('internal', e.message);
      }
      throw e;
    }
    checkResults(input, results, at);
  }
  if (dec.bytesConsumed + dec.buffered !== input.length) violation('accounting', 'bytes lost by the decoder');
}

function generate(seed: number, n: number): GeneratedInput[] {
  return fc.sample(messageArb, { seed, numRuns: n }).flatMap((m: Message): GeneratedInput[] => {
    let bytes: Buffer;
    try {
      bytes = encodeMessage(m);
    } catch (e) {
      if (isProtocolError(e)) return []; // the arbitrary made something the wire cannot carry
      throw e;
    }
    return [
      {
        input: bytes,
        check: () => {
          let back: Message;
          try {
            back = decodeMessage(bytes);
          } catch (e) {
            violation('valid-refused', `${m.type}: ${(e as Error).message}`);
          }
          walk(back);
          if (!encodeMessage(back).equals(bytes)) violation('roundtrip', `${m.type} does not round-trip`);
        },
      },
    ];
  });
}

function seeds(): Buffer[] {
  const one = capturedDescriptors();
  // streams of consecutive captured descriptors (QRP RESET + PATCH sequences stay in order)
  const streams: Buffer[] = [];
  for (let i = 0; i + 4 <= one.length; i += 4) streams.push(Buffer.concat(one.slice(i, i + 4)));
  return [...one, ...streams];
}

export const frameTarget: FuzzTarget = {
  name: 'frame',
  describe: 'Gnutella FrameDecoder + decodeMessage + QrpTable (seeded from fixtures/captures)',
  seeds,
  hints: {
    maxBytes: 70_000,
    lengthOffsets: [
      { at: 19, width: 4, le: true }, // payload length
      { at: 16, width: 1, le: true }, // payload type
      { at: 23, width: 1, le: true }, // QueryHit result count / QRP variant
      { at: 24, width: 4, le: true }, // QRP table length, pong/push fields
      { at: 25, width: 1, le: true }, // QRP seq no / infinity
      { at: 26, width: 1, le: true }, // QRP seq size
    ],
  },
  generate,
  run,
  expected: isProtocolError,
};
