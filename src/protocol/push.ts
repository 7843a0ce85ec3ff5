/**
 * Push (0x40): servent ID(16) · file index(LE u32) · IPv4(BE) · port(LE u16) · [GGEP].
 * Routed by the servent ID (taken from a QueryHit trailer), deduplicated by its own GUID.
 */
import type { Push } from './messages.js';
import { GUID_SIZE, PUSH_FIXED_SIZE } from './constants.js';
import type { DecodeContext } from './context.js';
import { encodeError } from './error-codes.js';
import type { Mutable } from './mutable.js';
import { readTail, tailLength, writeTail } from './tail.js';
import type { WireWriter } from './writer.js';

export function decodePush(r: DecodeContext): Push {
  const m: Mutable<Push> = {
    type: 'push',
    guid: r.guid,
    ttl: r.ttl,
    hops: r.hops,
    serventId: r.bytes(GUID_SIZE, 'push servent id'),
    index: r.u32le('push index'),
    ip: r.ipv4('push ip'),
    port: r.u16le('push port'),
  };
  readTail(r, m);
  return m;
}

export function pushPayloadLength(m: Push): number {
  return PUSH_FIXED_SIZE + tailLength(m);
}

export function writePush(w: WireWriter, m: Push): void {
  if (m.serventId.length !== GUID_SIZE) throw encodeError('push servent ID must be 16 bytes');
  w.bytes(m.serventId);
  w.u32le(m.index);
  w.ipv4(m.ip);
  w.u16le(m.port);
  writeTail(w, m);
}
