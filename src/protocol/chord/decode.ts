/**
 * Datagram → Chord message. Every field is bounded (ChordLimits); any violation is a
 * ProtocolError with a stable code and action 'drop'. Allocation is bounded by the
 * datagram itself, which is refused above `maxMessage` before a byte is parsed.
 */
import { ChordCodecError, chordError } from './errors.js';
import {
  ChordLimits,
  ChordType,
  HEADER_SIZE,
  MAGIC_0,
  MAGIC_1,
  MAX_ID_BITS,
  OFF_DST_VN,
  OFF_FLAGS,
  FLAG_BG,
  OFF_ID_BITS,
  OFF_RID,
  OFF_SRC_ID,
  OFF_SRC_VN,
  OFF_TYPE,
  OFF_VERSION,
  VERSION,
} from './constants.js';
import { ChordReader } from './reader.js';
import type { ChordCodecOptions } from './encode.js';
import type { ChordEnvelope, ChordItem, ChordMessage, ChordPointer, NodeRef } from './messages.js';

function ref(r: ChordReader, what: string): NodeRef {
  const id = r.id(what);
  const addr = r.addr(what);
  const vn = r.u8(what);
  return { id, addr, vn };
}

function refs(r: ChordReader, what: string): NodeRef[] {
  const n = r.count(ChordLimits.MAX_REFS, ChordCodecError.TOO_MANY_REFS, what);
  const out: NodeRef[] = [];
  for (let i = 0; i < n; i++) out.push(ref(r, what));
  return out;
}

function pointer(r: ChordReader): ChordPointer {
  const ttlMs = r.ttl('ttl');
  const index = r.u32('index');
  const size = r.u53('size');
  const hasUrn = r.bool('flags');
  const urn = hasUrn ? r.urn('urn') : undefined;
  const addr = r.addr('holder');
  const colon = addr.lastIndexOf(':');
  const serventId = r.serventId('serventId');
  const name = r.text(ChordLimits.MAX_NAME_BYTES, true, 'name');
  return {
    name,
    size,
    urn,
    index,
    ip: addr.slice(0, colon),
    port: Number(addr.slice(colon + 1)),
    serventId,
    ttlMs,
  };
}

