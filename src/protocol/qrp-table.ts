/**
 * A QRP routing table as an ultrapeer keeps it for one leaf: built from the leaf's RESET and
 * PATCH sequences, then asked whether a query may concern that leaf.
 *
 * Rules (gtk-gnutella answers any breach with Bye 413, so every error here is `close`):
 * RESET = power-of-2 length ≤ cap, infinity ≥ 1, fresh all-infinity table; PATCH only after
 * a RESET; fragments 1..seqSize in order, seqSize/compressor/entry bits fixed within a
 * sequence; entry bits 1, 2, 4 or 8; the concatenated fragments (inflated when compressor
 * is 1) hold at most one entry per slot. Entries are read MSB-first and added to the slots
 * (1-bit entries flip presence instead). A slot is present when its value < infinity.
 */
import { inflateSync } from 'node:zlib';
import type { Qrp, QrpPatch } from './messages.js';
import { QRP_COMPRESSOR_NONE, QRP_COMPRESSOR_ZLIB } from './constants.js';
import { CodecError, closeError } from './error-codes.js';
import type { CodecErrorCode } from './error-codes.js';
import type { CodecLimits } from './limits.js';
import { resolveLimits } from './limits.js';
import { qrpHash } from './qrp.js';

/** Shortest query word that is routed by QRP (tables only hold words of ≥ 3 characters). */
export const QRP_MIN_WORD = 3;
const MAX_INFINITY = 127;

interface Sequence {
  readonly size: number;
  readonly compressor: number;
  readonly entryBits: number;
  next: number;
  readonly parts: Buffer[];
  bytes: number;
}

function fail(code: CodecErrorCode, message: string): never {
  throw closeError(code, message);
}

export class QrpTable {
  private readonly limits: CodecLimits;
  private slots: Int8Array | undefined;
  private inf = 0;
  private bits = 0;
  private seq: Sequence | undefined;
  private complete = false;

  constructor(limits?: Partial<CodecLimits>) {
    this.limits = resolveLimits(limits);
  }

  /** A ready table with these slot values (used by the builder). */
  static fromSlots(slots: Int8Array, infinity: number, limits?: Partial<CodecLimits>): QrpTable {
    const t = new QrpTable(limits);
    t.reset(slots.length, infinity);
    (t.slots as Int8Array).set(slots);
    t.complete = true;
    return t;
  }

  /** slots in the table (0 before the first RESET) */
  get length(): number {
    return this.slots === undefined ? 0 : this.slots.length;
  }

  get infinity(): number {
    return this.inf;
  }

  /** True once a RESET and one whole PATCH sequence have been applied. */
  get ready(): boolean {
    return this.complete;
  }

  /** The slot values (read-only by contract; the builder and tests read them). */
  get values(): Int8Array {
    return this.slots ?? new Int8Array(0);
  }

  apply(m: Qrp): void {
    if (m.variant === 'reset') this.reset(m.tableLength, m.infinity);
    else this.patch(m);
  }

  private reset(length: number, infinity: number): void {
    if (length < 1 || (length & (length - 1)) !== 0) {
      fail(CodecError.QRP_BAD_TABLE_LENGTH, `QRP table length ${length} is not a power of 2`);
    }
    if (length > this.limits.maxQrpTableSlots) {
      fail(
        CodecError.QRP_TABLE_TOO_LARGE,
        `QRP table of ${length} slots, cap ${this.limits.maxQrpTableSlots}`,
      );
    }
    if (infinity < 1 || infinity > MAX_INFINITY)
      fail(CodecError.QRP_BAD_INFINITY, `QRP infinity ${infinity}`);
    this.slots = new Int8Array(length).fill(infinity);
    this.inf = infinity;
    this.bits = 31 - Math.clz32(length);
    this.seq = undefined;
    this.complete = false;
  }

