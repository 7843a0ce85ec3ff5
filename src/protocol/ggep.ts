/**
 * GGEP 0.5 blocks: magic 0xC3, then extensions until one has the "last" flag. Each
 * extension = flags(1) · ID(1–15) · data length(1–3 chunks) · data. The length counts the
 * bytes on the wire, after compression and COBS; decoding undoes COBS, then inflates
 * (a zlib stream, RFC 1950). Consecutive blocks are read as one area.
 *
 * Decoded blocks keep `raw` (the exact wire bytes) so re-encoding is byte-exact; blocks
 * built by us have no `raw` and are written from `extensions`.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { GgepBlock, GgepExtension } from './messages.js';
import {
  GGEP_FLAG_COBS,
  GGEP_FLAG_DEFLATE,
  GGEP_FLAG_LAST,
  GGEP_FLAG_RESERVED,
  GGEP_ID_LENGTH_MASK,
  GGEP_LEN_LAST,
  GGEP_LEN_MAX_CHUNKS,
  GGEP_LEN_MORE,
  GGEP_LEN_VALUE_MASK,
  GGEP_MAGIC,
  GGEP_MAX_DATA_LENGTH,
} from './constants.js';
import { cobsDecode, cobsEncode, cobsEncodedLength } from './cobs.js';
import { CodecError, dropError, encodeError } from './error-codes.js';
import type { CodecLimits } from './limits.js';
import { canonicalSha1Urn, sha1UrnOfH } from './urn.js';
import { WireWriter } from './writer.js';

/** What the GGEP reader needs from the descriptor being decoded. */
export interface GgepDecodeState {
  readonly limits: Pick<CodecLimits, 'maxGgepExtensions' | 'maxUrns'>;
  /** bytes compressed GGEP data of this descriptor may still inflate to (shared budget) */
  inflateLeft: number;
}

const ID_H = 0x48;
const ID_U = 0x75;

/**
 * A GGEP area read from a frame. The constructor validates everything — structure, caps,
 * COBS, inflation within the budget — without allocating per extension; `extensions` and
 * `raw` are materialised on first use (routing rarely looks inside a Pong's GGEP), and the
 * encoder copies the wire bytes straight from the frame. Read its fields; do not spread it.
 */
export class DecodedGgep implements GgepBlock {
  /** the frame and the area's wire bytes in it: buf[start..end) */
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** data of COBS/compressed extensions, decoded during validation, by extension index */
  private transformed: (Buffer | undefined)[] | undefined;
  private exts: GgepExtension[] | undefined;
  private rawView: Buffer | undefined;

  /**
   * Reads block after block from `start` (which must hold 0xC3) while the next byte is
   * 0xC3, never past `limit`. URNs found in `H` (SHA-1 or bitprint) and `u` extensions are
   * added to `urns` when given.
   */
  constructor(buf: Buffer, start: number, limit: number, st: GgepDecodeState, urns?: string[]) {
    this.buf = buf;
    this.start = start;
    this.end = this.scan(limit, st, urns, undefined);
  }

  get extensions(): readonly GgepExtension[] {
    if (this.exts === undefined) {
      const out: GgepExtension[] = [];
      this.scan(this.end, undefined, undefined, out);
      this.exts = out;
    }
    return this.exts;
  }

  get raw(): Buffer {
    return (this.rawView ??= this.buf.subarray(this.start, this.end));
  }

  toJSON(): { extensions: readonly GgepExtension[]; raw: Buffer } {
    return { extensions: this.extensions, raw: this.raw };
  }

