/**
 * The Query's 16-bit min-speed/flags word. Modern servents send flags meant to be read
 * big-endian (bit 15 marks a flag word); Shareaza wrote them little-endian for years, so a
 * word whose LE reading has bits 15, 12 and 11 set is accepted as LE flags (wire reference
 * fact 2). Anything else is a legacy 0.4 minimum speed in kb/s, which nobody honours.
 */
import {
  QUERY_FLAG_FIREWALLED,
  QUERY_FLAG_FW_TO_FW,
  QUERY_FLAG_GGEP_H,
  QUERY_FLAG_LEAF_GUIDED,
  QUERY_FLAG_MARKER,
  QUERY_FLAG_MAX_HITS_MASK,
  QUERY_FLAG_OOB,
  QUERY_FLAG_SEMI_RELIABLE_UDP,
  QUERY_FLAG_XML,
} from './constants.js';

export interface QueryFlags {
  /** how the word was read: `be` flags, `le` flags (Shareaza fallback), or a legacy `speed` */
  readonly form: 'be' | 'le' | 'speed';
  /** the flag word as interpreted (0 for a legacy speed) */
  readonly word: number;
  readonly firewalled: boolean;
  readonly wantsXml: boolean;
  readonly leafGuided: boolean;
  readonly ggepH: boolean;
  readonly outOfBand: boolean;
  readonly firewallToFirewall: boolean;
  readonly semiReliableUdp: boolean;
  /** 0 = no limit */
  readonly maxHits: number;
  /** legacy minimum speed in kb/s (0 unless `form` is `speed`) */
  readonly minSpeed: number;
}

const LE_FALLBACK_MASK = QUERY_FLAG_MARKER | QUERY_FLAG_LEAF_GUIDED | QUERY_FLAG_GGEP_H;

function swap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

/** Interprets `Query.minSpeed` (the raw LE reading of the two wire bytes). */
export function queryFlags(minSpeed: number): QueryFlags {
  const le = minSpeed & 0xffff;
  const be = swap16(le);
  let form: QueryFlags['form'];
  let word: number;
  if ((be & QUERY_FLAG_MARKER) !== 0) {
    form = 'be';
    word = be;
  } else if ((le & LE_FALLBACK_MASK) === LE_FALLBACK_MASK) {
    form = 'le';
    word = le;
  } else {
    form = 'speed';
    word = 0;
  }
  return {
    form,
    word,
    firewalled: (word & QUERY_FLAG_FIREWALLED) !== 0,
    wantsXml: (word & QUERY_FLAG_XML) !== 0,
    leafGuided: (word & QUERY_FLAG_LEAF_GUIDED) !== 0,
    ggepH: (word & QUERY_FLAG_GGEP_H) !== 0,
    outOfBand: (word & QUERY_FLAG_OOB) !== 0,
    firewallToFirewall: (word & QUERY_FLAG_FW_TO_FW) !== 0,
    semiReliableUdp: (word & QUERY_FLAG_SEMI_RELIABLE_UDP) !== 0,
    maxHits: word & QUERY_FLAG_MAX_HITS_MASK,
    minSpeed: form === 'speed' ? le : 0,
  };
}

export interface QueryFlagsInput {
  readonly firewalled?: boolean;
  readonly wantsXml?: boolean;
  readonly leafGuided?: boolean;
  readonly ggepH?: boolean;
  readonly outOfBand?: boolean;
  readonly firewallToFirewall?: boolean;
  readonly semiReliableUdp?: boolean;
  readonly maxHits?: number;
}

/**
 * The `minSpeed` value to put in a Query so the wire shows these flags big-endian
 * (e.g. marker + GGEP H = wire `88 00` = minSpeed 0x0088).
 */
export function queryFlagsToMinSpeed(f: QueryFlagsInput): number {
  const word =
    QUERY_FLAG_MARKER |
    (f.firewalled === true ? QUERY_FLAG_FIREWALLED : 0) |
    (f.wantsXml === true ? QUERY_FLAG_XML : 0) |
    (f.leafGuided === true ? QUERY_FLAG_LEAF_GUIDED : 0) |
    (f.ggepH === true ? QUERY_FLAG_GGEP_H : 0) |
    (f.outOfBand === true ? QUERY_FLAG_OOB : 0) |
    (f.firewallToFirewall === true ? QUERY_FLAG_FW_TO_FW : 0) |
    (f.semiReliableUdp === true ? QUERY_FLAG_SEMI_RELIABLE_UDP : 0) |
    ((f.maxHits ?? 0) & QUERY_FLAG_MAX_HITS_MASK);
  return swap16(word);
}