  private patch(m: QrpPatch): void {
    if (this.slots === undefined) fail(CodecError.QRP_PATCH_BEFORE_RESET, 'QRP PATCH before any RESET');
    if (m.entryBits !== 1 && m.entryBits !== 2 && m.entryBits !== 4 && m.entryBits !== 8) {
      fail(CodecError.QRP_BAD_ENTRY_BITS, `QRP entry bits ${m.entryBits}`);
    }
    if (m.compressor !== QRP_COMPRESSOR_NONE && m.compressor !== QRP_COMPRESSOR_ZLIB) {
      fail(CodecError.QRP_BAD_COMPRESSOR, `QRP compressor ${m.compressor}`);
    }
    if (m.seqSize < 1 || m.seqNo < 1 || m.seqNo > m.seqSize) {
      fail(CodecError.QRP_BAD_SEQUENCE, `QRP PATCH ${m.seqNo}/${m.seqSize}`);
    }
    let seq = this.seq;
    if (seq === undefined) {
      if (m.seqNo !== 1) fail(CodecError.QRP_BAD_SEQUENCE, `QRP PATCH sequence starts at ${m.seqNo}`);
      seq = {
        size: m.seqSize,
        compressor: m.compressor,
        entryBits: m.entryBits,
        next: 1,
        parts: [],
        bytes: 0,
      };
      this.seq = seq;
    } else if (
      m.seqNo !== seq.next ||
      m.seqSize !== seq.size ||
      m.compressor !== seq.compressor ||
      m.entryBits !== seq.entryBits
    ) {
      fail(
        CodecError.QRP_BAD_SEQUENCE,
        `QRP PATCH ${m.seqNo}/${m.seqSize} where ${seq.next}/${seq.size} was due`,
      );
    }
    seq.bytes += m.data.length;
    if (seq.bytes > this.limits.maxQrpPatchBytes) {
      fail(CodecError.QRP_PATCH_TOO_LARGE, `QRP patch over ${this.limits.maxQrpPatchBytes} bytes`);
    }
    // keep a copy: the fragment is a view of a socket chunk
    seq.parts.push(Buffer.from(m.data));
    seq.next++;
    if (m.seqNo < seq.size) return;
    this.seq = undefined;
    this.applyPatch(Buffer.concat(seq.parts, seq.bytes), seq.compressor, seq.entryBits);
    this.complete = true;
  }

  private applyPatch(data: Buffer, compressor: number, entryBits: number): void {
    const slots = this.slots as Int8Array;
    const expected = Math.ceil((slots.length * entryBits) / 8);
    let patch = data;
    if (compressor === QRP_COMPRESSOR_ZLIB) {
      try {
        patch = inflateSync(data, { maxOutputLength: expected });
      } catch (e) {
        const tooLong = (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
        fail(
          CodecError.QRP_BAD_PATCH,
          tooLong ? 'QRP patch has more entries than slots' : 'QRP patch is not zlib',
        );
      }
    } else if (patch.length > expected) {
      fail(CodecError.QRP_BAD_PATCH, 'QRP patch has more entries than slots');
    }
    const inf = this.inf;
    const present = inf > 1 ? 1 : 0;
    const n = Math.min(slots.length, Math.floor((patch.length * 8) / entryBits));
    const perByte = 8 / entryBits;
    const mask = (1 << entryBits) - 1;
    const sign = 1 << (entryBits - 1);
    for (let i = 0; i < n; i++) {
      const byte = patch[(i / perByte) | 0] as number;
      const shift = 8 - entryBits * ((i % perByte) + 1);
      const raw = (byte >>> shift) & mask;
      if (entryBits === 1) {
        if (raw !== 0) slots[i] = (slots[i] as number) < inf ? inf : present;
        continue;
      }
      if (raw === 0) continue;
      const v = (raw ^ sign) - sign;
      const s = (slots[i] as number) + v;
      slots[i] = s < -128 ? -128 : s > 127 ? 127 : s;
    }
  }

  isPresent(slot: number): boolean {
    return this.slots !== undefined && (this.slots[slot] as number) < this.inf;
  }

  /** Whether a word (or URN string) hashes to a present slot. */
  containsWord(word: string): boolean {
    return this.slots !== undefined && this.isPresent(qrpHash(word, this.bits));
  }

  /**
   * Whether a query with these keywords may concern the table's owner. Until a complete
   * table arrived every query passes. Words shorter than 3 are ignored; fewer than 3 words
   * must all be present, otherwise at least two thirds (LimeWire/gtk rule). A URN that is
   * present passes on its own.
   */
  matches(queryWords: readonly string[], urns: readonly string[] = []): boolean {
    if (!this.complete) return true;
    for (const u of urns) if (this.containsWord(u)) return true;
    let n = 0;
    let hit = 0;
    for (const w of queryWords) {
      if (w.length < QRP_MIN_WORD) continue;
      n++;
      if (this.containsWord(w)) hit++;
    }
    if (n === 0) return false;
    return n < 3 ? hit === n : hit * 3 >= n * 2;
  }

  /** Number of present slots (fill ratio = present / length). */
  presentCount(): number {
    let c = 0;
    if (this.slots !== undefined) for (const v of this.slots) if (v < this.inf) c++;
    return c;
  }
}
