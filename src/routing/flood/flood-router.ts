/**
 * The Gnutella flooding back-end, sans-IO: it talks to neighbours only through the
 * injected link transport and keeps time only through the injected clock. The same code
 * serves a live servent and each of the simulator's virtual nodes, so per-node state is
 * allocated lazily (the seen-cache on the first broadcast, the push table on the first
 * hit, the index on the first publish) and configuration is read from `init` with shared
 * defaults rather than copied.
 *
 * Message handling lives in handlers.ts (one function per descriptor type) and searches
 * in search.ts; this file holds the state, the lifecycle and the send path.
 */
import { every } from '../../core/clock.js';
import { assertNever } from '../../core/errors.js';
import type { Message, Ping } from '../../protocol/messages.js';
import {
  buildQrpTable,
  encodedLength,
  newGuid,
  PayloadType,
  qrpUpdateMessages,
} from '../../protocol/index.js';
import { guidTypeKey, idKey, SeenCache } from '../seen-cache.js';
import { searchIterable } from '../search-iterable.js';
import type {
  PeerId,
  PeerInfo,
  RouterComponents,
  RouterStats,
  SearchHandle,
  SearchHit,
  SearchRequest,
  SearchSink,
  SharedFileInfo,
  TransportHandler,
} from '../types.js';
import { FloodCounters } from './counters.js';
import { handlePing, handlePong, handlePush, handleQuery, handleQueryHit } from './handlers.js';
import { FLOOD_DEFAULTS, HARD_TTL_LIMIT, type FloodInit, type FloodRouter } from './init.js';
import { CACHED_PONG_BYTES, Link, LINK_BYTES } from './link.js';
import { LocalIndex } from './local-index.js';
import { DEAD, LOCAL, type Route } from './routes.js';
import type { ActiveSearch } from './search.js';
import { ACTIVE_SEARCH_BYTES, originatePush, startFloodSearch } from './search.js';

/** Heap bytes of an idle router and its counters: measured 512 (Node 20, x64; docs/LIMITS.md). */
const ROUTER_BASE_BYTES = 520;

class FloodRouterImpl implements FloodRouter, TransportHandler<Message> {
  readonly kind = 'flood' as const;
  running = false;
  readonly c = new FloodCounters();
  /** open links, in the order they came up (iteration order = send order: deterministic) */
  links: Map<PeerId, Link> | undefined;
  /** links on which we are the leaf; while > 0 we relay nothing */
  leafLinks = 0;
  /** (GUID, type) of Pings/Queries/Pushes seen → where replies go */
  seen: SeenCache<Route> | undefined;
  /** servent ID (latin1 key) → link the QueryHits of that servent came from */
  pushRoutes: SeenCache<PeerId> | undefined;
  index: LocalIndex | undefined;
  searches: Map<string, ActiveSearch> | undefined;
  private qrp: Message[] | undefined;
  private stopPinging: (() => void) | undefined;
  private selfKey: string | undefined;
  private selfId: Buffer | undefined;

  constructor(
    readonly components: RouterComponents<Message>,
    readonly init: FloodInit,
  ) {
    if (init.serventId.length !== 16) throw new RangeError('serventId must be 16 bytes');
    components.transport.setHandler(this);
  }

  // ---- configuration, read through shared defaults -------------------------------------

  get maxTtl(): number {
    return Math.min(HARD_TTL_LIMIT, this.init.maxTtl ?? FLOOD_DEFAULTS.maxTtl);
  }

  get leafMode(): boolean {
    return this.leafLinks > 0 || this.init.role === 'leaf';
  }

  firewalled(): boolean {
    return this.init.firewalled?.() === true;
  }

  /** The latin1 key of our own servent ID. */
  get ownKey(): string {
    return (this.selfKey ??= idKey(this.init.serventId));
  }

  /** Our servent ID as the Buffer a QueryHit carries (shared by all our hits). */
  get serventIdBuffer(): Buffer {
    return (this.selfId ??= Buffer.from(this.init.serventId));
  }

