/** Pong (0x01): port(LE u16) · IPv4(BE) · files(LE u32) · kilobytes(LE u32) · [GGEP]. */
import type { Pong } from './messages.js';
import { PONG_FIXED_SIZE } from './constants.js';
import type { DecodeContext } from './context.js';
import type { Mutable } from './mutable.js';
import { readTail, tailLength, writeTail } from './tail.js';
import type { WireWriter } from './writer.js';

export function decodePong(r: DecodeContext): Pong {
  const m: Mutable<Pong> = {
    type: 'pong',
    guid: r.guid,
    ttl: r.ttl,
    hops: r.hops,
    port: r.u16le('pong port'),
    ip: r.ipv4('pong ip'),
    files: r.u32le('pong files'),
    kbytes: r.u32le('pong kbytes'),
  };
  readTail(r, m);
  return m;
}

export function pongPayloadLength(m: Pong): number {
  return PONG_FIXED_SIZE + tailLength(m);
}

export function writePong(w: WireWriter, m: Pong): void {
  w.u16le(m.port);
  w.ipv4(m.ip);
  w.u32le(m.files);
  w.u32le(m.kbytes);
  writeTail(w, m);
}
