/**
 * The Kelips back-end (Gupta, Birman, Linga, Demers, van Renesse, IPTPS 2003), sans-IO:
 * it talks only through the injected addressed transport and keeps time only through the
 * injected clock, so the same code runs in the servent (UDP datagrams) and in the
 * simulator.
 *
 * k affinity groups; a node belongs to hash("ip:port") mod k and keeps soft state: its
 * group's view, c contacts per foreign group, and the file tuples whose key hashes to its
 * group. Gossip (gossip.ts) spreads heartbeats and tuples; lookups (lookup.ts) take one
 * request to a contact in the key's group; inserts (publish.ts) send tuples to a contact
 * of their group; joins (join.ts) warm up from an introducer. Message handling is in
 * handlers.ts, one function per message type.
 */
import { every, type TimerHandle } from '../../core/clock.js';
import { kelipsMessageSize } from '../../protocol/kelips/encode.js';
import type { KelipsMessage, KelipsTuple, MemberEntry, PongMsg } from '../../protocol/kelips/messages.js';
import { searchIterable } from '../search-iterable.js';
import type {
  RouterStats,
  SearchHandle,
  SearchHit,
  SearchRequest,
  SearchSink,
  SharedFileInfo,
  TransportHandler,
} from '../types.js';
import { initialGroups, KELIPS_DEFAULTS, type KelipsConfig, resolveKelipsConfig } from './config.js';
import { KelipsCounters } from './counters.js';
import { gossipRound } from './gossip.js';
import { groupOf } from './hash.js';
import { HANDLERS } from './handlers.js';
import { Joiner } from './join.js';
import { ActiveLookup, type LookupCallbacks, type LookupSpec } from './lookup.js';
import { Membership } from './membership.js';
import type { Peer } from './peers.js';
import { Publisher } from './publish.js';
import { bareLookup, startKelipsSearch } from './search.js';
import { type StoreOutcome, TupleStore } from './tuples.js';
import type { KelipsComponents, KelipsInit, KelipsLookupResult, KelipsRouter } from './types.js';

/** probes in flight at most */
const MAX_PROBES = 16;

export class KelipsNode implements KelipsRouter, TransportHandler<KelipsMessage> {
  readonly kind = 'kelips' as const;
  readonly c = new KelipsCounters();
  cfg: KelipsConfig | undefined;
  mem: Membership | undefined;
  store: TupleStore | undefined;
  /** our heartbeat counter, raised every round */
  hb = 0;
  running = false;
  readonly lookups = new Map<number, ActiveLookup>();
  readonly publisher = new Publisher(this);
  readonly joiner: Joiner;
  private gossipOn: boolean;
  private readonly probes = new Map<number, { addr: string; at: number; refresh: boolean }>();
  private probesLeft = 0;
  private refreshCursor = 0;
  private relayWindow = 0;
  private relayCount = 0;
  private pendingFiles: readonly SharedFileInfo[] | undefined;
  private phase: TimerHandle | undefined;
  private stops: (() => void)[] = [];

  constructor(
    readonly components: KelipsComponents,
    readonly init: KelipsInit,
  ) {
    this.gossipOn = init.gossip ?? KELIPS_DEFAULTS.gossip;
    this.joiner = new Joiner(this);
    const k = initialGroups(init);
    if (k > 0) this.configure(k);
    components.transport.setHandler(this);
  }

  get address(): string {
    return this.components.transport.localId;
  }

  get groups(): number {
    return this.cfg?.k ?? 0;
  }

  get group(): number {
    return this.mem?.group ?? -1;
  }

  groupOf(text: string): number {
    const k = this.cfg?.k;
    return k === undefined ? -1 : groupOf(text, k);
  }

  private configure(k: number): void {
    const cfg = resolveKelipsConfig(this.init, k);
    this.cfg = cfg;
    this.mem = new Membership(this.address, cfg);
    this.store = new TupleStore({
      maxTuples: cfg.maxTuples,
      maxPerKey: cfg.maxTuplesPerKey,
      freshSends: cfg.freshSends,
      freshCap: Math.max(256, Math.min(cfg.maxTuples, 65_536)),
    });
    if (this.running) this.startTimers(cfg);
    const files = this.pendingFiles;
    this.pendingFiles = undefined;
    if (files !== undefined) this.publisher.set(files, cfg, this.running);
  }

