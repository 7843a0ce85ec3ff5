/**
 * Bye (0x02): code(LE u16) · description · NUL. The description is a reason line,
 * optionally followed by HTTP-like header lines (`reason\r\nServer: x\r\n\r\n`).
 * `raw` keeps the whole description so re-encoding is exact.
 */
import type { Bye } from './messages.js';
import { BYE_FIXED_SIZE, NUL } from './constants.js';
import { decodeText, isUtf8Range } from './context.js';
import type { DecodeContext } from './context.js';
import type { WireWriter } from './writer.js';

const CR = 0x0d;
const LF = 0x0a;

/** End of the reason line: the first CR, LF or NUL (or `end`). */
function reasonEnd(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i] as number;
    if (b === CR || b === LF || b === NUL) break;
    i++;
  }
  return i;
}

function reasonOf(raw: Buffer): string {
  const e = reasonEnd(raw, 0, raw.length);
  return decodeText(raw, 0, e, isUtf8Range(raw, 0, e));
}

export function decodeBye(r: DecodeContext): Bye {
  const code = r.u16le('bye code');
  const buf = r.buf;
  const start = r.pos;
  const nulTerminated = r.end > start && buf[r.end - 1] === NUL;
  const raw = buf.subarray(start, nulTerminated ? r.end - 1 : r.end);
  r.pos = r.end;
  return {
    type: 'bye',
    guid: r.guid,
    ttl: r.ttl,
    hops: r.hops,
    code,
    reason: reasonOf(raw),
    raw,
    nulTerminated,
  };
}

/** `raw` is written back only while it still says `reason`; otherwise the reason is written. */
function description(m: Bye): Buffer | string {
  return m.raw !== undefined && reasonOf(m.raw) === m.reason ? m.raw : m.reason;
}

export function byePayloadLength(m: Bye): number {
  const d = description(m);
  return (
    BYE_FIXED_SIZE +
    (typeof d === 'string' ? Buffer.byteLength(d) : d.length) +
    (m.nulTerminated === false ? 0 : 1)
  );
}

export function writeBye(w: WireWriter, m: Bye): void {
  w.u16le(m.code);
  const d = description(m);
  if (typeof d === 'string') w.utf8(d);
  else w.bytes(d);
  if (m.nulTerminated !== false) w.u8(NUL);
}
