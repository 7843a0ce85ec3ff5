/**
 * Two tiny back-ends used only to test the simulator, independent of the real ones:
 *
 * - `toyFlood` (link mode): a query floods with a TTL, each node forwards the first copy
 *   it sees to every other link, holders answer along the reverse path. Hops are the
 *   overlay distance, so on a ring the answers are known in closed form.
 * - `toyDirectory` (addressed mode): node 0 is a directory; nodes publish to it and
 *   heartbeat every second (background traffic); a search asks the directory.
 */
import type { Rng } from '../../src/core/rng.js';
import type { SimBackend, SimNodeContext } from '../../src/sim/backend.js';
import { simIndexOf } from '../../src/sim/address.js';
import type {
  PeerId,
  PeerInfo,
  Router,
  RouterComponents,
  RouterStats,
  SearchHandle,
  SearchHit,
  SearchRequest,
  SearchSink,
  SharedFileInfo,
  TransportHandler,
} from '../../src/routing/types.js';

export type ToyMsg =
  | { t: 'q'; id: string; text: string; ttl: number; hops: number }
  | { t: 'h'; id: string; ip: string; name: string; hops: number }
  | { t: 'pub'; names: string[] }
  | { t: 'get'; id: string; text: string }
  | { t: 'ans'; id: string; holders: string[]; name: string }
  | { t: 'beat' };

function noIterable(): AsyncIterable<SearchHit> {
  return { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) };
}

function searchId(rng: Rng): string {
  return rng.uint32().toString(16) + rng.uint32().toString(16);
}

class ToyFloodRouter implements Router, TransportHandler<ToyMsg> {
  readonly kind = 'toy-flood';
  private readonly links: PeerId[] = [];
  private readonly seen = new Map<string, PeerId | null>();
  private readonly sinks = new Map<string, SearchSink>();
  private names = new Set<string>();
  duplicates = 0;
  sent = 0;

  constructor(
    private readonly c: RouterComponents<ToyMsg>,
    private readonly ctx: SimNodeContext,
  ) {}

  async start(): Promise<void> {
    this.c.transport.setHandler(this);
  }
  async stop(): Promise<void> {}
  publish(files: readonly SharedFileInfo[]): void {
    this.names = new Set(files.map((f) => f.name));
  }
  peerUp(p: PeerInfo): void {
    this.links.push(p.id);
  }
  peerDown(id: PeerId): void {
    const k = this.links.indexOf(id);
    if (k >= 0) this.links.splice(k, 1);
  }
  private send(to: PeerId, m: ToyMsg): void {
    if (this.c.transport.send(to, m)) this.sent++;
  }
  message(from: PeerId, m: ToyMsg): void {
    if (m.t === 'q') {
      if (this.seen.has(m.id)) {
        this.duplicates++;
        return;
      }
      this.seen.set(m.id, from);
      if (this.names.has(m.text)) {
        this.send(from, { t: 'h', id: m.id, ip: this.ctx.ip, name: m.text, hops: 1 });
      }
      if (m.ttl > 1)
        for (const l of this.links) if (l !== from) this.send(l, { ...m, ttl: m.ttl - 1, hops: m.hops + 1 });
    } else if (m.t === 'h') {
      const back = this.seen.get(m.id);
      if (back === null) {
        this.sinks.get(m.id)?.hit({
          holder: { ip: m.ip, port: 6346, serventId: '0'.repeat(32), needsPush: false },
          file: { index: 0, name: m.name, size: 1, urn: undefined },
          hops: m.hops,
          backend: 'toy-flood',
        });
      } else if (back !== undefined) {
        this.send(back, { ...m, hops: m.hops + 1 });
      }
    }
  }
  startSearch(q: SearchRequest, sink: SearchSink): SearchHandle {
    const id = searchId(this.c.rng);
    this.seen.set(id, null);
    this.sinks.set(id, sink);
    for (const l of this.links) this.send(l, { t: 'q', id, text: q.text, ttl: q.ttl ?? 3, hops: 0 });
    const timer = this.c.clock.setTimeout(() => {
      if (this.sinks.delete(id)) sink.end('timeout');
    }, 5000);
    return {
      cancel: () => {
        this.sinks.delete(id);
        this.c.clock.clearTimeout(timer);
      },
    };
  }
  search(): AsyncIterable<SearchHit> {
    return noIterable();
  }
  stats(): RouterStats {
    return {
      messagesSent: this.sent,
      messagesReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      stateBytes: 100 + 40 * this.seen.size + 30 * this.links.length,
      extra: { duplicates: this.duplicates },
    };
  }
}

