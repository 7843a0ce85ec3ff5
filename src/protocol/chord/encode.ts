/**
 * Chord message → datagram. `chordMessageSize` gives the exact encoded length without
 * encoding (the simulator charges it per message; the router packs replies with it).
 * The encoder refuses what the decoder would refuse (over-cap counts, bad addresses,
 * out-of-range identifiers): those are caller bugs, reported as E_CHORD_ENCODE.
 */
import { assertNever } from '../../core/errors.js';
import { ChordCodecError, chordError } from './errors.js';
import {
  ChordLimits,
  ChordType,
  HEADER_SIZE,
  ID_SIZE,
  MAGIC_0,
  MAGIC_1,
  MAX_ID_BITS,
  OFF_DST_VN,
  OFF_ID_BITS,
  OFF_FLAGS,
  FLAG_BG,
  OFF_RID,
  OFF_SRC_ID,
  OFF_SRC_VN,
  OFF_TYPE,
  OFF_VERSION,
  REF_SIZE,
  SERVENT_ID_SIZE,
  URN_SIZE,
  VERSION,
} from './constants.js';
import { sha1UrnBytes } from './base32.js';
import type { ChordMessage, ChordPointer, NodeRef } from './messages.js';

export interface ChordCodecOptions {
  /** identifier width m (1 … 160) shared by every node of the ring */
  readonly idBits: number;
  /** datagram cap (default ChordLimits.MAX_MESSAGE) */
  readonly maxMessage?: number;
}

/** ttl(4) index(4) size(8) flags(1) ip(4) port(2) serventId(16) nameLen(1) */
const POINTER_FIXED = 40;

/** encoded size of one pointer (without its key) */
export function pointerWireSize(p: ChordPointer): number {
  return POINTER_FIXED + (p.urn !== undefined ? URN_SIZE : 0) + Buffer.byteLength(p.name, 'utf8');
}

/** encoded size of one STORE item (key + pointer) */
export function itemWireSize(p: ChordPointer): number {
  return ID_SIZE + pointerWireSize(p);
}

export function chordMessageSize(m: ChordMessage): number {
  switch (m.type) {
    case 'find':
      return HEADER_SIZE + ID_SIZE + 1 + ID_SIZE * m.exclude.length;
    case 'found':
      return HEADER_SIZE + 4 + REF_SIZE * m.refs.length;
    case 'rfind':
      return HEADER_SIZE + ID_SIZE + 7 + 4 + 2;
    case 'rfind-ack':
    case 'get-neighbours':
    case 'notify':
    case 'ping':
    case 'pong':
      return HEADER_SIZE;
    case 'neighbours':
    case 'leave':
      return HEADER_SIZE + 2 + REF_SIZE * ((m.pred !== undefined ? 1 : 0) + m.succs.length);
    case 'hint':
      return HEADER_SIZE + REF_SIZE;
    case 'store': {
      let n = HEADER_SIZE + 2;
      for (const it of m.items) n += itemWireSize(it.pointer);
      return n;
    }
    case 'store-ack':
      return HEADER_SIZE + 1;
    case 'fetch': {
      let n = HEADER_SIZE + ID_SIZE + 2 + 1 + (m.urn !== undefined ? URN_SIZE : 0) + 1;
      for (const w of m.words) n += 1 + Buffer.byteLength(w, 'utf8');
      return n;
    }
    case 'fetch-res': {
      let n = HEADER_SIZE + 4;
      for (const p of m.pointers) n += pointerWireSize(p);
      return n;
    }
    default:
      return assertNever(m, 'chord message');
  }
}

const TYPE_CODE: Record<ChordMessage['type'], number> = {
  find: ChordType.FIND,
  found: ChordType.FOUND,
  rfind: ChordType.RFIND,
  'rfind-ack': ChordType.RFIND_ACK,
  'get-neighbours': ChordType.GET_NEIGHBOURS,
  neighbours: ChordType.NEIGHBOURS,
  notify: ChordType.NOTIFY,
  ping: ChordType.PING,
  pong: ChordType.PONG,
  leave: ChordType.LEAVE,
  hint: ChordType.HINT,
  store: ChordType.STORE,
  'store-ack': ChordType.STORE_ACK,
  fetch: ChordType.FETCH,
  'fetch-res': ChordType.FETCH_RES,
};

