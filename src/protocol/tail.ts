/**
 * The "optional GGEP, then anything else" tail of Ping, Pong and Push payloads. Bytes that
 * are not a GGEP block are kept in `extra` so re-encoding is exact.
 */
import type { GgepBlock } from './messages.js';
import { GGEP_MAGIC } from './constants.js';
import type { DecodeContext } from './context.js';
import { DecodedGgep, ggepLength, writeGgep } from './ggep.js';
import type { WireWriter } from './writer.js';

export interface Tail {
  readonly ggep?: GgepBlock;
  readonly extra?: Buffer;
}

/** Reads the tail from r.pos to r.end into `into`. */
export function readTail(r: DecodeContext, into: { ggep?: GgepBlock; extra?: Buffer }): void {
  if (r.pos >= r.end) return;
  if (r.buf[r.pos] === GGEP_MAGIC) {
    const ggep = new DecodedGgep(r.buf, r.pos, r.end, r);
    into.ggep = ggep;
    r.pos = ggep.end;
  }
  if (r.pos < r.end) into.extra = r.rest();
}

export function tailLength(m: Tail): number {
  return (
    (m.ggep === undefined ? 0 : ggepLength(m.ggep, false)) + (m.extra === undefined ? 0 : m.extra.length)
  );
}

export function writeTail(w: WireWriter, m: Tail): void {
  if (m.ggep !== undefined) writeGgep(w, m.ggep, false);
  if (m.extra !== undefined) w.bytes(m.extra);
}
