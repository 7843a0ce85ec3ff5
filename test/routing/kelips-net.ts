/**
 * A ManualClock network of Kelips routers for unit tests: addressed delivery with a
 * per-pair latency (fixed by the seed), optional loss, and optionally every message
 * passed through the wire codec (encode → decode) so that multi-node tests also prove
 * the codec round-trips what the router really sends.
 */
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng, type Rng } from '../../src/core/rng.js';
import { decodeKelipsMessage, encodeKelipsMessage } from '../../src/protocol/kelips/index.js';
import type { KelipsMessage } from '../../src/protocol/kelips/messages.js';
import { KelipsNode } from '../../src/routing/kelips/node.js';
import type { KelipsInit } from '../../src/routing/kelips/types.js';
import type { Transport, TransportHandler } from '../../src/routing/types.js';

export interface KelipsNetOptions {
  readonly size: number;
  readonly seed: number;
  /** per-pair one-way latency range (default 5 … 40 ms) */
  readonly minLatencyMs?: number;
  readonly maxLatencyMs?: number;
  readonly loss?: number;
  /** pass every message through encode/decode (default true) */
  readonly codec?: boolean;
  /** init for node i (holder and bootstrap are filled in unless given) */
  readonly init?: (i: number) => Partial<KelipsInit>;
  /** how nodes find each other: 'join' through node 0 (default) or 'none' */
  readonly bootstrap?: 'join' | 'none';
}

export function testAddr(i: number): string {
  return `127.0.${(i >> 8) & 255}.${(i & 255) + 1}:${7000 + i}`;
}

export function serventIdOf(i: number): string {
  return (i + 1).toString(16).padStart(32, '0');
}

export class KelipsTestNet {
  readonly clock = new ManualClock(1_000_000);
  readonly nodes: KelipsNode[] = [];
  readonly addrs: string[] = [];
  sent = 0;
  delivered = 0;
  /** decode failures (should stay 0: the router must only send encodable messages) */
  readonly codecErrors: unknown[] = [];
  readonly byType = new Map<string, number>();
  /** sees every message sent (before loss and the codec) */
  tap: ((from: string, to: string, msg: KelipsMessage) => void) | undefined;
  private readonly handlers = new Map<string, TransportHandler<KelipsMessage>>();
  private readonly dead = new Set<string>();
  private readonly rng: Rng;
  private readonly latency = new Map<string, number>();

  constructor(readonly opts: KelipsNetOptions) {
    this.rng = createRng(opts.seed);
    for (let i = 0; i < opts.size; i++) this.add(i);
  }

  private add(i: number): KelipsNode {
    const addr = testAddr(i);
    this.addrs[i] = addr;
    const transport: Transport<KelipsMessage> = {
      localId: addr,
      send: (to, msg) => this.send(addr, to, msg),
      setHandler: (h) => {
        this.handlers.set(addr, h);
      },
    };
    const extra = this.opts.init?.(i) ?? {};
    const init: KelipsInit = {
      holder: { ip: addr.slice(0, addr.lastIndexOf(':')), port: 8000 + i, serventId: serventIdOf(i) },
      ...(this.opts.bootstrap !== 'none' && i > 0 ? { bootstrap: this.addrs[0] as string } : {}),
      ...extra,
    };
    const node = new KelipsNode(
      { clock: this.clock, rng: this.rng.fork(), log: silentLogger, transport },
      init,
    );
    this.nodes[i] = node;
    return node;
  }

  node(i: number): KelipsNode {
    return this.nodes[i] as KelipsNode;
  }

  holderOf(i: number): { ip: string; port: number; serventId: string } {
    return this.node(i).init.holder;
  }

  async startAll(staggerMs = 0): Promise<void> {
    for (const n of this.nodes) {
      await n.start();
      if (staggerMs > 0) this.clock.advance(staggerMs);
    }
  }

  private oneWay(from: string, to: string): number {
    const key = from < to ? `${from}|${to}` : `${to}|${from}`;
    let d = this.latency.get(key);
    if (d === undefined) {
      const lo = this.opts.minLatencyMs ?? 5;
      const hi = this.opts.maxLatencyMs ?? 40;
      d = lo + this.rng.int(hi - lo + 1);
      this.latency.set(key, d);
    }
    return d;
  }

  private send(from: string, to: string, msg: KelipsMessage): boolean {
    this.sent++;
    this.tap?.(from, to, msg);
    this.byType.set(msg.type, (this.byType.get(msg.type) ?? 0) + 1);
    let out = msg;
    if (this.opts.codec !== false) {
      try {
        out = decodeKelipsMessage(encodeKelipsMessage(msg));
      } catch (e) {
        this.codecErrors.push(e);
        return true;
      }
    }
    if ((this.opts.loss ?? 0) > 0 && this.rng.float() < (this.opts.loss ?? 0)) return true;
    this.clock.setTimeout(
      () => {
        if (this.dead.has(to) || this.dead.has(from)) return;
        const h = this.handlers.get(to);
        if (h === undefined) return;
        this.delivered++;
        h.message(from, out);
      },
      this.oneWay(from, to),
    );
    return true;
  }

  advance(ms: number): void {
    // in steps, so that ManualClock never scans a huge timer list for a long jump at once
    const step = 500;
    for (let t = 0; t < ms; t += step) this.clock.advance(Math.min(step, ms - t));
  }

  /** delivers `msg` to node `to` as if `from` had sent it (a hostile or scripted peer) */
  inject(from: string, to: number, msg: KelipsMessage): void {
    this.handlers.get(this.addrs[to] as string)?.message(from, msg);
  }

  /** index of an address, or −1 */
  indexOf(addr: string): number {
    return this.addrs.indexOf(addr);
  }

  /** crash: no goodbye, its timers stop, its in-flight messages are lost */
  async kill(i: number): Promise<void> {
    const a = this.addrs[i] as string;
    this.dead.add(a);
    this.handlers.delete(a);
    await this.node(i).stop();
  }

  isDead(i: number): boolean {
    return this.dead.has(this.addrs[i] as string);
  }

  async close(): Promise<void> {
    for (const n of this.nodes) await n.stop();
  }
}
