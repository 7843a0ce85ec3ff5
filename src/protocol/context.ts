/**
 * Per-descriptor decoding state shared by the payload decoders: the caps, the GGEP inflate
 * budget (shared by every GGEP area of one descriptor), and the envelope from the header.
 */
import { isUtf8 } from 'node:buffer';
import type { CodecLimits } from './limits.js';
import type { InflateBudget } from './ggep.js';

export interface DecodeContext extends InflateBudget {
  readonly limits: CodecLimits;
  readonly guid: Buffer;
  readonly ttl: number;
  readonly hops: number;
}

/**
 * True when `buf[start..end)` is valid UTF-8. Wire strings are mostly ASCII, so a short
 * ASCII scan answers first; anything else goes to the native validator.
 */
export function isUtf8Range(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && (buf[i] as number) < 0x80) i++;
  return i === end || isUtf8(buf.subarray(i, end));
}

/**
 * Strings decode leniently: valid UTF-8 as UTF-8, anything else as Latin-1 (one char per
 * byte, so nothing is replaced by U+FFFD and the caller keeps the raw bytes).
 */
export function decodeText(buf: Buffer, start: number, end: number, utf8: boolean): string {
  return buf.toString(utf8 ? 'utf8' : 'latin1', start, end);
}

/** Whether `raw` is still the wire form of `text` (the encoder then writes `raw` back). */
export function rawMatches(raw: Buffer | undefined, text: string): raw is Buffer {
  return raw !== undefined && raw.toString('latin1') === text;
}