const HEX_RE = /^[0-9a-f]+$/;
const ADDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;

function bad(msg: string): never {
  throw chordError(ChordCodecError.ENCODE, msg);
}

class Writer {
  readonly buf: Buffer;
  pos = 0;
  private readonly idHex: number;
  private readonly idBits: number;

  constructor(size: number, idBits: number) {
    this.buf = Buffer.alloc(size);
    this.idBits = idBits;
    this.idHex = Math.ceil(idBits / 4);
  }

  u8(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) bad(`${what}: u8 out of range: ${v}`);
    this.buf[this.pos++] = v;
  }

  u16(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) bad(`${what}: u16 out of range: ${v}`);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) bad(`${what}: u32 out of range: ${v}`);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  u53(v: number, what: string): void {
    if (!Number.isSafeInteger(v) || v < 0) bad(`${what}: not a size: ${v}`);
    this.buf.writeUInt32BE(Math.floor(v / 0x100000000), this.pos);
    this.buf.writeUInt32BE(v % 0x100000000, this.pos + 4);
    this.pos += 8;
  }

  id(hex: string, what: string): void {
    if (hex.length !== this.idHex || !HEX_RE.test(hex)) bad(`${what}: not a ${this.idBits}-bit id: ${hex}`);
    const top = this.idBits % 4;
    if (top !== 0 && parseInt(hex[0] as string, 16) >>> top !== 0) bad(`${what}: above 2^${this.idBits}`);
    // right-aligned in 20 bytes: the value is big-endian, the high bytes stay 0
    this.buf.write(
      hex.length % 2 === 0 ? hex : `0${hex}`,
      this.pos + ID_SIZE - Math.ceil(hex.length / 2),
      'hex',
    );
    this.pos += ID_SIZE;
  }

  addr(addr: string, what: string): void {
    const m = ADDR_RE.exec(addr);
    if (m === null) bad(`${what}: not ip:port: ${addr}`);
    const parts = [m[1], m[2], m[3], m[4]].map(Number);
    const port = Number(m[5]);
    if (
      parts.some((p) => p > 255) ||
      parts[0] === 0 ||
      (parts[0] as number) >= 224 ||
      port < 1 ||
      port > 65535
    ) {
      bad(`${what}: not a unicast address: ${addr}`);
    }
    for (const p of parts) this.buf[this.pos++] = p as number;
    this.buf.writeUInt16BE(port, this.pos);
    this.pos += 2;
  }

  ref(r: NodeRef, what: string): void {
    this.id(r.id, what);
    this.addr(r.addr, what);
    this.u8(r.vn, `${what}.vn`);
  }

  refs(list: readonly NodeRef[], what: string): void {
    if (list.length > ChordLimits.MAX_REFS) bad(`${what}: ${list.length} refs > ${ChordLimits.MAX_REFS}`);
    this.u8(list.length, what);
    for (const r of list) this.ref(r, what);
  }

  text(s: string, max: number, what: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (n === 0 || n > max) bad(`${what}: ${n} bytes`);
    this.buf[this.pos++] = n;
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  urn(urn: string, what: string): void {
    const b = sha1UrnBytes(urn);
    if (b === undefined) bad(`${what}: not a urn:sha1: ${urn}`);
    this.buf.set(b, this.pos);
    this.pos += URN_SIZE;
  }

  pointer(p: ChordPointer): void {
    if (p.ttlMs > ChordLimits.MAX_TTL_MS) bad(`pointer ttl ${p.ttlMs}`);
    this.u32(p.ttlMs, 'ttl');
    this.u32(p.index, 'index');
    this.u53(p.size, 'size');
    this.u8(p.urn !== undefined ? 1 : 0, 'flags');
    if (p.urn !== undefined) this.urn(p.urn, 'urn');
    this.addr(`${p.ip}:${p.port}`, 'holder');
    if (p.serventId.length !== 2 * SERVENT_ID_SIZE || !HEX_RE.test(p.serventId)) bad('servent id');
    this.buf.write(p.serventId, this.pos, SERVENT_ID_SIZE, 'hex');
    this.pos += SERVENT_ID_SIZE;
    this.text(p.name, ChordLimits.MAX_NAME_BYTES, 'name');
  }
}

