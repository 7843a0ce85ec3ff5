/**
 * Splits pointer lists into messages that fit one datagram (ChordLimits.MAX_MESSAGE and
 * MAX_POINTERS), using the codec's exact size arithmetic.
 */
import { ChordLimits, HEADER_SIZE, ID_SIZE } from '../../protocol/chord/constants.js';
import { pointerWireSize } from '../../protocol/chord/encode.js';
import type { ChordItem, ChordPointer } from '../../protocol/chord/messages.js';

/** STORE: header + replicate(1) + count(1) */
const STORE_FIXED = HEADER_SIZE + 2;
/** FETCH_RES: header + hasNext(1) + next(2) + count(1) */
export const FETCH_RES_FIXED = HEADER_SIZE + 4;

/** groups items into STORE-sized batches */
export function packItems(items: readonly ChordItem[]): ChordItem[][] {
  const out: ChordItem[][] = [];
  let cur: ChordItem[] = [];
  let size = STORE_FIXED;
  for (const it of items) {
    const n = ID_SIZE + pointerWireSize(it.pointer);
    if (STORE_FIXED + n > ChordLimits.MAX_MESSAGE) continue; // cannot fit alone (never: names ≤ 255 B)
    if (cur.length === ChordLimits.MAX_POINTERS || size + n > ChordLimits.MAX_MESSAGE) {
      out.push(cur);
      cur = [];
      size = STORE_FIXED;
    }
    cur.push(it);
    size += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** how many of `pointers` (from the start) fit one FETCH_RES */
export function fitPointers(pointers: readonly ChordPointer[]): number {
  let size = FETCH_RES_FIXED;
  let n = 0;
  for (const p of pointers) {
    const s = pointerWireSize(p);
    if (n === ChordLimits.MAX_POINTERS || size + s > ChordLimits.MAX_MESSAGE) break;
    size += s;
    n++;
  }
  return n;
}
