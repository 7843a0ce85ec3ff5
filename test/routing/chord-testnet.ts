/**
 * A small addressed network for Chord tests: one heap-ordered fake clock, per-message
 * latency, optional loss, killed nodes that neither send nor receive, and optionally every
 * message passed through the binary codec (encode → decode) on its way.
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import { createRng } from '../../src/core/rng.js';
import type { Rng } from '../../src/core/rng.js';
import { silentLogger } from '../../src/core/log.js';
import { decodeChordMessage, encodeChordMessage } from '../../src/protocol/chord/index.js';
import type { ChordMessage } from '../../src/protocol/chord/index.js';
import { createChordRouter } from '../../src/routing/chord/index.js';
import type { ChordInit, ChordRouter, LookupResult, NodeRef } from '../../src/routing/chord/index.js';
import type { Transport, TransportHandler } from '../../src/routing/types.js';

interface Ev {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** min-heap clock: fires timers in (time, insertion) order, O(log n) each */
export class HeapClock implements Clock {
  private t = 0;
  private seq = 0;
  private heap: Ev[] = [];
  private byId = new Map<number, Ev>();
  fired = 0;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    const ev: Ev = { at: this.t + Math.max(0, ms), seq: id, fn, live: true };
    this.byId.set(id, ev);
    this.push(ev);
    return { id };
  }

  clearTimeout(h: TimerHandle | undefined): void {
    if (h === undefined) return;
    const ev = this.byId.get(h.id);
    if (ev !== undefined) {
      ev.live = false;
      this.byId.delete(h.id);
    }
  }

  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.at > target) break;
      this.pop();
      if (!top.live) continue;
      this.byId.delete(top.seq);
      this.t = top.at;
      this.fired++;
      top.fn();
    }
    this.t = target;
  }

  private less(a: Ev, b: Ev): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(ev: Ev): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Ev, h[p] as Ev)) break;
      [h[i], h[p]] = [h[p] as Ev, h[i] as Ev];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Ev;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as Ev, h[m] as Ev)) m = l;
      if (r < h.length && this.less(h[r] as Ev, h[m] as Ev)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Ev, h[i] as Ev];
      i = m;
    }
  }
}

export interface TestNetOptions {
  readonly seed?: number;
  /** one-way delay, ms (default 10 + up to 10 random) */
  readonly latencyMs?: number;
  /** probability a message is lost */
  readonly loss?: number;
  /** pass every message through the codec */
  readonly wire?: boolean;
  readonly init?: Omit<ChordInit, 'holder' | 'bootstrap'>;
}

export function addressOf(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}:6346`;
}

export class ChordTestNet {
  readonly clock = new HeapClock();
  readonly rng: Rng;
  readonly nodes: ChordRouter[] = [];
  readonly addrs: string[] = [];
  private readonly handlers = new Map<string, TransportHandler<ChordMessage>>();
  private readonly dead = new Set<string>();
  messages = 0;
  private readonly opts: TestNetOptions;

  constructor(opts: TestNetOptions = {}) {
    this.opts = opts;
    this.rng = createRng(opts.seed ?? 1);
  }

  /** adds a node (not started); bootstrap defaults to node 0 for every later node */
  add(extra: Partial<ChordInit> = {}): ChordRouter {
    const i = this.nodes.length;
    const addr = addressOf(i);
    const idBits = this.opts.init?.idBits ?? extra.idBits ?? 160;
    const transport: Transport<ChordMessage> = {
      localId: addr,
      send: (to, msg) => this.deliver(addr, to, msg, idBits),
      setHandler: (h) => {
        this.handlers.set(addr, h);
      },
    };
    const [ip, port] = addr.split(':') as [string, string];
    const init: ChordInit = {
      holder: { ip, port: Number(port), serventId: i.toString(16).padStart(32, '0') },
      ...(i > 0 ? { bootstrap: addressOf(0) } : {}),
      ...this.opts.init,
      ...extra,
    };
    const node = createChordRouter(
      { clock: this.clock, rng: this.rng.fork(), log: silentLogger, transport },
      init,
    );
    this.nodes.push(node);
    this.addrs.push(addr);
    return node;
  }

  private deliver(from: string, to: string, msg: ChordMessage, idBits: number): boolean {
    if (this.dead.has(from)) return true;
    this.messages++;
    let m = msg;
    if (this.opts.wire === true) m = decodeChordMessage(encodeChordMessage(msg, { idBits }), { idBits });
    if (this.opts.loss !== undefined && this.rng.float() < this.opts.loss) return true;
    const delay = this.opts.latencyMs ?? 10 + this.rng.int(10);
    this.clock.setTimeout(() => {
      if (this.dead.has(to)) return;
      this.handlers.get(to)?.message(from, m);
    }, delay);
    return true;
  }

  kill(i: number): void {
    this.dead.add(this.addrs[i] as string);
    this.nodes[i]?.crash();
  }

  isDead(i: number): boolean {
    return this.dead.has(this.addrs[i] as string);
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** every live ring position, sorted */
  liveRing(): NodeRef[] {
    const out: NodeRef[] = [];
    this.nodes.forEach((n, i) => {
      if (!this.isDead(i)) out.push(...n.vnodes);
    });
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}

/** the live position responsible for `key` (brute force) */
export function ownerOf(ring: readonly NodeRef[], key: string): NodeRef {
  for (const r of ring) if (r.id >= key) return r;
  return ring[0] as NodeRef;
}

/** runs a lookup to completion on the test clock */
export function lookupNow(
  net: ChordTestNet,
  node: ChordRouter,
  key: string,
  opts: { confirm?: boolean } = {},
): LookupResult {
  let res: LookupResult | undefined;
  node.lookup(key, (r) => (res = r), opts);
  for (let i = 0; i < 2000 && res === undefined; i++) net.advance(50);
  if (res === undefined) throw new Error('lookup did not finish');
  return res;
}
