/**
 * Per-descriptor decoding state: a cursor over the payload plus what every payload decoder
 * needs — the caps, the GGEP inflate budget (shared by all GGEP areas of one descriptor)
 * and the envelope from the header. One object per decoded descriptor.
 */
import { isUtf8 } from 'node:buffer';
import type { CodecLimits } from './limits.js';
import { WireReader } from './reader.js';

export class DecodeContext extends WireReader {
  readonly limits: CodecLimits;
  /** bytes compressed GGEP data of this descriptor may still inflate to */
  inflateLeft: number;
  readonly guid: Buffer;
  readonly ttl: number;
  readonly hops: number;

  constructor(
    frame: Buffer,
    payloadStart: number,
    limits: CodecLimits,
    guid: Buffer,
    ttl: number,
    hops: number,
  ) {
    super(frame, payloadStart, frame.length);
    this.limits = limits;
    this.inflateLeft = limits.maxGgepInflatedBytes;
    this.guid = guid;
    this.ttl = ttl;
    this.hops = hops;
  }
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