  setGroups(k: number): void {
    if (this.cfg?.k === k) return;
    if (this.cfg !== undefined && this.running) throw new Error('kelips: k cannot change while running');
    this.configure(k);
  }

  setGossip(on: boolean): void {
    this.gossipOn = on;
  }

  joinRetryMs(): number {
    return this.cfg?.joinRetryMs ?? this.init.joinRetryMs ?? KELIPS_DEFAULTS.joinRetryMs;
  }

  // ---- lifecycle --------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const cfg = this.cfg;
    if (cfg !== undefined) {
      this.startTimers(cfg);
      if (this.publisher.mine.size > 0) this.publisher.republish();
    }
    this.joiner.start();
  }

  private startTimers(cfg: KelipsConfig): void {
    const clock = this.components.clock;
    const rng = this.components.rng;
    // a random phase, so that simulated nodes do not all gossip at the same instant
    this.phase = clock.setTimeout(() => {
      this.phase = undefined;
      this.stops.push(every(clock, cfg.roundMs, () => this.round()));
      this.round();
    }, rng.int(cfg.roundMs));
    this.stops.push(every(clock, cfg.sweepMs, () => this.sweep()));
    const rp = cfg.republishMs;
    const first = clock.setTimeout(
      () => {
        this.stops.push(every(clock, rp, () => this.publisher.republish()));
        this.publisher.republish();
      },
      rp + rng.int(Math.max(1, Math.floor(rp / 10))),
    );
    this.stops.push(() => clock.clearTimeout(first));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.components.clock.clearTimeout(this.phase);
    this.phase = undefined;
    for (const s of this.stops) s();
    this.stops = [];
    for (const l of [...this.lookups.values()]) l.abort();
    this.lookups.clear();
    this.probes.clear();
    this.publisher.stop();
    this.joiner.stop();
  }

  // ---- transport ----------------------------------------------------------------------------

  message(from: string, msg: KelipsMessage): void {
    if (!this.running) return;
    const c = this.c;
    c.messagesReceived++;
    c.bytesReceived += kelipsMessageSize(msg);
    if (this.cfg === undefined && msg.type === 'snapshot' && this.joiner.expects(from, msg)) {
      this.configure(msg.k);
    }
    const mem = this.mem;
    if (mem === undefined || (msg.k !== mem.cfg.k && !(msg.type === 'join' && msg.k === 0))) {
      c.wrongGroups++;
      return;
    }
    this.touch(mem, from, msg.hb);
    (HANDLERS[msg.type] as (n: KelipsNode, m: Membership, f: string, x: KelipsMessage) => void)(
      this,
      mem,
      from,
      msg,
    );
  }

  send(to: string, msg: KelipsMessage): boolean {
    const c = this.c;
    if (!this.components.transport.send(to, msg)) {
      c.sendFailed++;
      return false;
    }
    c.messagesSent++;
    c.bytesSent += kelipsMessageSize(msg);
    return true;
  }

  sendGossip(target: Peer, msg: KelipsMessage): void {
    if (this.send(target.addr, msg)) this.c.gossipSent++;
  }

  newRid(): number {
    for (;;) {
      const r = this.components.rng.uint32();
      if (r !== 0 && !this.lookups.has(r) && !this.probes.has(r)) return r;
    }
  }

  /** forwards and third-party answers: at most relayPerSec per second */
  relayAllowed(): boolean {
    const cfg = this.cfg;
    if (cfg === undefined) return false;
    const now = this.components.clock.now();
    if (now - this.relayWindow >= 1000) {
      this.relayWindow = now;
      this.relayCount = 0;
    }
    if (this.relayCount >= cfg.relayPerSec) {
      this.c.relayLimited++;
      return false;
    }
    this.relayCount++;
    return true;
  }

  // ---- soft state ---------------------------------------------------------------------------

  /** the sender of any message is alive */
  private touch(mem: Membership, from: string, hb: number): void {
    const r = mem.learn(from, hb, this.components.clock.now(), true);
    if (r === 'candidate') this.probe(from);
  }

  /** a heartbeat for `addr` heard from someone else */
  learnIndirect(addr: string, hb: number, now: number, ageS: number): void {
    const mem = this.mem;
    if (mem === undefined) return;
    if (mem.learn(addr, hb, now, false, -1, ageS) === 'candidate') this.probe(addr);
  }

  putTuple(t: KelipsTuple, now: number): StoreOutcome | 'misplaced' {
    const store = this.store;
    const mem = this.mem;
    if (store === undefined || mem === undefined) return 'rejected';
    if (groupOf(t.key, mem.cfg.k) !== mem.group) {
      this.c.tuplesMisplaced++;
      return 'misplaced';
    }
    const r = store.put(t, now);
    if (r === 'new') this.c.tuplesStored++;
    else if (r === 'refreshed') this.c.tuplesRefreshed++;
    else if (r === 'rejected') this.c.tuplesRejected++;
    return r;
  }

  /** pings a candidate contact for a full group: a lower RTT replaces the farthest contact */
  private probe(addr: string): void {
    if (this.probesLeft <= 0) return;
    if (this.ping(addr, false)) this.probesLeft--;
  }

  private ping(addr: string, refresh: boolean): boolean {
    if (this.probes.size >= MAX_PROBES) return false;
    const cfg = this.cfg as KelipsConfig;
    const rid = this.newRid();
    this.probes.set(rid, { addr, at: this.components.clock.now(), refresh });
    this.c.probesSent++;
    this.send(addr, { type: 'ping', k: cfg.k, rid, hb: this.hb });
    return true;
  }

  /**
   * Contacts' heartbeats travel slowly (only cross-group gossip carries them), so each
   * round the node pings refreshPerRound contacts it has not heard from lately, walking
   * its contact table round-robin: every contact is considered once per c(k−1)/refreshPerRound
   * rounds. A contact that does not answer is suspected (sweep).
   */
  private refreshContacts(mem: Membership): void {
    const list = mem.contacts.list;
    if (list.length === 0) return;
    const now = this.components.clock.now();
    const cfg = mem.cfg;
    // heard within half a cycle: no need to ask
    const quiet = (cfg.roundMs * list.length) / Math.max(1, cfg.refreshPerRound) / 2;
    let pinged = 0;
    for (
      let step = 0;
      step < list.length && step < 4 * cfg.refreshPerRound && pinged < cfg.refreshPerRound;
      step++
    ) {
      this.refreshCursor = (this.refreshCursor + 1) % list.length;
      const p = list[this.refreshCursor] as Peer;
      if (now - Math.max(p.heardAt, p.pingedAt) < quiet) continue;
      if (!this.ping(p.addr, true)) return;
      p.pingedAt = now;
      this.c.contactRefreshes++;
      pinged++;
    }
  }

  probeAnswered(from: string, m: PongMsg): void {
    const p = this.probes.get(m.rid);
    const mem = this.mem;
    if (p === undefined || p.addr !== from || mem === undefined) return;
    this.probes.delete(m.rid);
    const now = this.components.clock.now();
    if (mem.learn(from, m.hb, now, true, now - p.at) === 'replaced') this.c.contactsReplaced++;
  }

  private round(): void {
    const mem = this.mem;
    if (!this.running || mem === undefined) return;
    this.hb = (this.hb + 1) >>> 0;
    this.probesLeft = mem.cfg.probesPerRound;
    if (this.gossipOn) {
      gossipRound(this, mem);
      this.refreshContacts(mem);
    }
    this.publisher.flush(mem);
  }

  private sweep(): void {
    const mem = this.mem;
    const store = this.store;
    if (mem === undefined || store === undefined) return;
    const now = this.components.clock.now();
    const [m, c] = mem.expire(now);
    this.c.memberTimeouts += m;
    this.c.contactTimeouts += c;
    this.c.tupleTimeouts += store.expire(now, mem.cfg.tupleTimeoutMs);
    for (const [rid, p] of this.probes) {
      if (now - p.at <= mem.cfg.rpcTimeoutMs) continue;
      this.probes.delete(rid);
      // a contact that does not answer its refresh ping is taken as dead
      if (p.refresh && mem.suspect(p.addr, now)) this.c.suspected++;
    }
  }

  // ---- publishing ---------------------------------------------------------------------------

  publish(files: readonly SharedFileInfo[]): void {
    const cfg = this.cfg;
    if (cfg === undefined) {
      this.pendingFiles = files;
      return;
    }
    this.publisher.set(files, cfg, this.running);
  }

  adopt(files: readonly SharedFileInfo[]): void {
    const cfg = this.cfg;
    if (cfg === undefined) this.pendingFiles = files;
    else this.publisher.set(files, cfg, false);
  }

  tuplesFor(files: readonly SharedFileInfo[]): KelipsTuple[] {
    const cfg = this.cfg ?? {
      maxPublished: KELIPS_DEFAULTS.maxPublished,
      maxKeysPerFile: KELIPS_DEFAULTS.maxKeysPerFile,
    };
    return this.publisher.tuplesFor(files, cfg, (this.publisher.epoch + 1) >>> 0 || 1);
  }

  // ---- searching ----------------------------------------------------------------------------

  /** starts a lookup; undefined when it cannot start (not running, k unknown, too many) */
  begin(spec: LookupSpec, cb: LookupCallbacks): ActiveLookup | undefined {
    const mem = this.mem;
    if (!this.running || mem === undefined || this.lookups.size >= mem.cfg.maxActiveSearches)
      return undefined;
    this.c.lookupsStarted++;
    const l = new ActiveLookup(this, this.newRid(), spec, groupOf(spec.key, mem.cfg.k), cb);
    this.lookups.set(l.rid, l);
    l.start(mem);
    return l;
  }

  lookup(key: string, words: readonly string[], cb: (r: KelipsLookupResult) => void): { cancel(): void } {
    return bareLookup(this, key, words, cb);
  }

  startSearch(q: SearchRequest, sink: SearchSink): SearchHandle {
    return startKelipsSearch(this, q, sink);
  }

  search(q: SearchRequest, signal: AbortSignal): AsyncIterable<SearchHit> {
    return searchIterable(this, q, signal);
  }

  // ---- direct installation (simulator, tests) -------------------------------------------------

  installMembers(entries: readonly MemberEntry[]): void {
    const mem = this.mem;
    if (mem === undefined) throw new Error('kelips: k is not known yet');
    const now = this.components.clock.now();
    for (const e of entries) mem.learn(e.addr, e.hb, now, true);
  }

  installTuples(tuples: readonly KelipsTuple[]): number {
    const now = this.components.clock.now();
    let n = 0;
    for (const t of tuples) {
      const r = this.putTuple(t, now);
      if (r === 'new' || r === 'refreshed') n++;
    }
    return n;
  }

  viewSize(): number {
    return this.mem?.view.size ?? 0;
  }

  contactCount(): number {
    return this.mem?.contacts.size ?? 0;
  }

  tupleCount(): number {
    return this.store?.size ?? 0;
  }

  viewAddresses(): string[] {
    return this.mem?.view.list.map((p) => p.addr) ?? [];
  }

  contactAddresses(): string[] {
    return this.mem?.contacts.list.map((p) => p.addr) ?? [];
  }

  stats(): RouterStats {
    const c = this.c;
    return {
      messagesSent: c.messagesSent,
      messagesReceived: c.messagesReceived,
      bytesSent: c.bytesSent,
      bytesReceived: c.bytesReceived,
      stateBytes: (this.mem?.stateBytes() ?? 0) + (this.store?.bytes ?? 0),
      extra: c.toRecord(),
    };
  }
}

export function createKelipsRouter(components: KelipsComponents, init: KelipsInit): KelipsRouter {
  return new KelipsNode(components, init);
}
