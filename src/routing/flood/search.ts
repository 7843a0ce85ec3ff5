/**
 * Searches we originate, and the Pushes we send for their hits.
 *
 * A search is one Query with a fresh GUID sent to every link, remembered as seen with
 * route LOCAL so that copies coming back are dropped and QueryHits for it end here. It
 * ends after `searchTimeoutMs` ('timeout'), after maxHits ('limit'), on stop()
 * ('aborted'), or silently on cancel(). Ending turns its route DEAD: hits still in flight
 * are dropped by the first router that sees them (here), never delivered.
 */
import type { TimerHandle } from '../../core/clock.js';
import { keywords } from '../../core/keywords.js';
import { toHex, fromHex } from '../../core/bytes.js';
import type { Push, Query, QueryHit } from '../../protocol/messages.js';
import { canonicalSha1Urn, newGuid, PayloadType, queryFlagsToMinSpeed } from '../../protocol/index.js';
import { guidTypeKey, idKey } from '../seen-cache.js';
import type { SearchHandle, SearchHit, SearchRequest, SearchSink } from '../types.js';
import type { FloodRouterImpl } from './flood-router.js';
import { FLOOD_DEFAULTS } from './init.js';
import { LOCAL } from './routes.js';

/** Rough heap bytes of a running search (object, timer, Map entry), without its hit set. */
export const ACTIVE_SEARCH_BYTES = 300;

/** The index query: "list all your files" (wire §4.5), only meaningful with TTL 1. */
const INDEX_QUERY = '    ';
/** LimeWire's criteria for a query by URN only. */
const URN_QUERY_TEXT = '\\';

export class ActiveSearch implements SearchHandle {
  done = false;
  delivered = 0;
  timer: TimerHandle | undefined;
  /** holder + file index of the hits delivered so far, allocated on the first hit */
  seenHits: Set<string> | undefined;

  constructor(
    private readonly router: FloodRouterImpl,
    readonly key: string,
    readonly sink: SearchSink,
    readonly maxHits: number,
  ) {}

  cancel(): void {
    this.router.finishSearch(this, undefined);
  }
}

const ENDED: SearchHandle = { cancel: () => {} };

export function startFloodSearch(r: FloodRouterImpl, q: SearchRequest, sink: SearchSink): SearchHandle {
  const urn = q.urn === undefined ? undefined : canonicalSha1Urn(q.urn);
  const indexQuery = q.text === INDEX_QUERY;
  if (
    !r.running ||
    (q.urn !== undefined && urn === undefined) ||
    (urn === undefined && !indexQuery && keywords(q.text).length === 0) ||
    (r.searches?.size ?? 0) >= (r.init.maxActiveSearches ?? FLOOD_DEFAULTS.maxActiveSearches)
  ) {
    sink.end('failed');
    return ENDED;
  }
  const ttl = indexQuery
    ? 1
    : Math.max(1, Math.min(r.maxTtl, q.ttl ?? r.init.defaultTtl ?? FLOOD_DEFAULTS.defaultTtl));
  const query: Query = {
    type: 'query',
    guid: newGuid(r.components.rng),
    ttl,
    hops: 0,
    // flag word (read big-endian by everyone): marker + "understands GGEP H" + our firewall bit
    minSpeed: queryFlagsToMinSpeed({ ggepH: true, firewalled: r.firewalled() }),
    search: urn !== undefined && q.text.trim() === '' ? URN_QUERY_TEXT : q.text,
    urns: urn === undefined ? [] : [urn],
  };
  const key = guidTypeKey(query.guid, PayloadType.QUERY);
  r.seenCache().add(key, LOCAL);
  const cap = r.init.maxHitsPerSearch ?? FLOOD_DEFAULTS.maxHitsPerSearch;
  const s = new ActiveSearch(r, key, sink, Math.max(1, Math.min(cap, q.maxHits ?? cap)));
  (r.searches ??= new Map()).set(key, s);
  s.timer = r.components.clock.setTimeout(
    () => r.finishSearch(s, 'timeout'),
    r.init.searchTimeoutMs ?? FLOOD_DEFAULTS.searchTimeoutMs,
  );
  r.c.searchesStarted++;
  r.broadcast(undefined, query);
  return s;
}

/** Turns the results of a QueryHit for our search `key` into SearchHits, once each. */
export function deliverHits(r: FloodRouterImpl, key: string, msg: QueryHit): void {
  const s = r.searches?.get(key);
  if (s === undefined || s.done) {
    r.c.droppedSearchClosed++;
    return;
  }
  r.c.hitsReceived++;
  const holder = {
    ip: msg.ip,
    port: msg.port,
    serventId: toHex(msg.serventId),
    needsPush: msg.flags?.push === true,
  };
  // the hit travelled hops + 1 links: that is the holder's overlay distance
  const hops = msg.hops + 1;
  for (const res of msg.results) {
    const dup = `${holder.serventId}:${holder.ip}:${holder.port}:${res.index}`;
    const seen = (s.seenHits ??= new Set());
    if (seen.has(dup)) {
      r.c.duplicateHits++;
      continue;
    }
    seen.add(dup);
    let urn: string | undefined;
    for (const u of res.urns) if ((urn = canonicalSha1Urn(u)) !== undefined) break;
    const hit: SearchHit = {
      holder,
      file: { index: res.index, name: res.name, size: res.size, urn },
      hops,
      speed: msg.speed,
      ...(msg.vendor === null ? {} : { vendor: msg.vendor }),
      backend: 'flood',
    };
    s.delivered++;
    r.c.hitsDelivered++;
    s.sink.hit(hit);
    if (s.done) return; // the sink cancelled from its callback
    if (s.delivered >= s.maxHits) {
      r.finishSearch(s, 'limit');
      return;
    }
  }
}

/** Sends a Push toward the holder of `hit`, along the link its hits came in on (wire §7.4). */
export function originatePush(
  r: FloodRouterImpl,
  hit: SearchHit,
  requester: { readonly ip: string; readonly port: number },
): boolean {
  if (!r.running) return false;
  const sid = fromHex(hit.holder.serventId, 16);
  if (sid === undefined) return false;
  const link = r.linkFor(r.pushRoutes?.get(idKey(sid)));
  if (link === undefined) return false;
  // the holder is hit.hops links away; one more TTL than needed, within our cap
  const ttl = Math.max(1, Math.min(r.maxTtl, hit.hops + 1));
  const push: Push = {
    type: 'push',
    guid: newGuid(r.components.rng),
    ttl: Math.max(ttl, Math.min(hit.hops, 15)),
    hops: 0,
    serventId: sid,
    index: hit.file.index,
    ip: requester.ip,
    port: requester.port,
  };
  r.seenCache().add(guidTypeKey(push.guid, PayloadType.PUSH), LOCAL);
  return r.send(link.info.id, push);
}
