/**
 * The simulated network. Every node gets a `Transport<M>` (the same seam the back-ends
 * use over TCP). Two modes:
 *
 * - link mode (flood): messages travel over links of a topology. `link(a, b)` opens a
 *   link (both ends get `peerUp`), `unlink`/`kill` close it (`peerDown`). Peer ids are
 *   the neighbour's address. A link is FIFO like the TCP connection it stands for: a
 *   message never overtakes an earlier one on the same link.
 * - addressed mode (DHTs): any node sends to any address ("10.x.y.z:6346"); a message
 *   to a dead or unknown node is silently lost; back-ends notice by their own timeouts.
 *
 * Delays and losses come from a `DeliveryModel`. The network counts messages and bytes
 * per node and network-wide; bytes come from the back-end's `sizeOf`.
 */
import type { PeerId, PeerInfo, Transport, TransportHandler } from '../routing/types.js';
import { MAX_SIM_NODES, SIM_PORT, simAddress, simIndexOf, simIp } from './address.js';
import { EV_DELIVER, EV_PEER_DOWN, EV_PEER_UP } from './events.js';
import type { DeliveryModel } from './latency.js';
import type { Scheduler } from './scheduler.js';

export type NetworkMode = 'link' | 'addressed';
export type TrafficClass = 'lookup' | 'background';

export interface NetworkHooks<M> {
  sizeOf(msg: M): number;
  classify(msg: M): TrafficClass;
  /** every accepted send (before the delivery model decides delay or loss) */
  onSend?(from: number, to: number, msg: M, lookup: boolean): void;
  /** every message handed to a node's handler */
  onDeliver?(from: number, to: number, msg: M): void;
}

export interface NetworkOptions<M> {
  readonly mode: NetworkMode;
  readonly model: DeliveryModel;
  readonly hooks: NetworkHooks<M>;
  /** link mode: delay before the survivors of a crash see `peerDown` (default 0) */
  readonly failureDetectionMs?: number;
  /** link mode: delay between `link()` and the `peerUp` events (default 0) */
  readonly linkSetupMs?: number;
}

/** Network-wide counters. */
export interface NetworkTotals {
  lookupMessages: number;
  lookupBytes: number;
  backgroundMessages: number;
  backgroundBytes: number;
  /** dropped by the delivery model (loss, partition) */
  lost: number;
  /** addressed to a dead or unknown node, or arrived after its link closed */
  undeliverable: number;
  delivered: number;
}

class SimTransport<M> implements Transport<M> {
  constructor(
    private readonly net: SimNetwork<M>,
    private readonly index: number,
    readonly localId: PeerId,
  ) {}
  send(to: PeerId, msg: M): boolean {
    return this.net.send(this.index, to, msg);
  }
  setHandler(handler: TransportHandler<M>): void {
    this.net.setHandler(this.index, handler);
  }
}

const EMPTY: readonly number[] = [];

export class SimNetwork<M> {
  readonly mode: NetworkMode;
  readonly totals: NetworkTotals = {
    lookupMessages: 0,
    lookupBytes: 0,
    backgroundMessages: 0,
    backgroundBytes: 0,
    lost: 0,
    undeliverable: 0,
    delivered: 0,
  };
  private readonly model: DeliveryModel;
  private readonly hooks: NetworkHooks<M>;
  private readonly detectMs: number;
  private readonly setupMs: number;
  private count = 0;
  private capacity = 0;
  private alive: Uint8Array = new Uint8Array(0);
  /** dense list of live node indices, and each node's position in it (−1 when dead) */
  private liveList: Int32Array = new Int32Array(0);
  private livePos: Int32Array = new Int32Array(0);
  private liveCount = 0;
  /** per node: messages and bytes sent, background messages sent, messages received */
  private sentMsgs: Float64Array = new Float64Array(0);
  private sentBytes: Float64Array = new Float64Array(0);
  private bgMsgs: Float64Array = new Float64Array(0);
  private recvMsgs: Float64Array = new Float64Array(0);
  private readonly handlers: (TransportHandler<M> | undefined)[] = [];
  private readonly addresses: (string | undefined)[] = [];
  private readonly peerInfos: (PeerInfo | undefined)[] = [];
  /** link mode: neighbours of each node and, in parallel, the last delivery time per link */
  private readonly adj: number[][] = [];
  private readonly lastAt: number[][] = [];

