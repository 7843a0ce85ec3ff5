/**
 * Mutation operators for byte inputs. Every choice comes from the injected Rng, so a seed
 * reproduces the same inputs. Operators are the classic ones (bit flips, interesting
 * bytes, insertion, deletion, length-field tweaks, splicing, truncation, chunk
 * duplication) plus dictionary tokens for text formats; 1–4 of them are stacked per input.
 */
import type { Rng } from '../../../src/core/rng.js';

export interface MutationHints {
  /** byte offsets of known length/count fields (tweaked more often than random offsets) */
  readonly lengthOffsets?: readonly {
    readonly at: number;
    readonly width: 1 | 2 | 4;
    readonly le: boolean;
  }[];
  /** tokens worth inserting or overwriting with (text formats) */
  readonly dictionary?: readonly Buffer[];
  /** inputs are never grown past this */
  readonly maxBytes: number;
}

/** Bytes that sit on boundaries: limits, separators, magic numbers. */
const INTERESTING = [
  0x00, 0x01, 0x02, 0x0a, 0x0d, 0x1c, 0x20, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x39, 0x3a, 0x3d, 0x40, 0x41, 0x5c,
  0x7e, 0x7f, 0x80, 0x81, 0xbf, 0xc0, 0xc3, 0xe0, 0xef, 0xf0, 0xfe, 0xff,
];

const OPERATORS = [
  'bitflip',
  'interesting',
  'random-byte',
  'insert',
  'delete',
  'length',
  'splice',
  'truncate',
  'duplicate',
  'token',
] as const;
export type MutationOperator = (typeof OPERATORS)[number];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

function clamp(buf: Buffer, max: number): Buffer {
  return buf.length > max ? buf.subarray(0, max) : buf;
}

function bitflip(rng: Rng, b: Buffer): Buffer {
  if (b.length === 0) return Buffer.from([rng.int(256)]);
  const out = Buffer.from(b);
  const flips = 1 + rng.int(rng.int(8) + 1);
  for (let i = 0; i < flips; i++) {
    const at = rng.int(out.length);
    out[at] = (out[at] as number) ^ (1 << rng.int(8));
  }
  return out;
}

function setByte(rng: Rng, b: Buffer, value: () => number): Buffer {
  if (b.length === 0) return Buffer.from([value()]);
  const out = Buffer.from(b);
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) out[rng.int(out.length)] = value();
  return out;
}

function insert(rng: Rng, b: Buffer): Buffer {
  const at = rng.int(b.length + 1);
  const n = 1 + rng.int(rng.int(2) === 0 ? 4 : 64);
  const mid = rng.int(2) === 0 ? rng.bytes(n) : Buffer.alloc(n, pick(rng, INTERESTING));
  return Buffer.concat([b.subarray(0, at), mid, b.subarray(at)]);
}

function remove(rng: Rng, b: Buffer): Buffer {
  if (b.length === 0) return b;
  const at = rng.int(b.length);
  const n = 1 + rng.int(Math.min(64, b.length - at));
  return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
}

function readField(b: Buffer, at: number, width: 1 | 2 | 4, le: boolean): number {
  if (width === 1) return b[at] as number;
  if (width === 2) return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
  return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
}

function writeField(b: Buffer, at: number, width: 1 | 2 | 4, le: boolean, v: number): void {
  const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
  const x = ((v % (max + 1)) + (max + 1)) % (max + 1);
  if (width === 1) b[at] = x;
  else if (width === 2 && le) b.writeUInt16LE(x, at);
  else if (width === 2) b.writeUInt16BE(x, at);
  else if (le) b.writeUInt32LE(x, at);
  else b.writeUInt32BE(x, at);
}

