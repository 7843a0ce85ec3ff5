/**
 * The `Range` request header (RFC 9110 §14), bytes unit only. Pure and capped: it never
 * allocates more than `maxRanges` entries nor reads past `maxHeaderLength` characters.
 *
 * Policy (documented in docs/LIMITS.md):
 * - a header we cannot parse (bad syntax, other unit, `a>b`, over a cap) is answered
 *   416 with `Content-Range: bytes *\/size`, never 200: gtk-gnutella marks a source bad
 *   when a Range request gets the whole file back as 200;
 * - of several ranges we serve only the first satisfiable one, as a single-part 206
 *   (no multipart/byteranges); downloaders accept a 206 shorter than asked;
 * - a range that covers the whole file is still a 206.
 */

export interface RangeCaps {
  /** characters of the header value we look at, at most */
  maxHeaderLength: number;
  /** comma-separated range specs, at most */
  maxRanges: number;
}

export const DEFAULT_RANGE_CAPS: RangeCaps = { maxHeaderLength: 1024, maxRanges: 16 };

/** Decimal digits in one position: 15 digits stay below 2^53, so arithmetic is exact. */
const MAX_DIGITS = 15;

/** One spec as written: `a-b`, `a-` (end undefined) or `-n` (suffix). */
export type RangeSpec =
  | { readonly kind: 'span'; readonly start: number; readonly end: number | undefined }
  | { readonly kind: 'suffix'; readonly length: number };

export type RangeParseError = 'RANGE_TOO_LONG' | 'RANGE_TOO_MANY' | 'RANGE_UNIT' | 'RANGE_SYNTAX';

export type ParsedRange =
  | { readonly ok: true; readonly specs: readonly RangeSpec[] }
  | { readonly ok: false; readonly code: RangeParseError };

const DIGITS = /^[0-9]+$/;

function parseNumber(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_DIGITS || !DIGITS.test(text)) return undefined;
  return Number(text);
}

function parseSpec(raw: string): RangeSpec | undefined {
  const spec = raw.trim();
  const dash = spec.indexOf('-');
  if (dash < 0 || spec.indexOf('-', dash + 1) >= 0) return undefined;
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  if (first.length === 0) {
    const length = parseNumber(last);
    return length === undefined ? undefined : { kind: 'suffix', length };
  }
  const start = parseNumber(first);
  if (start === undefined) return undefined;
  if (last.length === 0) return { kind: 'span', start, end: undefined };
  const end = parseNumber(last);
  if (end === undefined || end < start) return undefined;
  return { kind: 'span', start, end };
}

/** Parses a `Range` header value such as `bytes=0-499, -200`. */
export function parseRangeHeader(value: string, caps: RangeCaps = DEFAULT_RANGE_CAPS): ParsedRange {
  if (value.length > caps.maxHeaderLength) return { ok: false, code: 'RANGE_TOO_LONG' };
  const eq = value.indexOf('=');
  if (eq < 0) return { ok: false, code: 'RANGE_SYNTAX' };
  if (value.slice(0, eq).trim().toLowerCase() !== 'bytes') return { ok: false, code: 'RANGE_UNIT' };
  const specs: RangeSpec[] = [];
  let pos = eq + 1;
  // Walk the list without split() so a header of many commas costs no more than its length.
  while (pos <= value.length) {
    let comma = value.indexOf(',', pos);
    if (comma < 0) comma = value.length;
    const part = value.slice(pos, comma);
    pos = comma + 1;
    // RFC 9110 list rule: empty elements are allowed and ignored.
    if (part.trim().length === 0) continue;
    if (specs.length >= caps.maxRanges) return { ok: false, code: 'RANGE_TOO_MANY' };
    const spec = parseSpec(part);
    if (spec === undefined) return { ok: false, code: 'RANGE_SYNTAX' };
    specs.push(spec);
  }
  if (specs.length === 0) return { ok: false, code: 'RANGE_SYNTAX' };
  return { ok: true, specs };
}

/** Inclusive byte positions, `start <= end < size`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** The byte range a spec selects in a file of `size` bytes, or undefined when unsatisfiable. */
export function resolveSpec(spec: RangeSpec, size: number): ByteRange | undefined {
  if (size <= 0) return undefined;
  if (spec.kind === 'suffix') {
    if (spec.length === 0) return undefined;
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.start >= size) return undefined;
  return { start: spec.start, end: spec.end === undefined ? size - 1 : Math.min(spec.end, size - 1) };
}

/** What to answer to a request for a file of `size` bytes. */
export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly range: ByteRange }
  | { readonly kind: 'unsatisfiable'; readonly reason: RangeParseError | 'RANGE_UNSATISFIABLE' };

/** Decides 200 / 206 / 416 from the raw header value (undefined when absent). */
export function decideRange(
  header: string | undefined,
  size: number,
  caps: RangeCaps = DEFAULT_RANGE_CAPS,
): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const parsed = parseRangeHeader(header, caps);
  if (!parsed.ok) return { kind: 'unsatisfiable', reason: parsed.code };
  for (const spec of parsed.specs) {
    const range = resolveSpec(spec, size);
    if (range !== undefined) return { kind: 'partial', range };
  }
  return { kind: 'unsatisfiable', reason: 'RANGE_UNSATISFIABLE' };
}