  constructor(
    private readonly sched: Scheduler,
    opts: NetworkOptions<M>,
  ) {
    this.mode = opts.mode;
    this.model = opts.model;
    this.hooks = opts.hooks;
    this.detectMs = opts.failureDetectionMs ?? 0;
    this.setupMs = opts.linkSetupMs ?? 0;
    sched.on(EV_DELIVER, (to, from, payload) => this.deliver(from, to, payload as M));
    sched.on(EV_PEER_UP, (at, peer) => {
      if (this.alive[at] === 1 && this.hasLink(at, peer)) this.handlers[at]?.peerUp?.(this.peerInfo(peer));
    });
    sched.on(EV_PEER_DOWN, (at, peer) => {
      if (this.alive[at] === 1) this.handlers[at]?.peerDown?.(this.address(peer));
    });
  }

  /** Number of nodes ever added (live and dead). */
  size(): number {
    return this.count;
  }

  liveNodes(): number {
    return this.liveCount;
  }

  /** The i-th live node (0 ≤ i < liveNodes()); the order changes as nodes die. */
  liveAt(i: number): number {
    return this.liveList[i] as number;
  }

  isAlive(index: number): boolean {
    return this.alive[index] === 1;
  }

  /** Adds a live node without a handler; returns its index. */
  addNode(): number {
    if (this.count >= MAX_SIM_NODES) throw new RangeError(`at most ${MAX_SIM_NODES} simulated nodes`);
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.alive[i] = 1;
    this.livePos[i] = this.liveCount;
    this.liveList[this.liveCount++] = i;
    return i;
  }

  transport(index: number): Transport<M> {
    return new SimTransport(this, index, this.address(index));
  }

  setHandler(index: number, handler: TransportHandler<M>): void {
    if (this.alive[index] === 1) this.handlers[index] = handler;
  }

  address(index: number): string {
    let a = this.addresses[index];
    if (a === undefined) {
      a = simAddress(index);
      this.addresses[index] = a;
    }
    return a;
  }

  /** Node index of an address, or −1. */
  indexOf(address: string): number {
    const i = simIndexOf(address);
    return i >= 0 && i < this.count ? i : -1;
  }

  neighbours(index: number): readonly number[] {
    return this.adj[index] ?? EMPTY;
  }

  hasLink(a: number, b: number): boolean {
    const la = this.adj[a];
    const lb = this.adj[b];
    if (la === undefined || lb === undefined) return false;
    return la.length <= lb.length ? la.includes(b) : lb.includes(a);
  }

  /**
   * Link mode: opens a link between two live nodes. With `immediate`, both handlers get
   * `peerUp` now, synchronously (used while building the initial topology); otherwise
   * after `linkSetupMs`. Returns false for a self-link, a duplicate or a dead end.
   */
  link(a: number, b: number, immediate = false): boolean {
    if (this.mode !== 'link') throw new Error('link() needs a link-mode network');
    if (a === b || this.alive[a] !== 1 || this.alive[b] !== 1 || this.hasLink(a, b)) return false;
    this.addHalf(a, b);
    this.addHalf(b, a);
    if (immediate) {
      this.handlers[a]?.peerUp?.(this.peerInfo(b));
      this.handlers[b]?.peerUp?.(this.peerInfo(a));
    } else {
      const at = this.sched.now() + this.setupMs;
      this.sched.schedule(at, EV_PEER_UP, a, b, undefined);
      this.sched.schedule(at, EV_PEER_UP, b, a, undefined);
    }
    return true;
  }

  /**
   * Trims every adjacency list to its length (V8 grows pushed arrays to 17+ slots);
   * called once the initial topology is built: ~0.25 KB less per node at degree 4.
   */
  compact(): void {
    for (let i = 0; i < this.adj.length; i++) {
      const l = this.adj[i];
      if (l === undefined) continue;
      this.adj[i] = l.slice();
      this.lastAt[i] = (this.lastAt[i] as number[]).slice();
    }
  }

  /** Link mode: closes a link; both ends get `peerDown` (after `delayMs`). */
  unlink(a: number, b: number, delayMs = 0): boolean {
    if (!this.removeHalf(a, b)) return false;
    this.removeHalf(b, a);
    const at = this.sched.now() + delayMs;
    this.sched.schedule(at, EV_PEER_DOWN, a, b, undefined);
    this.sched.schedule(at, EV_PEER_DOWN, b, a, undefined);
    return true;
  }

  /**
   * Removes a node. Its links close: neighbours get `peerDown` after the failure
   * detection delay (`graceful`: at once). Messages in flight to it are lost.
   */
  kill(index: number, graceful: boolean): void {
    if (this.alive[index] !== 1) return;
    // 2 = left gracefully: data it sent before leaving still arrives (TCP delivers
    // before FIN); 0 = crashed: its in-flight messages die with the links.
    this.alive[index] = graceful ? 2 : 0;
    this.handlers[index] = undefined;
    const pos = this.livePos[index] as number;
    const last = this.liveList[--this.liveCount] as number;
    this.liveList[pos] = last;
    this.livePos[last] = pos;
    this.livePos[index] = -1;
    const nbrs = this.adj[index];
    if (nbrs !== undefined) {
      const now = this.sched.now();
      const last = this.lastAt[index] as number[];
      for (let k = 0; k < nbrs.length; k++) {
        const n = nbrs[k] as number;
        this.removeHalf(n, index);
        // a graceful close reaches the neighbour after the last data sent on the link
        const at = graceful ? Math.max(now, last[k] as number) : now + this.detectMs;
        this.sched.schedule(at, EV_PEER_DOWN, n, index, undefined);
      }
      this.adj[index] = [];
      this.lastAt[index] = [];
    }
  }

