/**
 * The Chord router: one servent's ring positions (virtual nodes), its RPC table, its
 * pointer store and its own published files. Sans-IO: it talks through the injected
 * transport and clock only. Behaviour lives in one module per concern (lookup,
 * maintenance, handlers, publish, search); this class holds the shared state and the
 * send/request primitives they use.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { Rng } from '../../core/rng.js';
import { chordMessageSize } from '../../protocol/chord/encode.js';
import type { ChordMessage, NodeRef } from '../../protocol/chord/messages.js';
import type {
  RouterStats,
  SearchHandle,
  SearchHit,
  SearchRequest,
  SearchSink,
  SharedFileInfo,
  Transport,
} from '../types.js';
import { searchIterable } from '../search-iterable.js';
import { resolveChordConfig } from './config.js';
import { betweenRight, idSpace } from './id.js';
import type { IdSpace } from './id.js';
import { RpcTable } from './rpc.js';
import type { ReplyCallback } from './rpc.js';
import { PointerStore } from './store.js';
import { VNode } from './vnode.js';
import type {
  ChordComponents,
  ChordConfig,
  ChordInit,
  ChordRouter,
  ChordVNodeSnapshot,
  LookupOptions,
  LookupResult,
  StableRing,
} from './types.js';
import { dispatch } from './handlers.js';
import { startLookup } from './lookup.js';
import {
  createRing,
  joinRing,
  leaveRing,
  refillSuccessor,
  startMaintenance,
  stopMaintenance,
} from './maintenance.js';
import { Publisher } from './publish.js';
import { startChordSearch } from './search.js';
import { installStableState } from './stable.js';

/** Message/lookup counters (reported in stats().extra). */
export class ChordCounters {
  messagesSent = 0;
  messagesReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  /** datagrams for a virtual node we do not host, or replies nobody waits for */
  dropped = 0;
  lookups = 0;
  lookupsOk = 0;
  lookupsFailed = 0;
  lookupHops = 0;
  lookupTimeouts = 0;
  /** lookups that needed k hops, k < HOPS_BUCKETS − 1; the last bucket collects the rest */
  hops: number[] = [];
  /** lookups that met k timeouts, same bucketing */
  timeouts: number[] = [];
  searches = 0;
  stores = 0;
  storeFailures = 0;
  handoverItems = 0;
  /** requests not sent because maxPendingRpcs were outstanding */
  rpcRefused = 0;
}

export const HOPS_BUCKETS = 33;

export class ChordNode implements ChordRouter {
  readonly kind = 'chord' as const;
  readonly cfg: ChordConfig;
  readonly space: IdSpace;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  readonly transport: Transport<ChordMessage>;
  /** our transport address, "ip:port" */
  readonly local: string;
  readonly vn: VNode[];
  readonly rpc: RpcTable;
  readonly store: PointerStore;
  readonly counters = new ChordCounters();
  /** created on the first publish() */
  publisher: Publisher | undefined;
  running = false;
  maintenanceOn: boolean;
  sweepTimer: TimerHandle | undefined;
  joinTimers: (TimerHandle | undefined)[] = [];

  readonly holder: ChordInit['holder'];
  /** introducer address, or undefined to start a ring */
  readonly bootstrap: string | undefined;

  /** `cfg`: a resolved configuration, possibly shared by many routers (see resolveChordConfig) */
  constructor(
    components: ChordComponents,
    cfg: ChordConfig,
    holder: ChordInit['holder'],
    bootstrap?: string,
  ) {
    this.cfg = cfg;
    this.holder = holder;
    this.bootstrap = bootstrap;
    this.space = idSpace(this.cfg.idBits);
    this.clock = components.clock;
    this.rng = components.rng;
    this.log = components.log;
    this.transport = components.transport;
    this.local = this.transport.localId;
    this.maintenanceOn = this.cfg.maintenance;
    this.vn = [];
    for (let i = 0; i < this.cfg.virtualNodes; i++) {
      // identifier = SHA-1("ip:port#v"), truncated to m bits
      const ref: NodeRef = { id: this.space.hash(`${this.local}#${i}`), addr: this.local, vn: i };
      this.vn.push(new VNode(ref, this.cfg.successors));
    }
    this.rpc = new RpcTable(this.clock, this.rng.uint32());
    this.store = new PointerStore({
      maxPerKey: this.cfg.maxPointersPerKey,
      maxTotal: this.cfg.maxPointers,
      maxTtlMs: this.cfg.pointerTtlMs,
    });
  }

