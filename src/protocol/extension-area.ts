/**
 * The extension area of a Query (after the search NUL) and the extension data of a
 * QueryHit result (between the name NUL and the closing NUL): blocks separated by 0x1C,
 * each recognised by its first byte — `u`/`U` HUGE URN text, `<` XML, 0xC3 GGEP (always
 * last; it runs to the end because GGEP data may itself hold 0x1C), anything else plain
 * text. Never scan for 0xC3: UTF-8 `é` is `C3 A9` inside XML or text.
 */
import type { GgepBlock } from './messages.js';
import { EXT_SEPARATOR, GGEP_MAGIC, NUL } from './constants.js';
import type { DecodeContext } from './context.js';
import { encodeError } from './error-codes.js';
import { DecodedGgep, addUrn, ggepLength, writeGgep } from './ggep.js';
import { sha1UrnFromText } from './urn.js';
import type { WireWriter } from './writer.js';

/** first bytes of a HUGE block (`urn:…`, any case) */
const LOWER_U = 0x75;
const UPPER_U = 0x55;
/** printable ASCII only: no NUL (a result terminator) and no 0x1C (the separator) */
const URN_TEXT_RE = /^[\x21-\x7e]+$/;

/**
 * Walks `buf[start..end)`, pushing the SHA-1 URNs it finds (HUGE text, GGEP `H`, GGEP `u`)
 * into `urns`; returns the GGEP block, if any. Trailing NULs of a text block are tolerated
 * (some servents end the query extension area with one).
 */
export function readExtensionArea(
  buf: Buffer,
  start: number,
  end: number,
  ctx: DecodeContext,
  urns: string[],
): GgepBlock | undefined {
  let p = start;
  while (p < end) {
    const first = buf[p] as number;
    if (first === GGEP_MAGIC) return new DecodedGgep(buf, p, end, ctx, urns);
    // scan only up to `end`: Buffer#indexOf would run on into the following results
    let q = p;
    while (q < end && buf[q] !== EXT_SEPARATOR) q++;
    if (first === LOWER_U || first === UPPER_U) {
      let e = q;
      while (e > p && buf[e - 1] === NUL) e--;
      addUrn(urns, sha1UrnFromText(buf, p, e), ctx, p);
    }
    p = q + 1;
  }
  return undefined;
}

/** Wire size of an extension area built from fields: URN texts, then GGEP, 0x1C between. */
export function extensionAreaLength(urns: readonly string[], ggep: GgepBlock | undefined): number {
  let n = 0;
  for (const u of urns) n += u.length + 1;
  const g = ggep === undefined ? 0 : ggepLength(ggep, true);
  if (g > 0) return n + g;
  return n === 0 ? 0 : n - 1;
}

export function writeExtensionArea(
  w: WireWriter,
  urns: readonly string[],
  ggep: GgepBlock | undefined,
): void {
  const hasGgep = ggep !== undefined && ggepLength(ggep, true) > 0;
  for (let i = 0; i < urns.length; i++) {
    const u = urns[i] as string;
    if (!URN_TEXT_RE.test(u)) throw encodeError(`not a URN for an extension area: ${JSON.stringify(u)}`);
    if (i > 0) w.u8(EXT_SEPARATOR);
    w.latin1(u);
  }
  if (hasGgep) {
    if (urns.length > 0) w.u8(EXT_SEPARATOR);
    writeGgep(w, ggep, true);
  }
}