  send(from: number, to: PeerId, msg: M): boolean {
    if (this.alive[from] !== 1) return false;
    const dst = simIndexOf(to);
    if (dst < 0) return false;
    let linkPos = -1;
    if (this.mode === 'link') {
      linkPos = (this.adj[from] ?? EMPTY).indexOf(dst);
      if (linkPos < 0) return false;
    }
    const bytes = this.hooks.sizeOf(msg);
    const lookup = this.hooks.classify(msg) === 'lookup';
    this.sentMsgs[from] = (this.sentMsgs[from] as number) + 1;
    this.sentBytes[from] = (this.sentBytes[from] as number) + bytes;
    const t = this.totals;
    if (lookup) {
      t.lookupMessages++;
      t.lookupBytes += bytes;
    } else {
      this.bgMsgs[from] = (this.bgMsgs[from] as number) + 1;
      t.backgroundMessages++;
      t.backgroundBytes += bytes;
    }
    this.hooks.onSend?.(from, dst, msg, lookup);
    if (dst >= this.count || this.alive[dst] !== 1) {
      t.undeliverable++;
      return true;
    }
    const now = this.sched.now();
    const d = this.model.delay(from, dst, now);
    if (d < 0) {
      t.lost++;
      return true;
    }
    let at = now + d;
    if (linkPos >= 0) {
      const last = this.lastAt[from] as number[];
      const prev = last[linkPos] as number;
      if (at < prev) at = prev;
      last[linkPos] = at;
    }
    this.sched.schedule(at, EV_DELIVER, dst, from, msg);
    return true;
  }

  /** Per-node counters. */
  sent(index: number): { messages: number; bytes: number; background: number; received: number } {
    return {
      messages: this.sentMsgs[index] ?? 0,
      bytes: this.sentBytes[index] ?? 0,
      background: this.bgMsgs[index] ?? 0,
      received: this.recvMsgs[index] ?? 0,
    };
  }

  private deliver(from: number, to: number, msg: M): void {
    if (this.alive[to] !== 1 || (this.mode === 'link' && this.alive[from] !== 2 && !this.hasLink(from, to))) {
      this.totals.undeliverable++;
      return;
    }
    const h = this.handlers[to];
    if (h === undefined) {
      this.totals.undeliverable++;
      return;
    }
    this.recvMsgs[to] = (this.recvMsgs[to] as number) + 1;
    this.totals.delivered++;
    this.hooks.onDeliver?.(from, to, msg);
    h.message(this.address(from), msg);
  }

  /** One shared, frozen PeerInfo per node (a router may keep it for the link's life). */
  private peerInfo(index: number): PeerInfo {
    let p = this.peerInfos[index];
    if (p === undefined) {
      p = Object.freeze({
        id: this.address(index),
        address: Object.freeze({ ip: simIp(index), port: SIM_PORT }),
      });
      this.peerInfos[index] = p;
    }
    return p;
  }

  private addHalf(a: number, b: number): void {
    let l = this.adj[a];
    if (l === undefined) {
      l = [];
      this.adj[a] = l;
      this.lastAt[a] = [];
    }
    l.push(b);
    (this.lastAt[a] as number[]).push(0);
  }

  private removeHalf(a: number, b: number): boolean {
    const l = this.adj[a];
    if (l === undefined) return false;
    const k = l.indexOf(b);
    if (k < 0) return false;
    const last = this.lastAt[a] as number[];
    const end = l.length - 1;
    l[k] = l[end] as number;
    last[k] = last[end] as number;
    l.pop();
    last.pop();
    return true;
  }

  private grow(): void {
    const c = Math.max(1024, this.capacity * 2);
    const u8 = new Uint8Array(c);
    u8.set(this.alive);
    this.alive = u8;
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(c);
      b.set(a);
      return b;
    };
    this.liveList = i32(this.liveList);
    this.livePos = i32(this.livePos);
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    this.sentMsgs = f64(this.sentMsgs);
    this.sentBytes = f64(this.sentBytes);
    this.bgMsgs = f64(this.bgMsgs);
    this.recvMsgs = f64(this.recvMsgs);
    this.capacity = c;
  }
}
