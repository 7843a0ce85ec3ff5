/** Ping (0x00): empty in 0.4; in 0.6 only a GGEP block (e.g. `SCP`). */
import type { Ping } from './messages.js';
import type { DecodeContext } from './context.js';
import type { Mutable } from './mutable.js';
import { readTail, tailLength, writeTail } from './tail.js';
import type { WireWriter } from './writer.js';

export function decodePing(r: DecodeContext): Ping {
  const m: Mutable<Ping> = { type: 'ping', guid: r.guid, ttl: r.ttl, hops: r.hops };
  readTail(r, m);
  return m;
}

export function pingPayloadLength(m: Ping): number {
  return tailLength(m);
}

export function writePing(w: WireWriter, m: Ping): void {
  writeTail(w, m);
}
