/**
 * Query (0x80): min-speed/flags word(2, kept raw as read LE; see query-flags.ts) · search
 * criteria · NUL · optional extension area (HUGE URNs, XML, GGEP last; see
 * extension-area.ts). The extension area is kept whole in `extensions`; when present the
 * encoder writes it back as is, otherwise it builds one from `urns` and `ggep`.
 */
import type { Query } from './messages.js';
import { NUL, QUERY_FIXED_SIZE } from './constants.js';
import { decodeText, isUtf8Range, rawMatches } from './context.js';
import type { DecodeContext } from './context.js';
import { CodecError, dropError, encodeError } from './error-codes.js';
import { extensionAreaLength, readExtensionArea, writeExtensionArea } from './extension-area.js';
import type { Mutable } from './mutable.js';
import type { WireWriter } from './writer.js';

export function decodeQuery(r: DecodeContext): Query {
  const minSpeed = r.u16le('query flags');
  const buf = r.buf;
  const start = r.pos;
  const nul = r.indexOf(NUL);
  if (nul < 0) throw dropError(CodecError.QUERY_NO_NUL, 'query search string without NUL', start);
  if (nul - start > r.limits.maxSearchBytes) {
    throw dropError(CodecError.SEARCH_TOO_LONG, `search longer than ${r.limits.maxSearchBytes} bytes`, start);
  }
  const utf8 = isUtf8Range(buf, start, nul);
  const urns: string[] = [];
  const m: Mutable<Query> = {
    type: 'query',
    guid: r.guid,
    ttl: r.ttl,
    hops: r.hops,
    minSpeed,
    search: decodeText(buf, start, nul, utf8),
    urns,
  };
  if (!utf8) m.rawSearch = buf.subarray(start, nul);
  const extStart = nul + 1;
  if (extStart < r.end) {
    m.extensions = buf.subarray(extStart, r.end);
    const ggep = readExtensionArea(buf, extStart, r.end, r, urns);
    if (ggep !== undefined) m.ggep = ggep;
  }
  r.pos = r.end;
  return m;
}

function searchBytes(m: Query): Buffer | undefined {
  return rawMatches(m.rawSearch, m.search) ? m.rawSearch : undefined;
}

export function queryPayloadLength(m: Query): number {
  const raw = searchBytes(m);
  const search = raw !== undefined ? raw.length : Buffer.byteLength(m.search, 'utf8');
  const ext = m.extensions !== undefined ? m.extensions.length : extensionAreaLength(m.urns, m.ggep);
  return QUERY_FIXED_SIZE + search + 1 + ext;
}

export function writeQuery(w: WireWriter, m: Query): void {
  w.u16le(m.minSpeed);
  const raw = searchBytes(m);
  if (raw !== undefined) w.bytes(raw);
  else {
    if (m.search.includes('\0')) throw encodeError('query search string contains NUL');
    w.utf8(m.search);
  }
  w.u8(NUL);
  if (m.extensions !== undefined) w.bytes(m.extensions);
  else writeExtensionArea(w, m.urns, m.ggep);
}
