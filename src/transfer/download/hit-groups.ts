/**
 * Choosing what to download from a set of search hits: hits naming the same urn:sha1 are
 * one file with several sources. The best file is the one with the most distinct holders,
 * then the highest advertised speed, then the most hits; hits without a urn are each a
 * file of their own (one holder).
 */
import type { SearchHit } from '../../routing/types.js';
import { normaliseSha1Urn } from '../../share/base32.js';
import { sourceFromHit, sourceKey } from './source-parse.js';
import type { DownloadSource } from './types.js';

export interface HitGroup {
  /** undefined for a hit without a urn */
  readonly urn: string | undefined;
  /** name of the first hit */
  readonly name: string;
  readonly size: number;
  readonly hits: SearchHit[];
  /** one source per distinct holder */
  readonly sources: DownloadSource[];
  readonly bestSpeed: number;
}

export function groupHits(hits: readonly SearchHit[]): HitGroup[] {
  const groups = new Map<
    string,
    { urn: string | undefined; hits: SearchHit[]; sources: Map<string, DownloadSource> }
  >();
  for (const h of hits) {
    const urn = h.file.urn !== undefined ? normaliseSha1Urn(h.file.urn) : undefined;
    const id = urn ?? `${h.holder.serventId}/${h.holder.ip}:${h.holder.port}/${h.file.index}`;
    let g = groups.get(id);
    if (g === undefined) {
      g = { urn, hits: [], sources: new Map() };
      groups.set(id, g);
    }
    g.hits.push(h);
    const s = sourceFromHit(h);
    const key = sourceKey(s);
    if (!g.sources.has(key)) g.sources.set(key, s);
  }
  return [...groups.values()].map((g) => {
    const first = g.hits[0] as SearchHit;
    return {
      urn: g.urn,
      name: first.file.name,
      size: first.file.size,
      hits: g.hits,
      sources: [...g.sources.values()],
      bestSpeed: Math.max(0, ...g.hits.map((h) => h.speed ?? 0)),
    };
  });
}

/** The group to download, or undefined for no hits. Ties keep the order hits arrived in. */
export function bestHitGroup(hits: readonly SearchHit[]): HitGroup | undefined {
  let best: HitGroup | undefined;
  for (const g of groupHits(hits)) {
    if (
      best === undefined ||
      g.sources.length > best.sources.length ||
      (g.sources.length === best.sources.length && g.bestSpeed > best.bestSpeed) ||
      (g.sources.length === best.sources.length &&
        g.bestSpeed === best.bestSpeed &&
        g.hits.length > best.hits.length)
    ) {
      best = g;
    }
  }
  return best;
}