export function decodeChordMessage(buf: Buffer, opts: ChordCodecOptions): ChordMessage {
  const max = opts.maxMessage ?? ChordLimits.MAX_MESSAGE;
  if (buf.length > max) throw chordError(ChordCodecError.TOO_LARGE, `${buf.length} bytes > ${max}`, 0);
  if (buf.length < HEADER_SIZE) {
    throw chordError(ChordCodecError.TRUNCATED, `header: ${buf.length} of ${HEADER_SIZE} bytes`, 0);
  }
  if (buf[0] !== MAGIC_0 || buf[1] !== MAGIC_1) throw chordError(ChordCodecError.BAD_MAGIC, 'bad magic', 0);
  if (buf[OFF_VERSION] !== VERSION) {
    throw chordError(ChordCodecError.BAD_VERSION, `version ${buf[OFF_VERSION]}`, OFF_VERSION);
  }
  const idBits = buf[OFF_ID_BITS] as number;
  if (idBits !== opts.idBits || idBits < 1 || idBits > MAX_ID_BITS) {
    throw chordError(
      ChordCodecError.ID_BITS,
      `peer uses ${idBits}-bit ids, we use ${opts.idBits}`,
      OFF_ID_BITS,
    );
  }
  const r = new ChordReader(buf, idBits, OFF_SRC_ID);
  const env: ChordEnvelope = {
    rid: buf.readUInt32BE(OFF_RID),
    srcId: r.id('srcId'),
    srcVn: buf[OFF_SRC_VN] as number,
    dstVn: buf[OFF_DST_VN] as number,
  };
  const type = buf[OFF_TYPE] as number;
  const bg = ((buf[OFF_FLAGS] as number) & FLAG_BG) !== 0;
  let m: ChordMessage;
  switch (type) {
    case ChordType.FIND: {
      const key = r.id('key');
      const n = r.count(ChordLimits.MAX_EXCLUDE, ChordCodecError.TOO_MANY_EXCLUDED, 'exclude');
      const exclude: string[] = [];
      for (let i = 0; i < n; i++) exclude.push(r.id('exclude'));
      m = { type: 'find', ...env, bg, key, exclude };
      break;
    }
    case ChordType.FOUND: {
      const done = r.bool('done');
      const hops = r.u8('hops');
      const timeouts = r.u8('timeouts');
      m = { type: 'found', ...env, bg, done, hops, timeouts, refs: refs(r, 'refs') };
      break;
    }
    case ChordType.RFIND: {
      const key = r.id('key');
      const addr = r.addr('origin');
      const vn = r.u8('origin.vn');
      const originRid = r.u32('originRid');
      const hops = r.u8('hops');
      const timeouts = r.u8('timeouts');
      m = { type: 'rfind', ...env, bg, key, origin: { addr, vn }, originRid, hops, timeouts };
      break;
    }
    case ChordType.RFIND_ACK:
      m = { type: 'rfind-ack', ...env, bg };
      break;
    case ChordType.GET_NEIGHBOURS:
      m = { type: 'get-neighbours', ...env };
      break;
    case ChordType.NOTIFY:
      m = { type: 'notify', ...env };
      break;
    case ChordType.PING:
      m = { type: 'ping', ...env };
      break;
    case ChordType.PONG:
      m = { type: 'pong', ...env };
      break;
    case ChordType.NEIGHBOURS:
    case ChordType.LEAVE: {
      const hasPred = r.bool('hasPred');
      const pred = hasPred ? ref(r, 'pred') : undefined;
      const succs = refs(r, 'succs');
      m =
        type === ChordType.LEAVE
          ? { type: 'leave', ...env, pred, succs }
          : { type: 'neighbours', ...env, pred, succs };
      break;
    }
    case ChordType.HINT:
      m = { type: 'hint', ...env, node: ref(r, 'node') };
      break;
    case ChordType.STORE: {
      const replicate = r.bool('replicate');
      const n = r.count(ChordLimits.MAX_POINTERS, ChordCodecError.TOO_MANY_POINTERS, 'items');
      const items: ChordItem[] = [];
      for (let i = 0; i < n; i++) {
        const key = r.id('item.key');
        items.push({ key, pointer: pointer(r) });
      }
      m = { type: 'store', ...env, replicate, items };
      break;
    }
    case ChordType.STORE_ACK:
      m = {
        type: 'store-ack',
        ...env,
        accepted: r.count(ChordLimits.MAX_POINTERS, ChordCodecError.TOO_MANY_POINTERS, 'accepted'),
      };
      break;
    case ChordType.FETCH: {
      const key = r.id('key');
      const offset = r.u16('offset');
      const urn = r.bool('hasUrn') ? r.urn('urn') : undefined;
      const n = r.count(ChordLimits.MAX_WORDS, ChordCodecError.TOO_MANY_WORDS, 'words');
      const words: string[] = [];
      for (let i = 0; i < n; i++) words.push(r.text(ChordLimits.MAX_WORD_BYTES, false, 'word'));
      m = { type: 'fetch', ...env, key, words, urn, offset };
      break;
    }
    case ChordType.FETCH_RES: {
      const hasNext = r.bool('hasNext');
      const next = r.u16('next');
      const n = r.count(ChordLimits.MAX_POINTERS, ChordCodecError.TOO_MANY_POINTERS, 'pointers');
      const pointers: ChordPointer[] = [];
      for (let i = 0; i < n; i++) pointers.push(pointer(r));
      m = { type: 'fetch-res', ...env, pointers, next: hasNext ? next : undefined };
      break;
    }
    default:
      throw chordError(ChordCodecError.BAD_TYPE, `type 0x${type.toString(16)}`, OFF_TYPE);
  }
  if (r.pos !== buf.length) {
    throw chordError(ChordCodecError.TRAILING, `${buf.length - r.pos} bytes after ${m.type}`, r.pos);
  }
  return m;
}