  // ---- lifecycle ------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const interval = this.init.pingIntervalMs ?? FLOOD_DEFAULTS.pingIntervalMs;
    if (interval > 0) this.stopPinging = every(this.components.clock, interval, () => void this.ping());
    if (this.links !== undefined)
      for (const link of this.links.values()) if (link.weAreLeaf) this.sendQrp(link);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopPinging?.();
    this.stopPinging = undefined;
    if (this.searches !== undefined) {
      for (const s of [...this.searches.values()]) this.finishSearch(s, 'aborted');
    }
    this.searches = undefined;
    this.seen = undefined;
    this.pushRoutes = undefined;
  }

  // ---- the transport's events ------------------------------------------------------------

  peerUp(info: PeerInfo): void {
    const links = (this.links ??= new Map());
    const old = links.get(info.id);
    if (old?.weAreLeaf === true) this.leafLinks--;
    const link = new Link(info);
    links.set(info.id, link);
    if (link.weAreLeaf) {
      this.leafLinks++;
      if (this.running) this.sendQrp(link);
    }
  }

  peerDown(id: PeerId): void {
    const link = this.links?.get(id);
    if (link === undefined) return;
    this.links?.delete(id);
    if (this.links?.size === 0) this.links = undefined;
    if (link.weAreLeaf) this.leafLinks--;
  }

  message(from: PeerId, msg: Message): void {
    if (!this.running) return;
    const link = this.links?.get(from);
    if (link === undefined) {
      // not (or no longer) a link of ours: a late delivery after peerDown. Adopting it
      // would resurrect a closed link, so the message is dropped.
      this.c.droppedUnknownLink++;
      return;
    }
    this.c.messagesReceived++;
    this.c.bytesReceived += encodedLength(msg);
    switch (msg.type) {
      case 'ping':
        handlePing(this, link, msg);
        return;
      case 'pong':
        handlePong(this, link, msg);
        return;
      case 'query':
        handleQuery(this, link, msg);
        return;
      case 'queryhit':
        handleQueryHit(this, link, msg);
        return;
      case 'push':
        handlePush(this, link, msg);
        return;
      case 'bye':
      case 'qrp':
      case 'vendor':
      case 'unknown':
        this.c.ignored++;
        return;
      default:
        assertNever(msg, 'message type');
    }
  }

  // ---- state, allocated on first use ---------------------------------------------------

  seenCache(): SeenCache<Route> {
    return (this.seen ??= new SeenCache<Route>(this.components.clock, {
      maxEntries: this.init.seenMaxEntries ?? FLOOD_DEFAULTS.seenMaxEntries,
      maxAgeMs: this.init.seenMaxAgeMs ?? FLOOD_DEFAULTS.seenMaxAgeMs,
    }));
  }

  pushRouteTable(): SeenCache<PeerId> {
    return (this.pushRoutes ??= new SeenCache<PeerId>(this.components.clock, {
      maxEntries: this.init.pushRouteMaxEntries ?? FLOOD_DEFAULTS.pushRouteMaxEntries,
      maxAgeMs: this.init.pushRouteMaxAgeMs ?? FLOOD_DEFAULTS.pushRouteMaxAgeMs,
    }));
  }

  /** Live link for a route, or undefined when the route is LOCAL/DEAD or the link closed. */
  linkFor(route: Route | undefined): Link | undefined {
    return typeof route === 'string' ? this.links?.get(route) : undefined;
  }

  // ---- the send path ----------------------------------------------------------------------

  send(to: PeerId, msg: Message, len = encodedLength(msg)): boolean {
    if (!this.components.transport.send(to, msg)) {
      this.c.sendFailed++;
      return false;
    }
    this.c.messagesSent++;
    this.c.bytesSent += len;
    return true;
  }

  /** Sends `msg` to every open link except `except`; returns how many took it. */
  broadcast(except: PeerId | undefined, msg: Message): number {
    if (this.links === undefined) return 0;
    const len = encodedLength(msg);
    let n = 0;
    for (const id of this.links.keys()) if (id !== except && this.send(id, msg, len)) n++;
    return n;
  }

  /**
   * The TTL a Ping or Query is handled with, or -1 to drop it: TTL 0 and TTL above 15
   * are dropped, and TTL + hops is capped at maxTtl (wire §7.2, §7.5).
   */
  admitBroadcast(msg: { readonly ttl: number; readonly hops: number }): number {
    if (msg.ttl === 0 || msg.ttl > HARD_TTL_LIMIT) {
      this.c.droppedTtl++;
      return -1;
    }
    const max = this.maxTtl;
    if (msg.ttl + msg.hops <= max) return msg.ttl;
    const ttl = max - msg.hops;
    if (ttl <= 0) {
      this.c.droppedTtl++;
      return -1;
    }
    this.c.ttlLowered++;
    return ttl;
  }

  /**
   * Whether a routed message (Pong, QueryHit, Push) is accepted: only TTL above 15 is
   * dropped. A TTL 0 one is still delivered when it is for us (0.4 servents set a hit's
   * TTL to the query's hops); it is never relayed.
   */
  admitRouted(msg: { readonly ttl: number }): boolean {
    if (msg.ttl <= HARD_TTL_LIMIT) return true;
    this.c.droppedTtl++;
    return false;
  }

  // ---- publishing and QRP ---------------------------------------------------------------

  publish(files: readonly SharedFileInfo[]): void {
    const next = files.length === 0 ? undefined : new LocalIndex(files);
    const changed =
      next === undefined ? this.index !== undefined && this.index.size > 0 : !next.sameWords(this.index);
    this.index = next;
    if (!changed) return;
    this.qrp = undefined;
    if (this.running && this.leafLinks > 0 && this.links !== undefined) {
      for (const link of this.links.values()) if (link.weAreLeaf) this.sendQrp(link);
    }
  }

  /** RESET + 4-bit zlib PATCH fragments describing our keywords, to an ultrapeer of ours. */
  private sendQrp(link: Link): void {
    if (this.qrp === undefined) {
      const table = buildQrpTable(this.index?.words() ?? [], {
        tableBits: this.init.qrpTableBits ?? FLOOD_DEFAULTS.qrpTableBits,
      });
      this.qrp = qrpUpdateMessages(table, this.components.rng);
    }
    for (const m of this.qrp) if (this.send(link.info.id, m)) this.c.qrpSent++;
  }

  // ---- searching ---------------------------------------------------------------------------

  startSearch(q: SearchRequest, sink: SearchSink): SearchHandle {
    return startFloodSearch(this, q, sink);
  }

  search(q: SearchRequest, signal: AbortSignal): AsyncIterable<SearchHit> {
    return searchIterable(this, q, signal);
  }

  /** Ends a search: no more hits; its route becomes DEAD so late hits are dropped here. */
  finishSearch(s: ActiveSearch, reason: Parameters<SearchSink['end']>[0] | undefined): void {
    if (s.done) return;
    s.done = true;
    this.components.clock.clearTimeout(s.timer);
    s.timer = undefined;
    this.searches?.delete(s.key);
    if (this.searches?.size === 0) this.searches = undefined;
    this.seen?.update(s.key, DEAD);
    if (reason !== undefined) s.sink.end(reason);
  }

  sendPush(hit: SearchHit, requester: { readonly ip: string; readonly port: number }): boolean {
    return originatePush(this, hit, requester);
  }

  ping(): number {
    if (!this.running || this.links === undefined || this.links.size === 0) return 0;
    const ttl = Math.max(
      1,
      Math.min(this.maxTtl, this.init.pingTtl ?? this.init.defaultTtl ?? FLOOD_DEFAULTS.defaultTtl),
    );
    const msg: Ping = { type: 'ping', guid: newGuid(this.components.rng), ttl, hops: 0 };
    this.seenCache().add(guidTypeKey(msg.guid, PayloadType.PING), LOCAL);
    return this.broadcast(undefined, msg);
  }

  // ---- accounting ------------------------------------------------------------------------

  stats(): RouterStats {
    this.seen?.prune();
    this.pushRoutes?.prune();
    let pongs = 0;
    if (this.links !== undefined) for (const l of this.links.values()) pongs += l.pongCount;
    const links = this.links?.size ?? 0;
    const searches = this.searches?.size ?? 0;
    const stateBytes =
      ROUTER_BASE_BYTES +
      (this.seen?.estimateBytes() ?? 0) +
      (this.pushRoutes?.estimateBytes() ?? 0) +
      links * LINK_BYTES +
      pongs * CACHED_PONG_BYTES +
      (this.index?.estimateBytes() ?? 0) +
      searches * ACTIVE_SEARCH_BYTES +
      qrpBytes(this.qrp);
    return {
      messagesSent: this.c.messagesSent,
      messagesReceived: this.c.messagesReceived,
      bytesSent: this.c.bytesSent,
      bytesReceived: this.c.bytesReceived,
      stateBytes,
      extra: {
        ...this.c.toRecord(),
        links,
        seenEntries: this.seen?.size ?? 0,
        seenEvicted: this.seen?.evicted ?? 0,
        pushRoutes: this.pushRoutes?.size ?? 0,
        cachedPongs: pongs,
        activeSearches: searches,
        sharedFiles: this.index?.size ?? 0,
      },
    };
  }
}

export type { FloodRouterImpl };

/** Heap bytes of the cached QRP update: message objects plus their patch data. */
function qrpBytes(msgs: readonly Message[] | undefined): number {
  if (msgs === undefined) return 0;
  let n = 0;
  for (const m of msgs) n += 160 + (m.type === 'qrp' && m.variant === 'patch' ? m.data.length : 0);
  return n;
}

/** Creates the flooding back-end; it registers itself as the transport's handler. */
export function createFloodRouter(components: RouterComponents<Message>, init: FloodInit): FloodRouter {
  return new FloodRouterImpl(components, init);
}
