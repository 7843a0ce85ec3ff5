/**
 * Datagram → Kelips message. Checks, in order: the size cap (before anything is read),
 * magic, version, type, k, then each field with its cap; a datagram with bytes left over
 * is refused (E_KELIPS_TRAILING_BYTES) so that one message has one encoding.
 */
import {
  HEADER_SIZE,
  KelipsLimits,
  KelipsType,
  LOOKUP_HAS_URN,
  LOOKUP_KEY_IS_URN,
  MAGIC_0,
  MAGIC_1,
  OFF_GROUPS,
  OFF_HB,
  OFF_RID,
  OFF_TYPE,
  OFF_VERSION,
  SNAPSHOT_LAST,
  VERSION,
} from './constants.js';
import type { KelipsCodecOptions } from './encode.js';
import { KelipsCodecError, kelipsError } from './errors.js';
import type { KelipsEnvelope, KelipsMessage } from './messages.js';
import { KelipsReader } from './reader.js';

export interface KelipsDecodeOptions extends KelipsCodecOptions {
  /** refuse messages of an overlay with another group count (E_KELIPS_BAD_GROUPS) */
  readonly groups?: number;
}

export function decodeKelipsMessage(buf: Buffer, opts: KelipsDecodeOptions = {}): KelipsMessage {
  const max = Math.min(opts.maxMessage ?? KelipsLimits.MAX_MESSAGE, KelipsLimits.MAX_MESSAGE_CEILING);
  if (buf.length > max) throw kelipsError(KelipsCodecError.TOO_LARGE, `${buf.length} bytes (max ${max})`, 0);
  if (buf.length < HEADER_SIZE) {
    throw kelipsError(KelipsCodecError.TRUNCATED, `header: ${buf.length} of ${HEADER_SIZE} bytes`, 0);
  }
  if (buf[0] !== MAGIC_0 || buf[1] !== MAGIC_1)
    throw kelipsError(KelipsCodecError.BAD_MAGIC, 'not a Kelips message', 0);
  if (buf[OFF_VERSION] !== VERSION) {
    throw kelipsError(KelipsCodecError.BAD_VERSION, `version ${buf[OFF_VERSION]}`, OFF_VERSION);
  }
  const k = buf.readUInt16BE(OFF_GROUPS);
  const type = buf[OFF_TYPE] as number;
  // k = 0 only on JOIN: a joining node that has not learnt the overlay's k yet
  const kOk = k === 0 ? type === KelipsType.JOIN : opts.groups === undefined || k === opts.groups;
  if (!kOk) {
    throw kelipsError(
      KelipsCodecError.BAD_GROUPS,
      `k = ${k}${opts.groups !== undefined ? ` (ours: ${opts.groups})` : ''}`,
      OFF_GROUPS,
    );
  }
  const env: KelipsEnvelope = { k, rid: buf.readUInt32BE(OFF_RID), hb: buf.readUInt32BE(OFF_HB) };
  const r = new KelipsReader(buf, HEADER_SIZE);
  let m: KelipsMessage;
  switch (type) {
    case KelipsType.GOSSIP: {
      const ts = r.u32('ts');
      const echoTs = r.u32('echo ts');
      const echoHeldMs = r.u16('echo held');
      const nm = r.count('members', KelipsLimits.MAX_MEMBERS, KelipsCodecError.TOO_MANY_MEMBERS);
      const nt = r.count('tuples', KelipsLimits.MAX_TUPLES, KelipsCodecError.TOO_MANY_TUPLES);
      m = {
        type: 'gossip',
        ...env,
        ts,
        echoTs,
        echoHeldMs,
        members: r.members(nm, 'member'),
        tuples: r.tuples(nt, 'tuple'),
      };
      break;
    }
    case KelipsType.JOIN:
      m = { type: 'join', ...env, part: r.u8('part') };
      break;
    case KelipsType.SNAPSHOT: {
      const part = r.u8('part');
      const last = (r.flags('snapshot flags', SNAPSHOT_LAST) & SNAPSHOT_LAST) !== 0;
      const nm = r.count('members', KelipsLimits.MAX_MEMBERS, KelipsCodecError.TOO_MANY_MEMBERS);
      const nt = r.count('tuples', KelipsLimits.MAX_TUPLES, KelipsCodecError.TOO_MANY_TUPLES);
      m = {
        type: 'snapshot',
        ...env,
        part,
        last,
        members: r.members(nm, 'member'),
        tuples: r.tuples(nt, 'tuple'),
      };
      break;
    }
    case KelipsType.LOOKUP: {
      const origin = r.addr('origin');
      const ttl = bounded(r, 'ttl', KelipsLimits.MAX_TTL, KelipsCodecError.BAD_TTL);
      const hops = bounded(r, 'hops', KelipsLimits.MAX_HOPS, KelipsCodecError.BAD_HOPS);
      const maxResults = bounded(r, 'maxResults', KelipsLimits.MAX_RESULTS, KelipsCodecError.BAD_RESULTS);
      const flagsAt = r.pos;
      const flags = r.flags('lookup flags', LOOKUP_HAS_URN | LOOKUP_KEY_IS_URN);
      const hasUrn = (flags & LOOKUP_HAS_URN) !== 0;
      const keyIsUrn = (flags & LOOKUP_KEY_IS_URN) !== 0;
      if (keyIsUrn && !hasUrn)
        throw kelipsError(KelipsCodecError.BAD_FLAG, 'key is the urn but there is no urn', flagsAt);
      const key = keyIsUrn ? undefined : r.word('key');
      const urn = hasUrn ? r.urn('urn') : undefined;
      const nw = r.count('words', KelipsLimits.MAX_WORDS, KelipsCodecError.TOO_MANY_WORDS);
      const words: string[] = [];
      for (let i = 0; i < nw; i++) words.push(r.word(`word[${i}]`));
      m = { type: 'lookup', ...env, origin, ttl, hops, maxResults, key: key ?? (urn as string), words, urn };
      break;
    }
    case KelipsType.LOOKUP_REPLY: {
      const hops = bounded(r, 'hops', KelipsLimits.MAX_HOPS, KelipsCodecError.BAD_HOPS);
      const nt = r.count('tuples', KelipsLimits.MAX_TUPLES, KelipsCodecError.TOO_MANY_TUPLES);
      m = { type: 'lookup-reply', ...env, hops, tuples: r.tuples(nt, 'tuple') };
      break;
    }
    case KelipsType.STORE: {
      const origin = r.addr('origin');
      const ttl = bounded(r, 'ttl', KelipsLimits.MAX_TTL, KelipsCodecError.BAD_TTL);
      const hops = bounded(r, 'hops', KelipsLimits.MAX_HOPS, KelipsCodecError.BAD_HOPS);
      const nt = r.count('tuples', KelipsLimits.MAX_TUPLES, KelipsCodecError.TOO_MANY_TUPLES);
      m = { type: 'store', ...env, origin, ttl, hops, tuples: r.tuples(nt, 'tuple') };
      break;
    }
    case KelipsType.STORE_ACK:
      m = {
        type: 'store-ack',
        ...env,
        stored: r.count('stored', KelipsLimits.MAX_TUPLES, KelipsCodecError.TOO_MANY_TUPLES),
      };
      break;
    case KelipsType.PING:
      m = { type: 'ping', ...env };
      break;
    case KelipsType.PONG:
      m = { type: 'pong', ...env };
      break;
    default:
      throw kelipsError(KelipsCodecError.BAD_TYPE, `type 0x${type.toString(16)}`, OFF_TYPE);
  }
  if (r.available !== 0) {
    throw kelipsError(KelipsCodecError.TRAILING, `${m.type}: ${r.available} bytes after the message`, r.pos);
  }
  return m;
}

function bounded(
  r: KelipsReader,
  what: string,
  max: number,
  code: (typeof KelipsCodecError)[keyof typeof KelipsCodecError],
): number {
  const at = r.pos;
  const v = r.u8(what);
  if (v > max) throw kelipsError(code, `${what} ${v} (max ${max})`, at);
  return v;
}

/** bytes a membership list of `n` entries takes (for packers) */
