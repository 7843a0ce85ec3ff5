/**
 * Caps on everything a peer announces. Defaults follow deployed servents (gtk-gnutella,
 * LimeWire); docs/LIMITS.md gives the reason for each and the test that proves it.
 */
import { PayloadType } from './messages.js';

export interface CodecLimits {
  /** Ping payload (only a GGEP block is legal; gtk/LimeWire send a few bytes of SCP) */
  readonly maxPingPayload: number;
  /** Query payload; gtk-gnutella kicks peers sending more than 1 KiB */
  readonly maxQueryPayload: number;
  /** QueryHit payload; the deployed network's hard limit is 64 KiB */
  readonly maxQueryHitPayload: number;
  /** every other type (pong, bye, push, QRP, vendor, unknown); gtk: 40 KiB */
  readonly maxOtherPayload: number;
  /** results walked in one QueryHit (the count byte allows 255) */
  readonly maxResults: number;
  /** bytes of one QueryHit result file name */
  readonly maxNameBytes: number;
  /** bytes of a Query search string */
  readonly maxSearchBytes: number;
  /** URNs collected per Query or per QueryHit result */
  readonly maxUrns: number;
  /** GGEP extensions in one GGEP area (consecutive blocks count together) */
  readonly maxGgepExtensions: number;
  /** total bytes one descriptor's compressed GGEP data may inflate to (zip bombs) */
  readonly maxGgepInflatedBytes: number;
  /** QRP table slots a RESET may ask for (gtk accepts up to 2^21) */
  readonly maxQrpTableSlots: number;
  /** compressed bytes of one QRP PATCH sequence buffered before it is applied */
  readonly maxQrpPatchBytes: number;
}

export const DEFAULT_CODEC_LIMITS: CodecLimits = Object.freeze({
  maxPingPayload: 4096,
  maxQueryPayload: 1024,
  maxQueryHitPayload: 65536,
  maxOtherPayload: 40960,
  maxResults: 255,
  maxNameBytes: 1024,
  maxSearchBytes: 512,
  maxUrns: 16,
  maxGgepExtensions: 32,
  maxGgepInflatedBytes: 65536,
  maxQrpTableSlots: 1 << 21,
  maxQrpPatchBytes: 1 << 21,
});

export function resolveLimits(limits?: Partial<CodecLimits>): CodecLimits {
  if (limits === undefined) return DEFAULT_CODEC_LIMITS;
  return { ...DEFAULT_CODEC_LIMITS, ...limits };
}

/** The payload cap that applies to a payload type. */
export function maxPayloadFor(payloadType: number, limits: CodecLimits): number {
  switch (payloadType) {
    case PayloadType.PING:
      return limits.maxPingPayload;
    case PayloadType.QUERY:
      return limits.maxQueryPayload;
    case PayloadType.QUERYHIT:
      return limits.maxQueryHitPayload;
    default:
      return limits.maxOtherPayload;
  }
}

/**
 * Smallest payload each type can have (format facts, not options): below these the fixed
 * part does not fit. QueryHit = 11 fixed + 16 servent ID; Query = flags word + NUL.
 */
export function minPayloadFor(payloadType: number): number {
  switch (payloadType) {
    case PayloadType.PONG:
      return 14;
    case PayloadType.BYE:
      return 2;
    case PayloadType.PUSH:
      return 26;
    case PayloadType.QUERY:
      return 3;
    case PayloadType.QUERYHIT:
      return 27;
    case PayloadType.QRP:
      return 1;
    case PayloadType.VENDOR:
    case PayloadType.VENDOR_STD:
      return 8;
    default:
      return 0;
  }
}