  /**
   * One walk over the area. With `st` it validates (first pass); with `out` it collects the
   * extensions of an area already validated (then no error can occur).
   */
  private scan(
    end: number,
    st: GgepDecodeState | undefined,
    urns: string[] | undefined,
    out: GgepExtension[] | undefined,
  ): number {
    const buf = this.buf;
    let p = this.start;
    let index = 0;
    do {
      if (p >= end || buf[p] !== GGEP_MAGIC)
        throw dropError(CodecError.GGEP_BAD_MAGIC, 'GGEP block without 0xC3', p);
      p++;
      for (;;) {
        if (p >= end)
          throw dropError(CodecError.GGEP_TRUNCATED, 'GGEP block ends before its last extension', p);
        const flags = buf[p] as number;
        const idLen = flags & GGEP_ID_LENGTH_MASK;
        if ((flags & GGEP_FLAG_RESERVED) !== 0 || idLen === 0) {
          throw dropError(CodecError.GGEP_BAD_FLAGS, `bad GGEP flags 0x${flags.toString(16)}`, p);
        }
        p++;
        const idStart = p;
        if (end - p < idLen) throw dropError(CodecError.GGEP_TRUNCATED, 'GGEP ID runs past the data', p);
        for (; p < idStart + idLen; p++) {
          if (buf[p] === 0) throw dropError(CodecError.GGEP_BAD_ID, 'GGEP ID contains NUL', p);
        }
        // data length: 6-bit chunks, most significant first; 0b10xxxxxx = more, 0b01xxxxxx = last
        let len = 0;
        for (let chunk = 1; ; chunk++) {
          if (p >= end) throw dropError(CodecError.GGEP_TRUNCATED, 'GGEP length runs past the data', p);
          const b = buf[p++] as number;
          const kind = b & (GGEP_LEN_MORE | GGEP_LEN_LAST);
          if (kind === 0 || kind === (GGEP_LEN_MORE | GGEP_LEN_LAST)) {
            throw dropError(CodecError.GGEP_BAD_LENGTH, `bad GGEP length byte 0x${b.toString(16)}`, p - 1);
          }
          len = (len << 6) | (b & GGEP_LEN_VALUE_MASK);
          if (kind === GGEP_LEN_LAST) break;
          if (chunk === GGEP_LEN_MAX_CHUNKS) {
            throw dropError(CodecError.GGEP_BAD_LENGTH, 'GGEP length longer than 3 bytes', p - 1);
          }
        }
        if (end - p < len) throw dropError(CodecError.GGEP_TRUNCATED, 'GGEP data runs past the end', p);
        if (st !== undefined) {
          if (index >= st.limits.maxGgepExtensions) {
            throw dropError(
              CodecError.GGEP_TOO_MANY,
              `more than ${st.limits.maxGgepExtensions} GGEP extensions`,
              p,
            );
          }
          let data: Buffer | undefined;
          if ((flags & (GGEP_FLAG_COBS | GGEP_FLAG_DEFLATE)) !== 0) {
            data = (flags & GGEP_FLAG_COBS) !== 0 ? cobsDecode(buf, p, p + len) : buf.subarray(p, p + len);
            if ((flags & GGEP_FLAG_DEFLATE) !== 0) data = inflateBounded(data, st, p);
            (this.transformed ??= [])[index] = data;
          }
          if (urns !== undefined && idLen === 1) {
            const id = buf[idStart];
            if (id === ID_H) {
              addUrn(
                urns,
                data !== undefined ? sha1UrnOfH(data, 0, data.length) : sha1UrnOfH(buf, p, p + len),
                st,
                p,
              );
            } else if (id === ID_U) {
              // `u` holds a URN without its "urn:" prefix, e.g. "sha1:…"
              const text = data !== undefined ? data.toString('latin1') : buf.toString('latin1', p, p + len);
              addUrn(urns, canonicalSha1Urn('urn:' + text), st, p);
            }
          }
        } else if (out !== undefined) {
          out.push({
            id: buf.toString('latin1', idStart, idStart + idLen),
            data: this.transformed?.[index] ?? buf.subarray(p, p + len),
          });
        }
        index++;
        p += len;
        if ((flags & GGEP_FLAG_LAST) !== 0) break;
      }
    } while (p < end && buf[p] === GGEP_MAGIC);
    return p;
  }
}

/** Adds a URN to a decoded message's list, once, within the `maxUrns` cap. */
export function addUrn(urns: string[], urn: string | undefined, st: GgepDecodeState, offset: number): void {
  if (urn === undefined || urns.includes(urn)) return;
  if (urns.length >= st.limits.maxUrns) {
    throw dropError(CodecError.TOO_MANY_URNS, `more than ${st.limits.maxUrns} URNs`, offset);
  }
  urns.push(urn);
}

function inflateBounded(data: Buffer, budget: GgepDecodeState, offset: number): Buffer {
  const left = budget.inflateLeft;
  if (left <= 0) throw dropError(CodecError.GGEP_INFLATE_LIMIT, 'GGEP inflate budget exhausted', offset);
  let out: Buffer;
  try {
    out = inflateSync(data, { maxOutputLength: left });
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw dropError(CodecError.GGEP_INFLATE_LIMIT, `GGEP data inflates past ${left} bytes`, offset);
    }
    throw dropError(CodecError.GGEP_BAD_ZLIB, 'GGEP compressed data is not a zlib stream', offset);
  }
  budget.inflateLeft = left - out.length;
  return out;
}

/** The data of the first extension with this ID (IDs compare case-sensitively). */
export function ggepGet(block: GgepBlock | undefined, id: string): Buffer | undefined {
  if (block === undefined) return undefined;
  for (const e of block.extensions) if (e.id === id) return e.data;
  return undefined;
}

// ------------------------------------------------------------------------------- encoding