export const toyFlood: SimBackend<ToyMsg> = {
  name: 'toy-flood',
  mode: 'link',
  sizeOf: (m) => (m.t === 'q' ? 23 + m.text.length : 40),
  classify: (m) => (m.t === 'q' || m.t === 'h' ? 'lookup' : 'background'),
  lookupKey: (m) => (m.t === 'q' ? m.id : undefined),
  createNode: (c, ctx) => new ToyFloodRouter(c, ctx),
  reference: (p) => {
    const ttl = typeof p.params['ttl'] === 'number' ? p.params['ttl'] : 3;
    return [{ label: 'ring bound', metric: 'requestsPerLookup.mean', value: 2 * ttl }];
  },
};

class ToyDirectoryRouter implements Router, TransportHandler<ToyMsg> {
  readonly kind = 'toy-dir';
  private readonly dir: string;
  private readonly index = new Map<string, string[]>();
  private readonly sinks = new Map<string, SearchSink>();
  private stopBeat: (() => void) | undefined;
  private names: string[] = [];

  constructor(
    private readonly c: RouterComponents<ToyMsg>,
    private readonly ctx: SimNodeContext,
  ) {
    this.dir = '10.0.0.1:6346';
    c.transport.setHandler(this);
  }
  async start(): Promise<void> {
    const beat = (): void => {
      if (this.ctx.index !== 0) this.c.transport.send(this.dir, { t: 'beat' });
      this.stopBeat = undefined;
      const h = this.c.clock.setTimeout(beat, 1000);
      this.stopBeat = () => this.c.clock.clearTimeout(h);
    };
    beat();
  }
  async stop(): Promise<void> {
    this.stopBeat?.();
  }
  publish(files: readonly SharedFileInfo[]): void {
    this.names = files.map((f) => f.name);
    this.c.transport.send(this.dir, { t: 'pub', names: this.names });
  }
  message(from: PeerId, m: ToyMsg): void {
    if (m.t === 'pub') {
      for (const n of m.names) this.index.set(n, [...(this.index.get(n) ?? []), from]);
    } else if (m.t === 'get') {
      this.c.transport.send(from, {
        t: 'ans',
        id: m.id,
        holders: this.index.get(m.text) ?? [],
        name: m.text,
      });
    } else if (m.t === 'ans') {
      const sink = this.sinks.get(m.id);
      if (sink === undefined) return;
      for (const h of m.holders) {
        sink.hit({
          holder: { ip: h.split(':')[0] as string, port: 6346, serventId: '0'.repeat(32), needsPush: false },
          file: { index: 0, name: m.name, size: 1, urn: undefined },
          hops: 2,
          backend: 'toy-dir',
        });
      }
      this.sinks.delete(m.id);
      sink.end('complete');
    }
  }
  startSearch(q: SearchRequest, sink: SearchSink): SearchHandle {
    const id = searchId(this.c.rng);
    this.sinks.set(id, sink);
    this.c.transport.send(this.dir, { t: 'get', id, text: q.text });
    return { cancel: () => this.sinks.delete(id) };
  }
  search(): AsyncIterable<SearchHit> {
    return noIterable();
  }
  stats(): RouterStats {
    return {
      messagesSent: 0,
      messagesReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      stateBytes: 64 + 32 * this.index.size,
    };
  }
}

export const toyDirectory: SimBackend<ToyMsg> = {
  name: 'toy-dir',
  mode: 'addressed',
  sizeOf: () => 32,
  classify: (m) => (m.t === 'beat' || m.t === 'pub' ? 'background' : 'lookup'),
  createNode: (c, ctx) => new ToyDirectoryRouter(c, ctx),
};

export const toyBackends = { 'toy-flood': toyFlood, 'toy-dir': toyDirectory } as const;

/** Index of a simulated address, for assertions. */
export const indexOf = simIndexOf;
