/**
 * QueryHit (0x81): count(1) · port(LE u16) · IPv4(BE) · speed(LE u32) · count × result ·
 * optional EQHD trailer · servent ID(16, the last 16 bytes). Results have no length prefix
 * and are walked `count` times; nothing is ever read past L−16, and everything between the
 * last result and L−16 is the trailer:
 *   vendor(4) · open-data size s(1) · open data(s; flags when s ≥ 2) · private area.
 * The private area (vendor data and/or GGEP) is kept whole in `privateArea`.
 */
import type { GgepBlock, QueryHit, QueryHitResult } from './messages.js';
import {
  EQHD_VENDOR_SIZE,
  GGEP_MAGIC,
  GUID_SIZE,
  NUL,
  QUERYHIT_FIXED_SIZE,
  RESULT_FIXED_SIZE,
} from './constants.js';
import { decodeText, isUtf8Range, rawMatches } from './context.js';
import type { DecodeContext } from './context.js';
import { decodeEqhdFlags, encodeEqhdFlags } from './eqhd.js';
import { CodecError, dropError, encodeError } from './error-codes.js';
import { extensionAreaLength, readExtensionArea, writeExtensionArea } from './extension-area.js';
import { DecodedGgep, ggepLength, writeGgep } from './ggep.js';
import type { Mutable } from './mutable.js';
import type { WireWriter } from './writer.js';

function readResult(
  buf: Buffer,
  p: number,
  limit: number,
  ctx: DecodeContext,
  out: QueryHitResult[],
): number {
  if (limit - p < RESULT_FIXED_SIZE + 2) {
    throw dropError(CodecError.QUERYHIT_BAD_RESULT, 'result does not fit before the servent ID', p);
  }
  const index = buf.readUInt32LE(p);
  const size = buf.readUInt32LE(p + 4);
  const nameStart = p + RESULT_FIXED_SIZE;
  const nameEnd = buf.indexOf(NUL, nameStart);
  if (nameEnd < 0 || nameEnd >= limit) {
    throw dropError(
      CodecError.QUERYHIT_BAD_RESULT,
      'result name without NUL before the servent ID',
      nameStart,
    );
  }
  if (nameEnd - nameStart > ctx.limits.maxNameBytes) {
    throw dropError(
      CodecError.NAME_TOO_LONG,
      `file name longer than ${ctx.limits.maxNameBytes} bytes`,
      nameStart,
    );
  }
  const extStart = nameEnd + 1;
  const extEnd = buf.indexOf(NUL, extStart);
  if (extEnd < 0 || extEnd >= limit) {
    throw dropError(CodecError.QUERYHIT_BAD_RESULT, 'result extension data without NUL', extStart);
  }
  const utf8 = isUtf8Range(buf, nameStart, nameEnd);
  const urns: string[] = [];
  const res: Mutable<QueryHitResult> = { index, size, name: decodeText(buf, nameStart, nameEnd, utf8), urns };
  if (!utf8) res.rawName = buf.subarray(nameStart, nameEnd);
  if (extEnd > extStart) {
    res.extensions = buf.subarray(extStart, extEnd);
    const ggep = readExtensionArea(buf, extStart, extEnd, ctx, urns);
    if (ggep !== undefined) res.ggep = ggep;
  }
  out.push(res);
  return extEnd + 1;
}

/**
 * The private area's GGEP block. When the area starts with 0xC3 it must parse; when the
 * peer only flagged GGEP, the first 0xC3 is tried and vendor bytes that merely contain
 * 0xC3 are tolerated — but caps (too many extensions, inflate budget) always apply.
 */
function privateGgep(
  buf: Buffer,
  start: number,
  end: number,
  flagged: boolean,
  ctx: DecodeContext,
): GgepBlock | undefined {
  if (start >= end) return undefined;
  if (buf[start] === GGEP_MAGIC) return new DecodedGgep(buf, start, end, ctx);
  if (!flagged) return undefined;
  const at = buf.indexOf(GGEP_MAGIC, start);
  if (at < 0 || at >= end) return undefined;
  try {
    return new DecodedGgep(buf, at, end, ctx);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === CodecError.GGEP_TOO_MANY || code === CodecError.GGEP_INFLATE_LIMIT) throw e;
    return undefined;
  }
}

