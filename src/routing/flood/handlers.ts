/**
 * One handler per descriptor type (wire §7.2 receive pipeline):
 *   1. TTL sanity (drop TTL 0 and TTL > 15; cap TTL + hops at maxTtl for broadcasts);
 *   2. Ping/Query/Push: drop duplicates by (GUID, type), else remember where it came from;
 *   3. deliver locally (answer a Ping or Query, act on a Push for us, hits of our searches);
 *   4. forward with TTL − 1 and hops + 1, only when the new TTL is above 0, never as a leaf.
 * Replies (Pong, QueryHit) are never deduplicated by GUID (fact 3): they follow the
 * reverse route of their request, and are dropped when there is none.
 */
import type { Link } from './link.js';
import type { Ping, Pong, Push, Query, QueryHit } from '../../protocol/messages.js';
import { PayloadType, queryFlags } from '../../protocol/index.js';
import { guidTypeKey, idKey } from '../seen-cache.js';
import { buildHits } from './answer.js';
import type { FloodRouterImpl } from './flood-router.js';
import { FLOOD_DEFAULTS } from './init.js';
import { DEAD, LOCAL, type Route } from './routes.js';
import { deliverHits } from './search.js';

/** The search text of an index query ("list all your files"), valid with TTL 1, hops 0. */
const INDEX_QUERY = '    ';

/** TTL of a reply to a request that arrived with `hops`: hops + 2 (wire §7.5), capped. */
function replyTtl(r: FloodRouterImpl, hops: number): number {
  return Math.max(1, Math.min(r.maxTtl, hops + 2));
}

/** Ultrapeers mark their Pong's KB count as a power of 2 ≥ 8, others make sure it is not one. */
export function markedKbytes(kb: number, ultrapeer: boolean): number {
  const isPow2 = kb >= 8 && (kb & (kb - 1)) === 0;
  if (!ultrapeer) return isPow2 ? kb + 1 : kb;
  if (isPow2) return kb;
  let p = 8;
  while (p < kb && p < 0x40000000) p *= 2;
  return p;
}

export function handlePing(r: FloodRouterImpl, link: Link, msg: Ping): void {
  const ttl = r.admitBroadcast(msg);
  if (ttl < 0) return;
  if (!r.seenCache().add(guidTypeKey(msg.guid, PayloadType.PING), link.info.id)) {
    r.c.duplicates++;
    return;
  }
  if (msg.ttl <= 1) {
    // an alive ping (wire §4.1, §7.6) must always get one pong about ourselves, whatever
    // the rate: gtk-gnutella drops a peer after 6 unanswered ones (Bye 406). One ping, one
    // pong: no amplification, so no rate limit is needed here.
    sendOwnPong(r, link, msg);
    return;
  }
  const now = r.components.clock.now();
  if (now - link.lastPingAt < (r.init.pingMinIntervalMs ?? FLOOD_DEFAULTS.pingMinIntervalMs)) {
    r.c.droppedPingRate++;
    return;
  }
  link.lastPingAt = now;
  answerPing(r, link, msg);
  if (ttl <= 1 || !(r.init.floodPings ?? FLOOD_DEFAULTS.floodPings)) return;
  if (r.leafMode) {
    r.c.notRelayedLeaf++;
    return;
  }
  r.broadcast(link.info.id, { ...msg, ttl: ttl - 1, hops: msg.hops + 1 });
}

/** One Pong about ourselves, answering `ping`. */
function sendOwnPong(r: FloodRouterImpl, link: Link, ping: Ping): void {
  const ttl = replyTtl(r, ping.hops);
  const self = r.init.advertised();
  const files = r.index?.size ?? 0;
  const bytes = r.index?.totalBytes ?? 0;
  const own: Pong = {
    type: 'pong',
    guid: ping.guid,
    ttl,
    hops: 0,
    port: self.port,
    ip: self.ip,
    files,
    kbytes: markedKbytes(Math.min(0xffffffff, Math.floor(bytes / 1024)), !r.leafMode),
  };
  if (r.send(link.info.id, own)) r.c.pingsAnswered++;
}

/** Our own Pong, then cached Pongs learned from other links, round-robin (wire §7.6). */
function answerPing(r: FloodRouterImpl, link: Link, ping: Ping): void {
  sendOwnPong(r, link, ping);
  const ttl = replyTtl(r, ping.hops);
  const want = r.init.pongsPerAnswer ?? FLOOD_DEFAULTS.pongsPerAnswer;
  if (want <= 0 || r.links === undefined) return;
  let sent = 0;
  for (let k = 0; sent < want; k++) {
    let any = false;
    for (const other of r.links.values()) {
      if (other === link) continue;
      const p = other.pongAt(k);
      if (p === undefined) continue;
      any = true;
      r.send(link.info.id, { ...p, type: 'pong', guid: ping.guid, ttl, hops: Math.min(255, p.hops + 1) });
      if (++sent >= want) break;
    }
    if (!any) break;
  }
}

