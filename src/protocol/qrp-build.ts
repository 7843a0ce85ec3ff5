/**
 * The leaf side of QRP: a table of the keywords we share, and the RESET + PATCH messages
 * that describe it to an ultrapeer. Keywords follow the servent-wide rule (core/keywords),
 * ≥ 3 characters, plus their forms truncated by 1–3 trailing characters while ≥ 3 long,
 * so that a query for a word's prefix still reaches us. Patches default to 4-bit entries
 * (the only size LimeWire and Phex accept besides 8), zlib-compressed, in ≤ 4 KiB fragments.
 */
import { deflateSync } from 'node:zlib';
import { keywords } from '../core/keywords.js';
import type { Rng } from '../core/rng.js';
import type { QrpPatch, QrpReset } from './messages.js';
import { QRP_COMPRESSOR_NONE, QRP_COMPRESSOR_ZLIB } from './constants.js';
import { encodeError } from './error-codes.js';
import { newGuid } from './guid.js';
import { qrpHash } from './qrp.js';
import { QRP_MIN_WORD, QrpTable } from './qrp-table.js';

/** Trailing characters dropped to form the extra keywords. */
const MAX_TRUNCATION = 3;

export interface QrpBuildOptions {
  /** log2 of the slot count (16 → 65,536 slots, what LimeWire expects from leaves) */
  readonly tableBits?: number;
  /** the "absent" distance (LimeWire 7) */
  readonly infinity?: number;
}

/** Every keyword and truncated keyword a table built from `texts` holds. */
export function qrpKeywords(texts: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const text of texts) {
    for (const k of keywords(text, QRP_MIN_WORD)) {
      out.add(k);
      for (let d = 1; d <= MAX_TRUNCATION && k.length - d >= QRP_MIN_WORD; d++)
        out.add(k.slice(0, k.length - d));
    }
  }
  return out;
}

/** Builds a ready table from words or whole file names (each is split by the keyword rule). */
export function buildQrpTable(texts: Iterable<string>, opts: QrpBuildOptions = {}): QrpTable {
  const bits = opts.tableBits ?? 16;
  const infinity = opts.infinity ?? 7;
  if (!Number.isInteger(bits) || bits < 1 || bits > 24) throw encodeError(`QRP table bits ${bits}`);
  const slots = new Int8Array(1 << bits).fill(infinity);
  const present = infinity > 1 ? 1 : 0;
  for (const k of qrpKeywords(texts)) slots[qrpHash(k, bits)] = present;
  return QrpTable.fromSlots(slots, infinity, { maxQrpTableSlots: Math.max(1 << bits, 1 << 21) });
}

export interface QrpUpdateOptions {
  /** bits per patch entry: 4 (default) or 8 for everyone, 1 only for peers that announced QRP1 */
  readonly entryBits?: 1 | 4 | 8;
  /** most patch bytes per PATCH message */
  readonly maxFragment?: number;
  /** zlib-compress the patch (default true) */
  readonly compress?: boolean;
}

/** Packs the patch from an all-infinity table to `table`, MSB-first. */
function packPatch(table: QrpTable, entryBits: 1 | 4 | 8): Buffer {
  const slots = table.values;
  const inf = table.infinity;
  const out = Buffer.alloc(Math.ceil((slots.length * entryBits) / 8));
  const lo = -(1 << (entryBits - 1));
  const hi = (1 << (entryBits - 1)) - 1;
  for (let i = 0; i < slots.length; i++) {
    const v = slots[i] as number;
    if (entryBits === 1) {
      if (v < inf) out[i >>> 3] = (out[i >>> 3] as number) | (0x80 >>> (i & 7));
      continue;
    }
    const d = v - inf;
    if (d === 0) continue;
    if (d < lo || d > hi) throw encodeError(`QRP delta ${d} does not fit ${entryBits}-bit entries`);
    if (entryBits === 8) out[i] = d & 0xff;
    else out[i >>> 1] = (out[i >>> 1] as number) | ((d & 0x0f) << ((i & 1) === 0 ? 4 : 0));
  }
  return out;
}

/**
 * The messages that give a peer this table from scratch: one RESET, then PATCH fragments
 * (TTL 1, hops 0). GUIDs come from `guids` (an Rng for random modern GUIDs, or a factory).
 */
export function qrpUpdateMessages(
  table: QrpTable,
  guids: Rng | (() => Buffer),
  opts: QrpUpdateOptions = {},
): [QrpReset, ...QrpPatch[]] {
  const entryBits = opts.entryBits ?? 4;
  const maxFragment = opts.maxFragment ?? 4096;
  const compress = opts.compress ?? true;
  if (!Number.isInteger(maxFragment) || maxFragment < 1)
    throw encodeError(`QRP fragment size ${maxFragment}`);
  if (table.length === 0) throw encodeError('QRP table has no slots');
  const nextGuid = typeof guids === 'function' ? guids : (): Buffer => newGuid(guids);
  const raw = packPatch(table, entryBits);
  const data = compress ? deflateSync(raw) : raw;
  const count = Math.max(1, Math.ceil(data.length / maxFragment));
  if (count > 255) throw encodeError(`QRP patch needs ${count} fragments (max 255)`);
  const reset: QrpReset = {
    type: 'qrp',
    variant: 'reset',
    guid: nextGuid(),
    ttl: 1,
    hops: 0,
    tableLength: table.length,
    infinity: table.infinity,
  };
  const patches: QrpPatch[] = [];
  for (let i = 0; i < count; i++) {
    patches.push({
      type: 'qrp',
      variant: 'patch',
      guid: nextGuid(),
      ttl: 1,
      hops: 0,
      seqNo: i + 1,
      seqSize: count,
      compressor: compress ? QRP_COMPRESSOR_ZLIB : QRP_COMPRESSOR_NONE,
      entryBits,
      data: data.subarray(i * maxFragment, Math.min(data.length, (i + 1) * maxFragment)),
    });
  }
  return [reset, ...patches];
}
