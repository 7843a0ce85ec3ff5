/**
 * EQHD ("QHD") flags: two open-data bytes with the same bit positions. For PUSH the value
 * sits in byte 1 ("enabler") and byte 2 ("setter") says it is meaningful; for busy,
 * uploaded, speed and GGEP byte 1 says "meaningful" and byte 2 holds the value (wire
 * reference fact 7). A flag the peer did not mark meaningful decodes as undefined.
 */
import type { QueryHitFlags } from './messages.js';
import { EQHD_BUSY, EQHD_GGEP, EQHD_PUSH, EQHD_SPEED, EQHD_UPLOADED } from './constants.js';
import type { Mutable } from './mutable.js';

export function decodeEqhdFlags(enabler: number, setter: number): QueryHitFlags {
  const f: Mutable<QueryHitFlags> = {};
  if ((setter & EQHD_PUSH) !== 0) f.push = (enabler & EQHD_PUSH) !== 0;
  if ((enabler & EQHD_BUSY) !== 0) f.busy = (setter & EQHD_BUSY) !== 0;
  if ((enabler & EQHD_UPLOADED) !== 0) f.uploaded = (setter & EQHD_UPLOADED) !== 0;
  if ((enabler & EQHD_SPEED) !== 0) f.speedMeasured = (setter & EQHD_SPEED) !== 0;
  if ((enabler & EQHD_GGEP) !== 0) f.ggep = (setter & EQHD_GGEP) !== 0;
  return f;
}

/** The two open-data bytes [enabler, setter] for these flags. */
export function encodeEqhdFlags(f: QueryHitFlags): [number, number] {
  let enabler = 0;
  let setter = 0;
  if (f.push !== undefined) {
    setter |= EQHD_PUSH;
    if (f.push) enabler |= EQHD_PUSH;
  }
  const others: [boolean | undefined, number][] = [
    [f.busy, EQHD_BUSY],
    [f.uploaded, EQHD_UPLOADED],
    [f.speedMeasured, EQHD_SPEED],
    [f.ggep, EQHD_GGEP],
  ];
  for (const [v, bit] of others) {
    if (v === undefined) continue;
    enabler |= bit;
    if (v) setter |= bit;
  }
  return [enabler, setter];
}