/** Bytes of the GGEP length field for a data length. 0…63 → 1, …4095 → 2, …262143 → 3. */
export function ggepLengthFieldSize(n: number): number {
  return n < 64 ? 1 : n < 4096 ? 2 : 3;
}

/** Writes a GGEP length field: 4096 → `81 80 40` (the zero middle chunk is kept). */
export function writeGgepLength(w: WireWriter, n: number): void {
  if (n < 0 || n > GGEP_MAX_DATA_LENGTH) throw encodeError(`GGEP data too long: ${n}`);
  if (n < 64) {
    w.u8(GGEP_LEN_LAST | n);
  } else if (n < 4096) {
    w.u8(GGEP_LEN_MORE | (n >>> 6));
    w.u8(GGEP_LEN_LAST | (n & GGEP_LEN_VALUE_MASK));
  } else {
    w.u8(GGEP_LEN_MORE | (n >>> 12));
    w.u8(GGEP_LEN_MORE | ((n >>> 6) & GGEP_LEN_VALUE_MASK));
    w.u8(GGEP_LEN_LAST | (n & GGEP_LEN_VALUE_MASK));
  }
}

function checkId(id: string): void {
  if (id.length < 1 || id.length > GGEP_ID_LENGTH_MASK) throw encodeError(`GGEP ID length 1–15: ${id}`);
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c === 0 || c > 0xff) throw encodeError(`GGEP ID must be non-NUL Latin-1: ${JSON.stringify(id)}`);
  }
}

/**
 * Wire size of a block. `cobs` = the block sits in a NUL-terminated place, so data that
 * contains 0x00 is COBS-encoded. Blocks with `raw` are written as they came.
 */
export function ggepLength(block: GgepBlock, cobs: boolean): number {
  if (block instanceof DecodedGgep) return block.end - block.start;
  if (block.raw !== undefined) return block.raw.length;
  if (block.extensions.length === 0) return 0;
  let n = 1;
  for (const e of block.extensions) {
    const d = cobs && e.data.includes(0) ? cobsEncodedLength(e.data) : e.data.length;
    n += 1 + e.id.length + ggepLengthFieldSize(d) + d;
  }
  return n;
}

export function writeGgep(w: WireWriter, block: GgepBlock, cobs: boolean): void {
  if (block instanceof DecodedGgep) {
    w.copy(block.buf, block.start, block.end);
    return;
  }
  if (block.raw !== undefined) {
    w.bytes(block.raw);
    return;
  }
  const exts = block.extensions;
  if (exts.length === 0) return;
  w.u8(GGEP_MAGIC);
  for (let i = 0; i < exts.length; i++) {
    const e = exts[i] as GgepExtension;
    checkId(e.id);
    const stuff = cobs && e.data.includes(0);
    const data = stuff ? cobsEncode(e.data) : e.data;
    w.u8((i === exts.length - 1 ? GGEP_FLAG_LAST : 0) | (stuff ? GGEP_FLAG_COBS : 0) | e.id.length);
    w.latin1(e.id);
    writeGgepLength(w, data.length);
    w.bytes(data);
  }
}

/** An extension to build; `compress` deflates the data when that makes it shorter. */
export interface GgepExtensionInput {
  readonly id: string;
  readonly data: Uint8Array;
  readonly compress?: boolean;
}

/**
 * Builds a block with its wire bytes in `raw`: compress (zlib, only if it shrinks) → COBS
 * (only when `cobs` and the data contains 0x00) → length. The returned `extensions` hold
 * the uncompressed data, as a decoder would see them.
 */
export function buildGgep(
  extensions: readonly GgepExtensionInput[],
  opts: { cobs?: boolean } = {},
): GgepBlock {
  const cobs = opts.cobs === true;
  const w = new WireWriter(64);
  const out: GgepExtension[] = [];
  if (extensions.length === 0) throw encodeError('a GGEP block needs at least one extension');
  w.u8(GGEP_MAGIC);
  extensions.forEach((e, i) => {
    checkId(e.id);
    const plain = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    let data: Buffer = plain;
    let flags = e.id.length | (i === extensions.length - 1 ? GGEP_FLAG_LAST : 0);
    if (e.compress === true && plain.length > 0) {
      const z = deflateSync(plain);
      if (z.length < plain.length) {
        data = z;
        flags |= GGEP_FLAG_DEFLATE;
      }
    }
    if (cobs && data.includes(0)) {
      data = cobsEncode(data);
      flags |= GGEP_FLAG_COBS;
    }
    w.u8(flags);
    w.latin1(e.id);
    writeGgepLength(w, data.length);
    w.bytes(data);
    out.push({ id: e.id, data: plain });
  });
  return { extensions: out, raw: Buffer.from(w.finish()) };
}