export function decodeQueryHit(r: DecodeContext): QueryHit {
  const count = r.u8('queryhit count');
  const port = r.u16le('queryhit port');
  const ip = r.ipv4('queryhit ip');
  const speed = r.u32le('queryhit speed');
  const buf = r.buf;
  const limit = r.end - GUID_SIZE;
  if (limit < r.pos) throw dropError(CodecError.TRUNCATED, 'queryhit without servent ID', r.pos);
  if (count > r.limits.maxResults) {
    throw dropError(CodecError.TOO_MANY_RESULTS, `${count} results, cap ${r.limits.maxResults}`, r.pos - 11);
  }
  const results: QueryHitResult[] = [];
  let p = r.pos;
  for (let i = 0; i < count; i++) p = readResult(buf, p, limit, r, results);
  const m: Mutable<QueryHit> = {
    type: 'queryhit',
    guid: r.guid,
    ttl: r.ttl,
    hops: r.hops,
    port,
    ip,
    speed,
    results,
    vendor: null,
    serventId: buf.subarray(limit, r.end),
  };
  const trailer = limit - p;
  if (trailer >= EQHD_VENDOR_SIZE + 1) {
    m.vendor = buf.toString('latin1', p, p + EQHD_VENDOR_SIZE);
    const s = buf[p + EQHD_VENDOR_SIZE] as number;
    const openStart = p + EQHD_VENDOR_SIZE + 1;
    if (openStart + s > limit) {
      throw dropError(
        CodecError.QUERYHIT_BAD_TRAILER,
        `open data of ${s} bytes overruns the trailer`,
        openStart,
      );
    }
    if (s > 0) m.openData = buf.subarray(openStart, openStart + s);
    if (s >= 2) m.flags = decodeEqhdFlags(buf[openStart] as number, buf[openStart + 1] as number);
    const privStart = openStart + s;
    if (privStart < limit) {
      m.privateArea = buf.subarray(privStart, limit);
      const ggep = privateGgep(buf, privStart, limit, m.flags?.ggep === true, r);
      if (ggep !== undefined) m.ggep = ggep;
    }
  } else if (trailer > 0) {
    // 1–4 stray bytes: not a trailer; kept so that re-encoding is exact
    m.privateArea = buf.subarray(p, limit);
  }
  r.pos = r.end;
  return m;
}

// ------------------------------------------------------------------------------- encoding

function nameBytes(res: QueryHitResult): Buffer | undefined {
  return rawMatches(res.rawName, res.name) ? res.rawName : undefined;
}

function resultLength(res: QueryHitResult): number {
  const raw = nameBytes(res);
  const name = raw !== undefined ? raw.length : Buffer.byteLength(res.name, 'utf8');
  const ext = res.extensions !== undefined ? res.extensions.length : extensionAreaLength(res.urns, res.ggep);
  return RESULT_FIXED_SIZE + name + 1 + ext + 1;
}

function trailerLength(m: QueryHit): number {
  const priv =
    m.privateArea !== undefined ? m.privateArea.length : m.ggep !== undefined ? ggepLength(m.ggep, false) : 0;
  if (m.vendor === null) return priv;
  const open = m.openData !== undefined ? m.openData.length : m.flags !== undefined ? 2 : 0;
  return EQHD_VENDOR_SIZE + 1 + open + priv;
}

export function queryHitPayloadLength(m: QueryHit): number {
  let n = QUERYHIT_FIXED_SIZE + trailerLength(m) + GUID_SIZE;
  for (let i = 0; i < m.results.length; i++) n += resultLength(m.results[i] as QueryHitResult);
  return n;
}

function writeResult(w: WireWriter, res: QueryHitResult): void {
  w.u32le(res.index);
  w.u32le(res.size);
  const raw = nameBytes(res);
  if (raw !== undefined) w.bytes(raw);
  else {
    if (res.name.includes('\0')) throw encodeError('result name contains NUL');
    w.utf8(res.name);
  }
  w.u8(NUL);
  if (res.extensions !== undefined) {
    if (res.extensions.includes(NUL)) throw encodeError('result extension data contains NUL');
    w.bytes(res.extensions);
  } else {
    const start = w.pos;
    writeExtensionArea(w, res.urns, res.ggep);
    // a decoded GGEP block is written back as it came; one from outside a result may hold 0x00
    if (w.buf.subarray(start, w.pos).includes(NUL)) throw encodeError('result extension data contains NUL');
  }
  w.u8(NUL);
}

/** A vendor code is 4 characters of one byte each. */
export function checkVendorCode(v: string): void {
  let ok = v.length === EQHD_VENDOR_SIZE;
  for (let i = 0; ok && i < v.length; i++) ok = v.charCodeAt(i) <= 0xff;
  if (!ok) throw encodeError(`vendor code must be 4 Latin-1 characters: ${JSON.stringify(v)}`);
}

export function writeQueryHit(w: WireWriter, m: QueryHit): void {
  const n = m.results.length;
  if (n > 255) throw encodeError(`a QueryHit carries at most 255 results, got ${n}`);
  if (m.serventId.length !== GUID_SIZE) throw encodeError('servent ID must be 16 bytes');
  w.u8(n);
  w.u16le(m.port);
  w.ipv4(m.ip);
  w.u32le(m.speed);
  for (let i = 0; i < n; i++) writeResult(w, m.results[i] as QueryHitResult);
  if (m.vendor !== null) {
    checkVendorCode(m.vendor);
    w.latin1(m.vendor);
    if (m.openData !== undefined) {
      if (m.openData.length > 255) throw encodeError('EQHD open data longer than 255 bytes');
      w.u8(m.openData.length);
      w.bytes(m.openData);
    } else if (m.flags !== undefined) {
      const [enabler, setter] = encodeEqhdFlags(m.flags);
      w.u8(2);
      w.u8(enabler);
      w.u8(setter);
    } else {
      w.u8(0);
    }
  }
  if (m.privateArea !== undefined) w.bytes(m.privateArea);
  else if (m.ggep !== undefined) {
    // without a vendor code the receiver would read the GGEP bytes as one
    if (m.vendor === null) throw encodeError('a QueryHit GGEP block needs an EQHD trailer (vendor)');
    writeGgep(w, m.ggep, false);
  }
  w.bytes(m.serventId);
}