export function encodeChordMessage(m: ChordMessage, opts: ChordCodecOptions): Buffer {
  const idBits = opts.idBits;
  if (!Number.isInteger(idBits) || idBits < 1 || idBits > MAX_ID_BITS) bad(`idBits ${idBits}`);
  const size = chordMessageSize(m);
  const max = opts.maxMessage ?? ChordLimits.MAX_MESSAGE;
  if (size > max) bad(`${m.type}: ${size} bytes > ${max}`);
  const w = new Writer(size, idBits);
  const b = w.buf;
  b[0] = MAGIC_0;
  b[1] = MAGIC_1;
  b[OFF_VERSION] = VERSION;
  b[OFF_TYPE] = TYPE_CODE[m.type];
  b[OFF_ID_BITS] = idBits;
  w.pos = OFF_SRC_VN;
  w.u8(m.srcVn, 'srcVn');
  w.pos = OFF_DST_VN;
  w.u8(m.dstVn, 'dstVn');
  b[OFF_FLAGS] = 'bg' in m && m.bg ? FLAG_BG : 0;
  w.pos = OFF_RID;
  w.u32(m.rid, 'rid');
  w.pos = OFF_SRC_ID;
  w.id(m.srcId, 'srcId');
  switch (m.type) {
    case 'find':
      if (m.exclude.length > ChordLimits.MAX_EXCLUDE) bad(`find: ${m.exclude.length} excluded`);
      w.id(m.key, 'key');
      w.u8(m.exclude.length, 'excludeCount');
      for (const x of m.exclude) w.id(x, 'exclude');
      break;
    case 'found':
      w.u8(m.done ? 1 : 0, 'done');
      w.u8(m.hops, 'hops');
      w.u8(m.timeouts, 'timeouts');
      w.refs(m.refs, 'refs');
      break;
    case 'rfind':
      w.id(m.key, 'key');
      w.addr(m.origin.addr, 'origin');
      w.u8(m.origin.vn, 'origin.vn');
      w.u32(m.originRid, 'originRid');
      w.u8(m.hops, 'hops');
      w.u8(m.timeouts, 'timeouts');
      break;
    case 'rfind-ack':
    case 'get-neighbours':
    case 'notify':
    case 'ping':
    case 'pong':
      break;
    case 'neighbours':
    case 'leave':
      w.u8(m.pred !== undefined ? 1 : 0, 'hasPred');
      if (m.pred !== undefined) w.ref(m.pred, 'pred');
      w.refs(m.succs, 'succs');
      break;
    case 'hint':
      w.ref(m.node, 'node');
      break;
    case 'store':
      if (m.items.length > ChordLimits.MAX_POINTERS) bad(`store: ${m.items.length} items`);
      w.u8(m.replicate ? 1 : 0, 'replicate');
      w.u8(m.items.length, 'count');
      for (const it of m.items) {
        w.id(it.key, 'item.key');
        w.pointer(it.pointer);
      }
      break;
    case 'store-ack':
      w.u8(m.accepted, 'accepted');
      break;
    case 'fetch':
      if (m.words.length > ChordLimits.MAX_WORDS) bad(`fetch: ${m.words.length} words`);
      w.id(m.key, 'key');
      w.u16(m.offset, 'offset');
      w.u8(m.urn !== undefined ? 1 : 0, 'hasUrn');
      if (m.urn !== undefined) w.urn(m.urn, 'urn');
      w.u8(m.words.length, 'wordCount');
      for (const word of m.words) w.text(word, ChordLimits.MAX_WORD_BYTES, 'word');
      break;
    case 'fetch-res':
      if (m.pointers.length > ChordLimits.MAX_POINTERS) bad(`fetch-res: ${m.pointers.length} pointers`);
      w.u8(m.next !== undefined ? 1 : 0, 'hasNext');
      w.u16(m.next ?? 0, 'next');
      w.u8(m.pointers.length, 'count');
      for (const p of m.pointers) w.pointer(p);
      break;
    default:
      assertNever(m, 'chord message');
  }
  if (w.pos !== size) bad(`${m.type}: wrote ${w.pos} of ${size} bytes`);
  return b;
}