export function handlePong(r: FloodRouterImpl, link: Link, msg: Pong): void {
  if (!r.admitRouted(msg)) return;
  const route = r.seen?.get(guidTypeKey(msg.guid, PayloadType.PING));
  if (route === undefined || route === DEAD) {
    r.c.droppedNoRoute++;
    return;
  }
  if (msg.port !== 0 && msg.ip !== '0.0.0.0') r.init.onHost?.(msg.ip, msg.port);
  if (route === LOCAL) {
    link.cachePong(msg, r.init.pongsPerLink ?? FLOOD_DEFAULTS.pongsPerLink);
    r.c.pongsCached++;
    return;
  }
  relayReply(r, route, msg);
  r.c.pongsRouted++;
}

/** Forwards a reply one step back along its reverse route. */
function relayReply(r: FloodRouterImpl, route: Route, msg: Pong | QueryHit): boolean {
  if (r.leafMode) {
    r.c.notRelayedLeaf++;
    return false;
  }
  const target = r.linkFor(route);
  if (target === undefined) {
    r.c.droppedNoRoute++;
    return false;
  }
  if (msg.ttl <= 1) {
    r.c.droppedTtl++;
    return false;
  }
  return r.send(target.info.id, { ...msg, ttl: msg.ttl - 1, hops: msg.hops + 1 });
}

export function handleQuery(r: FloodRouterImpl, link: Link, msg: Query): void {
  const ttl = r.admitBroadcast(msg);
  if (ttl < 0) return;
  if (!r.seenCache().add(guidTypeKey(msg.guid, PayloadType.QUERY), link.info.id)) {
    r.c.duplicates++;
    return;
  }
  r.c.queriesHandled++;
  answerQuery(r, link, msg);
  if (ttl <= 1) return;
  if (r.leafMode) {
    r.c.notRelayedLeaf++;
    return;
  }
  if (r.broadcast(link.info.id, { ...msg, ttl: ttl - 1, hops: msg.hops + 1 }) > 0) r.c.queriesForwarded++;
}

function answerQuery(r: FloodRouterImpl, link: Link, q: Query): void {
  const index = r.index;
  if (index === undefined || index.size === 0) return;
  const firewalled = r.firewalled();
  // a firewalled querier cannot reach a firewalled holder: Push → GIV needs one open side
  if (firewalled && queryFlags(q.minSpeed).firewalled) {
    r.c.skippedFirewalled++;
    return;
  }
  const all = q.search === INDEX_QUERY && q.ttl === 1 && q.hops === 0;
  const files = index.match(
    q.search,
    q.urns,
    all,
    r.init.maxResultsPerQuery ?? FLOOD_DEFAULTS.maxResultsPerQuery,
  );
  if (files.length === 0) return;
  const self = r.init.advertised();
  const busy = r.init.busy?.() === true;
  const hits = buildHits(
    q.guid,
    replyTtl(r, q.hops),
    files,
    {
      ip: self.ip,
      port: self.port,
      speed: r.init.speedKbps ?? FLOOD_DEFAULTS.speedKbps,
      vendor: r.init.vendor ?? FLOOD_DEFAULTS.vendor,
      flags: { push: firewalled, busy },
      serventId: r.serventIdBuffer,
    },
    {
      maxResultsPerHit: r.init.maxResultsPerHit ?? FLOOD_DEFAULTS.maxResultsPerHit,
      maxHitBytes: r.init.maxHitBytes ?? FLOOD_DEFAULTS.maxHitBytes,
    },
  );
  let sent = 0;
  for (const h of hits) if (r.send(link.info.id, h)) sent++;
  if (sent === 0) return;
  r.c.queriesAnswered++;
  r.c.hitsSent += sent;
  r.c.resultsSent += files.length;
}

export function handleQueryHit(r: FloodRouterImpl, link: Link, msg: QueryHit): void {
  if (!r.admitRouted(msg)) return;
  const key = guidTypeKey(msg.guid, PayloadType.QUERY);
  const route = r.seen?.get(key);
  if (route === undefined) {
    r.c.droppedNoRoute++;
    return;
  }
  // remember where this servent's hits come from, so a Push can find it (wire §7.4)
  const sid = idKey(msg.serventId);
  if (sid !== r.ownKey && msg.serventId.length === 16) {
    const table = r.pushRouteTable();
    if (!table.add(sid, link.info.id)) table.update(sid, link.info.id);
  }
  if (route === LOCAL) {
    deliverHits(r, key, msg);
    return;
  }
  if (route === DEAD) {
    r.c.droppedSearchClosed++;
    return;
  }
  if (relayReply(r, route, msg)) r.c.hitsRouted++;
}

export function handlePush(r: FloodRouterImpl, link: Link, msg: Push): void {
  if (!r.admitRouted(msg)) return;
  if (!r.seenCache().add(guidTypeKey(msg.guid, PayloadType.PUSH), link.info.id)) {
    r.c.duplicates++;
    return;
  }
  const sid = idKey(msg.serventId);
  if (sid === r.ownKey) {
    r.c.pushesReceived++;
    r.init.onPush?.(msg, link.info.id);
    return;
  }
  if (r.leafMode) {
    r.c.notRelayedLeaf++;
    return;
  }
  const target = r.linkFor(r.pushRoutes?.get(sid));
  if (target === undefined) {
    r.c.droppedPushNoRoute++;
    return;
  }
  if (msg.ttl <= 1) {
    r.c.droppedTtl++;
    return;
  }
  if (r.send(target.info.id, { ...msg, ttl: msg.ttl - 1, hops: msg.hops + 1 })) r.c.pushesRouted++;
}
