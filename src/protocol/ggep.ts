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
import type { WireReader } from './reader.js';
import { WireWriter } from './writer.js';

/** Remaining bytes compressed GGEP data may still inflate to, shared by one descriptor. */
export interface InflateBudget {
  inflateLeft: number;
}

/**
 * Reads the GGEP area starting at `r.pos` (which must hold 0xC3) up to `r.end`, block after
 * block while the next byte is 0xC3. Leaves `r.pos` after the last block.
 */
export function readGgep(r: WireReader, maxExtensions: number, budget: InflateBudget): GgepBlock {
  const buf = r.buf;
  const end = r.end;
  const start = r.pos;
  let p = start;
  const extensions: GgepExtension[] = [];
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
      if (end - p < idLen) throw dropError(CodecError.GGEP_TRUNCATED, 'GGEP ID runs past the data', p);
      for (let i = p; i < p + idLen; i++) {
        if (buf[i] === 0) throw dropError(CodecError.GGEP_BAD_ID, 'GGEP ID contains NUL', i);
      }
      const id = buf.toString('latin1', p, p + idLen);
      p += idLen;
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
      if (end - p < len) throw dropError(CodecError.GGEP_TRUNCATED, `GGEP ${id} data runs past the end`, p);
      if (extensions.length >= maxExtensions) {
        throw dropError(CodecError.GGEP_TOO_MANY, `more than ${maxExtensions} GGEP extensions`, p);
      }
      let data: Buffer =
        (flags & GGEP_FLAG_COBS) !== 0 ? cobsDecode(buf, p, p + len) : buf.subarray(p, p + len);
      if ((flags & GGEP_FLAG_DEFLATE) !== 0) data = inflateBounded(data, budget, p);
      extensions.push({ id, data });
      p += len;
      if ((flags & GGEP_FLAG_LAST) !== 0) break;
    }
  } while (p < end && buf[p] === GGEP_MAGIC);
  r.pos = p;
  return { extensions, raw: buf.subarray(start, p) };
}

function inflateBounded(data: Buffer, budget: InflateBudget, offset: number): Buffer {
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
