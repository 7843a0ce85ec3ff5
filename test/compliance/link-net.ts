/**
 * A tiny in-process link network driven by a ManualClock: node i's transport delivers
 * each message to the neighbour through `clock.setTimeout` after `latencyMs` (default
 * 1 ms), optionally through the real codec (encode → decode) so that what a router sends
 * is what the wire can carry. The topology is given, or a random connected graph from a
 * seeded rng (a random tree plus extra edges). Nothing touches a socket.
 */
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng, type Rng } from '../../src/core/rng.js';
import type { Message } from '../../src/protocol/messages.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/index.js';
import { createFloodRouter, type FloodInit, type FloodRouter } from '../../src/routing/flood/index.js';
import type {
  PeerId,
  PeerInfo,
  Router,
  RouterComponents,
  Transport,
  TransportHandler,
} from '../../src/routing/types.js';
import type { ComplianceNet, ComplianceNetFactory } from './harness.js';

export type Edge = readonly [number, number];

export interface Holder {
  readonly ip: string;
  readonly port: number;
  readonly serventId: string;
}

export interface LinkNetOptions<R extends Router> {
  readonly size: number;
  readonly seed: number;
  /** explicit topology; default: a random connected graph */
  readonly edges?: readonly Edge[];
  /** edges added to the random tree (default size / 2) */
  readonly extraEdges?: number;
  readonly latencyMs?: number;
  /** send every message through encodeMessage/decodeMessage (default true) */
  readonly wire?: boolean;
  /** link options: `[a, b]` → what b's PeerInfo looks like at a (e.g. weAreLeaf) */
  readonly linkInfo?: (a: number, b: number) => Partial<PeerInfo>;
  /** builds node i's router */
  readonly makeRouter: (components: RouterComponents<Message>, i: number, holder: Holder) => R;
  /** start the routers (default true) */
  readonly start?: boolean;
}

export interface Delivery {
  readonly from: number;
  readonly to: number;
  readonly msg: Message;
}

export const nodeId = (i: number): PeerId => `n${i}`;
const indexOf = (id: PeerId): number => Number(id.slice(1));

class LinkTransport implements Transport<Message> {
  handler: TransportHandler<Message> | undefined;
  constructor(
    private readonly net: LinkNet<Router>,
    readonly index: number,
  ) {}
  get localId(): PeerId {
    return nodeId(this.index);
  }
  send(to: PeerId, msg: Message): boolean {
    return this.net.transmit(this.index, indexOf(to), msg);
  }
  setHandler(handler: TransportHandler<Message>): void {
    this.handler = handler;
  }
}

/** A random connected graph: node i > 0 attaches to a random earlier node, plus extras. */
export function randomTopology(size: number, rng: Rng, extraEdges = Math.floor(size / 2)): Edge[] {
  const edges: Edge[] = [];
  const has = new Set<string>();
  const add = (a: number, b: number): void => {
    const k = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || has.has(k)) return;
    has.add(k);
    edges.push([a, b]);
  };
  for (let i = 1; i < size; i++) add(i, rng.int(i));
  for (let t = 0; t < extraEdges * 4 && edges.length < size - 1 + extraEdges; t++)
    add(rng.int(size), rng.int(size));
  return edges;
}

export class LinkNet<R extends Router> {
  readonly clock = new ManualClock(0);
  readonly routers: R[] = [];
  readonly holders: Holder[] = [];
  readonly edges: Edge[];
  /** messages accepted by a transport, network-wide */
  sent = 0;
  /** called for every message as it is delivered */
  tap: ((d: Delivery) => void) | undefined;
  private readonly transports: LinkTransport[] = [];
  private readonly adjacency: Set<number>[] = [];
  private readonly dead = new Set<number>();
  private readonly latency: number;
  private readonly wire: boolean;
  private readonly linkInfo: ((a: number, b: number) => Partial<PeerInfo>) | undefined;

