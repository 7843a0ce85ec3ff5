/**
 * Kelips message → datagram. `kelipsMessageSize` gives the exact encoded length without
 * encoding (the simulator charges it per message; the router packs gossip and replies with
 * it). The encoder refuses what the decoder would refuse (over-cap counts, bad addresses,
 * non-keywords, over-long names): those are caller bugs, reported as E_KELIPS_ENCODE.
 */
import { assertNever } from '../../core/errors.js';
import { parseSha1Urn } from '../urn.js';
import { isUsableAddr, parseAddr } from './address.js';
import {
  ADDR_SIZE,
  GOSSIP_FIXED,
  HEADER_SIZE,
  KelipsLimits,
  KelipsType,
  LOOKUP_FIXED,
  LOOKUP_HAS_URN,
  LOOKUP_KEY_IS_URN,
  LOOKUP_REPLY_FIXED,
  MAGIC_0,
  MAGIC_1,
  MEMBER_SIZE,
  OFF_GROUPS,
  OFF_HB,
  OFF_RID,
  OFF_TYPE,
  OFF_VERSION,
  SERVENT_ID_SIZE,
  SNAPSHOT_FIXED,
  SNAPSHOT_LAST,
  STORE_FIXED,
  TUPLE_FIXED,
  TUPLE_HAS_URN,
  TUPLE_KEY_IS_URN,
  URN_SIZE,
  VERSION,
} from './constants.js';
import { KelipsCodecError, kelipsError } from './errors.js';
import type { KelipsMessage, KelipsTuple, MemberEntry } from './messages.js';
import { isCanonicalWord } from './reader.js';

export interface KelipsCodecOptions {
  /** datagram cap (default KelipsLimits.MAX_MESSAGE) */
  readonly maxMessage?: number;
}

const HEX_RE = /^[0-9a-f]{32}$/;