  get vnodes(): readonly NodeRef[] {
    return this.vn.map((v) => v.self);
  }

  keyId(text: string): string {
    return this.space.hash(text);
  }

  // ---- lifecycle -------------------------------------------------------------------

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    // the router is its own transport handler (no per-node closure)
    this.transport.setHandler(this);
    const boot = this.bootstrap;
    // positions already placed by installStable keep their state
    if (this.vn.every((v) => v.joined)) {
      // nothing to build
    } else if (boot === undefined || boot === this.local) createRing(this);
    else for (const v of this.vn) if (!v.joined) joinRing(this, v, boot);
    for (const v of this.vn) startMaintenance(this, v);
    this.publisher?.start();
    return Promise.resolve();
  }

  /** voluntary leave: pointers to the successor, predecessor and successor told */
  stop(): Promise<void> {
    if (!this.running) return Promise.resolve();
    leaveRing(this);
    this.halt();
    return Promise.resolve();
  }

  crash(): void {
    if (this.running) this.halt();
  }

  private halt(): void {
    this.running = false;
    for (const v of this.vn) stopMaintenance(this, v);
    for (const t of this.joinTimers) this.clock.clearTimeout(t);
    this.joinTimers = [];
    this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.publisher?.stop();
    this.rpc.clear();
  }

  setMaintenance(on: boolean): void {
    if (this.maintenanceOn === on) return;
    this.maintenanceOn = on;
    for (const v of this.vn) {
      stopMaintenance(this, v);
      if (on && this.running) startMaintenance(this, v);
    }
  }

  installStable(ring: StableRing): void {
    for (const v of this.vn) installStableState(this, v, ring.refs);
    for (const t of this.joinTimers) this.clock.clearTimeout(t);
    this.joinTimers = [];
  }

  // ---- messaging -------------------------------------------------------------------

  /** a randomised period: uniform in [½, 3⁄2]·mean, so nodes do not synchronise */
  jitter(mean: number): number {
    return Math.max(1, Math.round(mean * (0.5 + this.rng.float())));
  }

  /** sends one message; messages to our own address are delivered locally on the next tick */
  send(to: string, msg: ChordMessage): void {
    if (to === this.local) {
      this.clock.setTimeout(() => {
        if (this.running) dispatch(this, this.local, msg);
      }, 0);
      return;
    }
    this.counters.messagesSent++;
    this.counters.bytesSent += chordMessageSize(msg);
    this.transport.send(to, msg);
  }

  /** a request with a timeout; `build` receives the request id */
  request(to: NodeRef, timeoutMs: number, build: (rid: number) => ChordMessage, cb: ReplyCallback): number {
    if (this.rpc.size >= this.cfg.maxPendingRpcs) {
      // at the cap nothing is sent: the caller sees a timeout (on the next tick)
      this.counters.rpcRefused++;
      this.clock.setTimeout(() => cb(undefined), 0);
      return 0;
    }
    const rid = this.rpc.open(to.addr, timeoutMs, cb);
    this.send(to.addr, build(rid));
    return rid;
  }

  /** TransportHandler: a message from the transport */
  message(from: string, msg: ChordMessage): void {
    if (!this.running) return;
    this.counters.messagesReceived++;
    this.counters.bytesReceived += chordMessageSize(msg);
    dispatch(this, from, msg);
  }

  /** the virtual node a message is for, or undefined */
  target(msg: ChordMessage): VNode | undefined {
    return this.vn[msg.dstVn];
  }

  /** a node is gone (confirmed): forget it in every local ring position */
  forget(id: string): void {
    for (const v of this.vn) if (v.self.id !== id) v.removeNode(id);
  }

  /**
   * A request to `ref` timed out. Fingers and predecessor drop it at once (cheap to
   * re-learn); a successor-list entry is only suspected: it is pinged once more and
   * dropped if that times out too, so one lost datagram (or one slow reply) does not
   * cut a live node out of the ring.
   */
  timedOut(ref: NodeRef): void {
    let inSuccs = false;
    for (const v of this.vn) {
      if (v.self.id === ref.id) continue;
      v.fingers.remove(ref.id);
      if (v.pred?.id === ref.id) v.pred = undefined;
      if (!inSuccs && v.succs.some((n) => n.id === ref.id)) inSuccs = true;
    }
    if (inSuccs) this.verify(ref);
  }

  private verifying: Set<string> | undefined;

  private verify(ref: NodeRef): void {
    this.verifying ??= new Set();
    if (this.verifying.has(ref.id)) return;
    this.verifying.add(ref.id);
    const v = this.vn[0] as VNode;
    this.request(
      ref,
      this.cfg.rpcTimeoutMs,
      (rid) => ({ type: 'ping', rid, srcId: v.self.id, srcVn: v.self.vn, dstVn: ref.vn }),
      (reply) => {
        this.verifying?.delete(ref.id);
        if (reply !== undefined || !this.running) return;
        this.forget(ref.id);
        for (const w of this.vn) refillSuccessor(w);
      },
    );
  }

  isLocal(ref: NodeRef): boolean {
    return ref.addr === this.local && this.vn[ref.vn]?.self.id === ref.id;
  }

  /** the local position whose arc (self, successor] is closest before `key` */
  closestLocal(key: string): VNode {
    let best = this.vn[0] as VNode;
    for (const v of this.vn) {
      // v is closer before key than best ⇔ v ∈ (best, key]
      if (v !== best && betweenRight(v.self.id, best.self.id, key)) best = v;
    }
    return best;
  }

  /** a pointer was stored: make sure expired ones will be swept */
  storedSomething(): void {
    if (this.sweepTimer !== undefined || !this.running) return;
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      if (!this.running) return;
      this.store.sweep(this.clock.now());
      if (this.store.size > 0) this.storedSomething();
    }, this.jitter(this.cfg.sweepMs));
  }

  // ---- Router ----------------------------------------------------------------------

  lookup(key: string, cb: (r: LookupResult) => void, opts: LookupOptions = {}): void {
    const v = opts.vnode !== undefined ? this.vn[opts.vnode] : this.closestLocal(key);
    if (v === undefined || !this.running) {
      cb({ ok: false, owner: undefined, replicas: [], hops: 0, timeouts: 0 });
      return;
    }
    startLookup(this, v, key, { confirm: opts.confirm ?? true, count: true }, cb);
  }

  publish(files: readonly SharedFileInfo[]): void {
    this.publisher ??= new Publisher(this);
    this.publisher.set(files);
  }

  startSearch(q: SearchRequest, sink: SearchSink): SearchHandle {
    return startChordSearch(this, q, sink);
  }

  search(q: SearchRequest, signal: AbortSignal): AsyncIterable<SearchHit> {
    return searchIterable(this, q, signal);
  }

  storedPointers(): number {
    return this.store.size;
  }

  joinedVnodes(): readonly NodeRef[] {
    const out: NodeRef[] = [];
    if (this.running) for (const v of this.vn) if (v.joined) out.push(v.self);
    return out;
  }

  snapshot(): readonly ChordVNodeSnapshot[] {
    return this.vn.map((v) => {
      const fs = v.fingers.entries();
      return {
        self: v.self,
        pred: v.pred,
        succs: v.succs.slice(),
        fingers: fs.map((node, k) => ({ from: v.fingers.startOf(k), node })),
      };
    });
  }

  stats(): RouterStats {
    const c = this.counters;
    let refs = 0;
    for (const v of this.vn) refs += v.distinctRefs();
    // a reference costs its wire size (27 B); a pointer its approximate stored size
    const stateBytes = refs * 27 + this.store.approxBytes;
    const extra: Record<string, number> = {
      lookups: c.lookups,
      lookupsOk: c.lookupsOk,
      lookupsFailed: c.lookupsFailed,
      lookupHops: c.lookupHops,
      lookupTimeouts: c.lookupTimeouts,
      rpcTimeouts: this.rpc.timeouts,
      searches: c.searches,
      stores: c.stores,
      storeFailures: c.storeFailures,
      handoverItems: c.handoverItems,
      rpcRefused: c.rpcRefused,
      pointers: this.store.size,
      pointerKeys: this.store.keys,
      pointersRefused: this.store.refused,
      dropped: c.dropped,
      routingRefs: refs,
    };
    const hist = (name: string, counts: readonly number[]): void =>
      counts.forEach((n, k) => {
        if (n > 0) extra[k === HOPS_BUCKETS - 1 ? `${name}_${k}plus` : `${name}_${k}`] = n;
      });
    hist('hops', c.hops);
    hist('timeouts', c.timeouts);
    return {
      messagesSent: c.messagesSent,
      messagesReceived: c.messagesReceived,
      bytesSent: c.bytesSent,
      bytesReceived: c.bytesReceived,
      stateBytes,
      extra,
    };
  }
}

export function createChordRouter(components: ChordComponents, init: ChordInit): ChordRouter {
  return new ChordNode(components, resolveChordConfig(init), init.holder, init.bootstrap);
}