/** Moves a length or count field a little (±1, ±k), to a boundary, or anywhere. */
function tweakLength(rng: Rng, b: Buffer, hints: MutationHints): Buffer {
  const known = (hints.lengthOffsets ?? []).filter((h) => h.at + h.width <= b.length);
  let at: number;
  let width: 1 | 2 | 4;
  let le: boolean;
  if (known.length > 0 && rng.int(3) !== 0) {
    const h = pick(rng, known);
    ({ at, width, le } = h);
  } else {
    width = pick(rng, [1, 2, 4] as const);
    if (b.length < width) return setByte(rng, b, () => pick(rng, INTERESTING));
    at = rng.int(b.length - width + 1);
    le = rng.int(2) === 0;
  }
  const out = Buffer.from(b);
  const v = readField(out, at, width, le);
  const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
  const choices = [
    v + 1,
    v - 1,
    v + 1 + rng.int(16),
    v - 1 - rng.int(16),
    0,
    max,
    max >>> 1,
    (max >>> 1) + 1,
    v * 2,
    rng.uint32(),
    b.length,
    b.length - at,
  ];
  writeField(out, at, width, le, pick(rng, choices));
  return out;
}

function splice(rng: Rng, b: Buffer, corpus: readonly Buffer[]): Buffer {
  const other = corpus.length > 0 ? pick(rng, corpus) : b;
  const cutA = rng.int(b.length + 1);
  const cutB = rng.int(other.length + 1);
  return Buffer.concat([b.subarray(0, cutA), other.subarray(cutB)]);
}

function truncate(rng: Rng, b: Buffer): Buffer {
  if (b.length === 0) return b;
  return b.subarray(0, rng.int(b.length));
}

function duplicate(rng: Rng, b: Buffer): Buffer {
  if (b.length === 0) return b;
  const a = rng.int(b.length);
  const n = 1 + rng.int(Math.min(256, b.length - a));
  const chunk = b.subarray(a, a + n);
  const times = 1 + (rng.int(4) === 0 ? rng.int(32) : 0);
  const at = rng.int(b.length + 1);
  const parts = [b.subarray(0, at)];
  for (let i = 0; i < times; i++) parts.push(chunk);
  parts.push(b.subarray(at));
  return Buffer.concat(parts);
}

function token(rng: Rng, b: Buffer, hints: MutationHints): Buffer {
  const dict = hints.dictionary ?? [];
  if (dict.length === 0) return insert(rng, b);
  const t = pick(rng, dict);
  const at = rng.int(b.length + 1);
  // insert, or overwrite the bytes at `at`
  const tail = rng.int(2) === 0 ? b.subarray(at) : b.subarray(Math.min(b.length, at + t.length));
  return Buffer.concat([b.subarray(0, at), t, tail]);
}

export function mutateOnce(
  rng: Rng,
  input: Buffer,
  corpus: readonly Buffer[],
  hints: MutationHints,
  op: MutationOperator = pick(rng, OPERATORS),
): Buffer {
  switch (op) {
    case 'bitflip':
      return bitflip(rng, input);
    case 'interesting':
      return setByte(rng, input, () => pick(rng, INTERESTING));
    case 'random-byte':
      return setByte(rng, input, () => rng.int(256));
    case 'insert':
      return insert(rng, input);
    case 'delete':
      return remove(rng, input);
    case 'length':
      return tweakLength(rng, input, hints);
    case 'splice':
      return splice(rng, input, corpus);
    case 'truncate':
      return truncate(rng, input);
    case 'duplicate':
      return duplicate(rng, input);
    case 'token':
      return token(rng, input, hints);
  }
}

/** 1–4 stacked mutations (mostly 1 or 2), never past `hints.maxBytes`. */
export function mutate(rng: Rng, input: Buffer, corpus: readonly Buffer[], hints: MutationHints): Buffer {
  const n = 1 + rng.int(1 + rng.int(4));
  let out = input;
  for (let i = 0; i < n; i++) out = clamp(mutateOnce(rng, out, corpus, hints), hints.maxBytes);
  return out;
}

export const MUTATION_OPERATORS: readonly MutationOperator[] = OPERATORS;