  constructor(opts: LinkNetOptions<R>) {
    const rng = createRng(opts.seed);
    this.latency = opts.latencyMs ?? 1;
    this.wire = opts.wire ?? true;
    this.linkInfo = opts.linkInfo;
    this.edges =
      opts.edges !== undefined ? [...opts.edges] : randomTopology(opts.size, rng.fork(), opts.extraEdges);
    for (let i = 0; i < opts.size; i++) {
      const t = new LinkTransport(this as unknown as LinkNet<Router>, i);
      this.transports.push(t);
      this.adjacency.push(new Set());
      const holder: Holder = {
        ip: `127.1.${(i >> 8) & 0xff}.${(i & 0xff) + 1}`,
        port: 20000 + i,
        serventId: rng.bytes(16).toString('hex'),
      };
      this.holders.push(holder);
      const components: RouterComponents<Message> = {
        clock: this.clock,
        rng: rng.fork(),
        log: silentLogger,
        transport: t,
      };
      this.routers.push(opts.makeRouter(components, i, holder));
    }
    for (const [a, b] of this.edges) this.connect(a, b);
  }

  get size(): number {
    return this.routers.length;
  }

  router(i: number): R {
    const r = this.routers[i];
    if (r === undefined) throw new RangeError(`no node ${i}`);
    return r;
  }

  async startAll(): Promise<void> {
    for (const r of this.routers) await r.start();
  }

  neighbours(i: number): number[] {
    return [...(this.adjacency[i] ?? [])].sort((a, b) => a - b);
  }

  /** Opens a link a–b: both transports report peerUp. */
  connect(a: number, b: number): void {
    this.adjacency[a]?.add(b);
    this.adjacency[b]?.add(a);
    this.transports[a]?.handler?.peerUp?.({ id: nodeId(b), ...this.linkInfo?.(a, b) });
    this.transports[b]?.handler?.peerUp?.({ id: nodeId(a), ...this.linkInfo?.(b, a) });
  }

  /** Closes a link a–b: both transports report peerDown. */
  disconnect(a: number, b: number): void {
    this.adjacency[a]?.delete(b);
    this.adjacency[b]?.delete(a);
    this.transports[a]?.handler?.peerDown?.(nodeId(b));
    this.transports[b]?.handler?.peerDown?.(nodeId(a));
  }

  /** Crash: node i sends and receives nothing any more; its neighbours are not told. */
  async kill(i: number): Promise<void> {
    this.dead.add(i);
    await this.routers[i]?.stop();
  }

  /** Called by a transport: queues delivery after the latency. */
  transmit(from: number, to: number, msg: Message): boolean {
    if (this.dead.has(from) || this.adjacency[from]?.has(to) !== true) return false;
    const carried = this.wire ? decodeMessage(encodeMessage(msg)) : msg;
    this.sent++;
    this.clock.setTimeout(() => {
      if (this.dead.has(to) || this.adjacency[to]?.has(from) !== true) return;
      this.tap?.({ from, to, msg: carried });
      this.transports[to]?.handler?.message(nodeId(from), carried);
    }, this.latency);
    return true;
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await Promise.resolve();
  }

  async close(): Promise<void> {
    for (const r of this.routers) await r.stop();
  }
}

export interface FloodNetOptions {
  readonly size: number;
  readonly seed: number;
  readonly edges?: readonly Edge[];
  readonly extraEdges?: number;
  readonly wire?: boolean;
  readonly linkInfo?: (a: number, b: number) => Partial<PeerInfo>;
  /** per-node overrides of the flood configuration */
  readonly init?: (i: number) => Partial<FloodInit>;
  readonly start?: boolean;
}

/** A link network of flood routers, started. */
export async function createFloodNet(opts: FloodNetOptions): Promise<LinkNet<FloodRouter>> {
  const net = new LinkNet<FloodRouter>({
    ...opts,
    makeRouter: (components, i, holder) =>
      createFloodRouter(components, {
        serventId: Buffer.from(holder.serventId, 'hex'),
        advertised: () => ({ ip: holder.ip, port: holder.port }),
        ...opts.init?.(i),
      }),
  });
  if (opts.start ?? true) await net.startAll();
  return net;
}

/** The compliance harness over a flood link network. */
export const floodLinkNetFactory: ComplianceNetFactory = async ({ size, seed }) => {
  const net = await createFloodNet({ size, seed });
  const cnet: ComplianceNet = {
    size,
    router: (i) => net.router(i),
    holderOf: (i) => {
      const h = net.holders[i];
      if (h === undefined) throw new RangeError(`no node ${i}`);
      return { ...h };
    },
    advance: (ms) => net.advance(ms),
    kill: (i) => net.kill(i),
    messagesSent: () => net.sent,
    close: () => net.close(),
  };
  return cnet;
};
