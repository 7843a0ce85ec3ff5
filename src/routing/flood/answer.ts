/**
 * Building our QueryHits. Wire facts (reference §4.6): the hit's GUID is the Query's;
 * TTL ≥ the query's hops (we use hops + 2, capped by maxTtl), hops 0; many results are
 * split over several hits, each repeating the EQHD trailer and servent ID, so that every
 * hit stays small enough for all servents to route (≥ 2 KB is routed everywhere).
 */
import type { QueryHit, QueryHitFlags, QueryHitResult } from '../../protocol/messages.js';
import type { SharedFileInfo } from '../types.js';

/** Who we are, as printed in every hit of one answer. */
export interface HitSelf {
  readonly ip: string;
  readonly port: number;
  readonly speed: number;
  readonly vendor: string;
  readonly flags: QueryHitFlags;
  readonly serventId: Buffer;
}

export interface HitSplit {
  readonly maxResultsPerHit: number;
  readonly maxHitBytes: number;
}

/** count(1) port(2) ip(4) speed(4) + vendor(4) open-size(1) flags(2) + servent ID(16) */
const HIT_OVERHEAD = 11 + 7 + 16;
/** index(4) size(4) name NUL ext NUL */
const RESULT_OVERHEAD = 10;
/** a QueryHit's result count is one byte */
const MAX_RESULTS_ON_WIRE = 255;

function resultBytes(f: SharedFileInfo): number {
  return RESULT_OVERHEAD + Buffer.byteLength(f.name, 'utf8') + (f.urn === undefined ? 0 : f.urn.length);
}

function toResult(f: SharedFileInfo): QueryHitResult {
  return { index: f.index, size: f.size, name: f.name, urns: f.urn === undefined ? [] : [f.urn] };
}

/** The QueryHits answering one Query with `files` (never empty when files is not). */
export function buildHits(
  guid: Buffer,
  ttl: number,
  files: readonly SharedFileInfo[],
  self: HitSelf,
  split: HitSplit,
): QueryHit[] {
  const perHit = Math.max(1, Math.min(MAX_RESULTS_ON_WIRE, split.maxResultsPerHit));
  const hits: QueryHit[] = [];
  let results: QueryHitResult[] = [];
  let bytes = HIT_OVERHEAD;
  const flush = (): void => {
    if (results.length === 0) return;
    hits.push({
      type: 'queryhit',
      guid,
      ttl,
      hops: 0,
      port: self.port,
      ip: self.ip,
      speed: self.speed,
      results,
      vendor: self.vendor,
      flags: self.flags,
      serventId: self.serventId,
    });
    results = [];
    bytes = HIT_OVERHEAD;
  };
  for (const f of files) {
    const n = resultBytes(f);
    if (results.length >= perHit || (results.length > 0 && bytes + n > split.maxHitBytes)) flush();
    results.push(toResult(f));
    bytes += n;
  }
  flush();
  return hits;
}