function byteLength(s: string): number {
  // ASCII fast path: most names and every simulated one
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** encoded size of one tuple */
export function tupleWireSize(t: KelipsTuple): number {
  const hasUrn = t.urn !== undefined;
  const keyIsUrn = hasUrn && t.key === t.urn;
  return TUPLE_FIXED + (keyIsUrn ? 0 : 1 + byteLength(t.key)) + (hasUrn ? URN_SIZE : 0) + byteLength(t.name);
}

function tuplesSize(ts: readonly KelipsTuple[]): number {
  let n = 0;
  for (const t of ts) n += tupleWireSize(t);
  return n;
}

export function kelipsMessageSize(m: KelipsMessage): number {
  switch (m.type) {
    case 'gossip':
      return HEADER_SIZE + GOSSIP_FIXED + MEMBER_SIZE * m.members.length + tuplesSize(m.tuples);
    case 'join':
      return HEADER_SIZE + 1;
    case 'snapshot':
      return HEADER_SIZE + SNAPSHOT_FIXED + MEMBER_SIZE * m.members.length + tuplesSize(m.tuples);
    case 'lookup': {
      const keyIsUrn = m.urn !== undefined && m.key === m.urn;
      let n = HEADER_SIZE + LOOKUP_FIXED + (keyIsUrn ? 0 : 1 + byteLength(m.key));
      n += (m.urn !== undefined ? URN_SIZE : 0) + 1;
      for (const w of m.words) n += 1 + byteLength(w);
      return n;
    }
    case 'lookup-reply':
      return HEADER_SIZE + LOOKUP_REPLY_FIXED + tuplesSize(m.tuples);
    case 'store':
      return HEADER_SIZE + STORE_FIXED + tuplesSize(m.tuples);
    case 'store-ack':
      return HEADER_SIZE + 1;
    case 'ping':
    case 'pong':
      return HEADER_SIZE;
    default:
      return assertNever(m, 'kelips message');
  }
}

const encodeError = (msg: string): Error => kelipsError(KelipsCodecError.ENCODE, msg);

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  u8(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw encodeError(`${what}: ${v} is not a u8`);
    this.buf[this.pos++] = v;
  }

  u16(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw encodeError(`${what}: ${v} is not a u16`);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw encodeError(`${what}: ${v} is not a u32`);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  addr(s: string, what: string): void {
    const a = parseAddr(s);
    if (a === undefined || !isUsableAddr(a.ip, a.port)) throw encodeError(`${what}: bad address "${s}"`);
    this.buf.writeUInt32BE(a.ip, this.pos);
    this.buf.writeUInt16BE(a.port, this.pos + 4);
    this.pos += ADDR_SIZE;
  }

  text(s: string, what: string, min: number, max: number): void {
    const n = byteLength(s);
    if (n < min || n > max) throw encodeError(`${what}: ${n} bytes (${min} … ${max})`);
    if (s.includes('\0')) throw encodeError(`${what}: contains NUL`);
    this.u8(n, what);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  word(w: string, what: string): void {
    if (!isCanonicalWord(w)) throw encodeError(`${what}: "${w}" is not a keyword`);
    this.text(w, what, 1, KelipsLimits.MAX_WORD_BYTES);
  }

  urn(s: string, what: string): void {
    const d = parseSha1Urn(s);
    if (d === undefined) throw encodeError(`${what}: bad urn "${s}"`);
    d.copy(this.buf, this.pos);
    this.pos += URN_SIZE;
  }

  members(ms: readonly MemberEntry[], what: string): void {
    for (const m of ms) {
      this.addr(m.addr, what);
      this.u32(m.hb, what);
      this.u16(m.ageS, what);
    }
  }

  tuple(t: KelipsTuple): void {
    const hasUrn = t.urn !== undefined;
    const keyIsUrn = hasUrn && t.key === t.urn;
    this.u8((hasUrn ? TUPLE_HAS_URN : 0) | (keyIsUrn ? TUPLE_KEY_IS_URN : 0), 'tuple flags');
    if (!keyIsUrn) this.word(t.key, 'tuple key');
    this.text(t.name, 'tuple name', 1, KelipsLimits.MAX_NAME_BYTES);
    if (!Number.isInteger(t.size) || t.size < 0 || t.size > KelipsLimits.MAX_SIZE) {
      throw encodeError(`tuple size ${t.size}`);
    }
    this.u16(Math.floor(t.size / 2 ** 32), 'tuple size');
    this.u32(t.size % 2 ** 32, 'tuple size');
    if (t.urn !== undefined) this.urn(t.urn, 'tuple urn');
    this.addr(`${t.ip}:${t.port}`, 'tuple holder');
    if (!HEX_RE.test(t.serventId)) throw encodeError(`tuple servent id "${t.serventId}"`);
    this.buf.write(t.serventId, this.pos, SERVENT_ID_SIZE, 'hex');
    this.pos += SERVENT_ID_SIZE;
    this.u32(t.index, 'tuple index');
    this.u32(t.hb, 'tuple version');
  }

  tuples(ts: readonly KelipsTuple[]): void {
    for (const t of ts) this.tuple(t);
  }
}

function checkCount(n: number, max: number, what: string): number {
  if (n > max) throw encodeError(`${n} ${what} (max ${max})`);
  return n;
}

function checkRange(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw encodeError(`${what} ${v} (0 … ${max})`);
  return v;
}

export function encodeKelipsMessage(m: KelipsMessage, opts: KelipsCodecOptions = {}): Buffer {
  const max = opts.maxMessage ?? KelipsLimits.MAX_MESSAGE;
  const size = kelipsMessageSize(m);
  if (size > max) throw encodeError(`${m.type}: ${size} bytes (max ${max})`);
  if (m.k < (m.type === 'join' ? 0 : 1) || m.k > KelipsLimits.MAX_GROUPS) throw encodeError(`k ${m.k}`);
  const w = new Writer(Buffer.alloc(size));
  w.buf[0] = MAGIC_0;
  w.buf[1] = MAGIC_1;
  w.buf[OFF_VERSION] = VERSION;
  w.pos = OFF_GROUPS;
  w.u16(m.k, 'k');
  w.pos = OFF_RID;
  w.u32(m.rid, 'rid');
  w.pos = OFF_HB;
  w.u32(m.hb, 'heartbeat');
  w.pos = HEADER_SIZE;
  let type: number;
  switch (m.type) {
    case 'gossip':
      type = KelipsType.GOSSIP;
      w.u32(m.ts, 'ts');
      w.u32(m.echoTs, 'echo ts');
      w.u16(m.echoHeldMs, 'echo held');
      w.u8(checkCount(m.members.length, KelipsLimits.MAX_MEMBERS, 'members'), 'members');
      w.u8(checkCount(m.tuples.length, KelipsLimits.MAX_TUPLES, 'tuples'), 'tuples');
      w.members(m.members, 'member');
      w.tuples(m.tuples);
      break;
    case 'join':
      type = KelipsType.JOIN;
      w.u8(checkRange(m.part, KelipsLimits.MAX_PART, 'part'), 'part');
      break;
    case 'snapshot':
      type = KelipsType.SNAPSHOT;
      w.u8(checkRange(m.part, KelipsLimits.MAX_PART, 'part'), 'part');
      w.u8(m.last ? SNAPSHOT_LAST : 0, 'flags');
      w.u8(checkCount(m.members.length, KelipsLimits.MAX_MEMBERS, 'members'), 'members');
      w.u8(checkCount(m.tuples.length, KelipsLimits.MAX_TUPLES, 'tuples'), 'tuples');
      w.members(m.members, 'member');
      w.tuples(m.tuples);
      break;
    case 'lookup': {
      type = KelipsType.LOOKUP;
      const keyIsUrn = m.urn !== undefined && m.key === m.urn;
      w.addr(m.origin, 'origin');
      w.u8(checkRange(m.ttl, KelipsLimits.MAX_TTL, 'ttl'), 'ttl');
      w.u8(checkRange(m.hops, KelipsLimits.MAX_HOPS, 'hops'), 'hops');
      w.u8(checkRange(m.maxResults, KelipsLimits.MAX_RESULTS, 'maxResults'), 'maxResults');
      w.u8((m.urn !== undefined ? LOOKUP_HAS_URN : 0) | (keyIsUrn ? LOOKUP_KEY_IS_URN : 0), 'flags');
      if (!keyIsUrn) w.word(m.key, 'key');
      if (m.urn !== undefined) w.urn(m.urn, 'urn');
      w.u8(checkCount(m.words.length, KelipsLimits.MAX_WORDS, 'words'), 'words');
      for (const word of m.words) w.word(word, 'word');
      break;
    }
    case 'lookup-reply':
      type = KelipsType.LOOKUP_REPLY;
      w.u8(checkRange(m.hops, KelipsLimits.MAX_HOPS, 'hops'), 'hops');
      w.u8(checkCount(m.tuples.length, KelipsLimits.MAX_TUPLES, 'tuples'), 'tuples');
      w.tuples(m.tuples);
      break;
    case 'store':
      type = KelipsType.STORE;
      w.addr(m.origin, 'origin');
      w.u8(checkRange(m.ttl, KelipsLimits.MAX_TTL, 'ttl'), 'ttl');
      w.u8(checkRange(m.hops, KelipsLimits.MAX_HOPS, 'hops'), 'hops');
      w.u8(checkCount(m.tuples.length, KelipsLimits.MAX_TUPLES, 'tuples'), 'tuples');
      w.tuples(m.tuples);
      break;
    case 'store-ack':
      type = KelipsType.STORE_ACK;
      w.u8(checkRange(m.stored, KelipsLimits.MAX_TUPLES, 'stored'), 'stored');
      break;
    case 'ping':
      type = KelipsType.PING;
      break;
    case 'pong':
      type = KelipsType.PONG;
      break;
    default:
      return assertNever(m, 'kelips message');
  }
  w.buf[OFF_TYPE] = type;
  if (w.pos !== size) throw encodeError(`${m.type}: wrote ${w.pos} of ${size} bytes`);
  return w.buf;
}
