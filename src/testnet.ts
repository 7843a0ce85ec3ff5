/**
 * `createTestnet(n)`: n real servents in one process, on loopback TCP ports or on the
 * in-memory network, wired in a chosen topology, each sharing its own temporary folder.
 * Tests and benches use it instead of ad-hoc set-ups; `close()` removes everything.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSystemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import type { Logger } from './core/log.js';
import { silentLogger } from './core/log.js';
import { createRng, shuffle } from './core/rng.js';
import { MemoryNetwork } from './net/memory-network.js';
import { DEFAULT_CONFIG, startServent } from './servent.js';
import type { Servent, ServentConfig } from './servent.js';

export type Topology = 'line' | 'ring' | 'star' | 'random' | ReadonlyArray<readonly [number, number]>;

export interface TestnetOptions {
  readonly transport?: 'tcp' | 'memory';
  readonly topology?: Topology;
  /** links per node for 'random' (a random spanning tree plus extra edges; default 3) */
  readonly degree?: number;
  readonly seed?: number;
  /** files node i shares: relative path → content */
  readonly files?: (i: number) => Record<string, string | Buffer>;
  /** per-node configuration overrides; `started` are the nodes already running (0 … i−1) */
  readonly config?: (i: number, started: readonly Servent[]) => Partial<ServentConfig>;
  readonly log?: Logger;
  readonly clock?: Clock;
}

export interface Testnet {
  readonly servents: Servent[];
  readonly edges: ReadonlyArray<readonly [number, number]>;
  readonly root: string;
  /** the share folder of node i */
  shareDir(i: number): string;
  /** waits until every edge of the topology has an open connection */
  waitConnected(timeoutMs?: number): Promise<void>;
  /** stops node i (Bye to its peers) */
  stop(i: number): Promise<void>;
  close(): Promise<void>;
}

export function topologyEdges(
  n: number,
  topology: Topology,
  degree: number,
  seed: number,
): Array<[number, number]> {
  if (typeof topology !== 'string') return topology.map(([a, b]) => [a, b]);
  const edges: Array<[number, number]> = [];
  switch (topology) {
    case 'line':
      for (let i = 1; i < n; i++) edges.push([i - 1, i]);
      break;
    case 'ring':
      for (let i = 1; i < n; i++) edges.push([i - 1, i]);
      if (n > 2) edges.push([n - 1, 0]);
      break;
    case 'star':
      for (let i = 1; i < n; i++) edges.push([0, i]);
      break;
    case 'random': {
      const rng = createRng(seed);
      const order = shuffle(
        rng,
        Array.from({ length: n }, (_, i) => i),
      );
      const seen = new Set<string>();
      const add = (a: number, b: number): void => {
        if (a === b) return;
        const k = a < b ? `${a}-${b}` : `${b}-${a}`;
        if (seen.has(k)) return;
        seen.add(k);
        edges.push([a, b]);
      };
      // a random spanning tree keeps the graph connected ...
      for (let i = 1; i < n; i++) add(order[i] as number, order[rng.int(i)] as number);
      // ... and extra random edges bring the mean degree up to `degree`
      const target = Math.floor((n * degree) / 2);
      for (let tries = 0; edges.length < target && tries < n * degree * 10; tries++)
        add(rng.int(n), rng.int(n));
      break;
    }
  }
  return edges;
}

export async function createTestnet(n: number, opts: TestnetOptions = {}): Promise<Testnet> {
  const transport = opts.transport ?? 'tcp';
  const seed = opts.seed ?? 1;
  const log = opts.log ?? silentLogger;
  const clock = opts.clock ?? createSystemClock();
  const root = await mkdtemp(join(tmpdir(), 'servent-testnet-'));
  const network = transport === 'memory' ? new MemoryNetwork(log) : undefined;
  const servents: Servent[] = [];
  const stopped = new Set<number>();
  const shareDir = (i: number): string => join(root, `node${i}`, 'share');
  try {
    for (let i = 0; i < n; i++) {
      const files = opts.files?.(i) ?? {};
      await mkdir(shareDir(i), { recursive: true });
      for (const [rel, content] of Object.entries(files)) {
        const p = join(shareDir(i), rel);
        await mkdir(dirname(p), { recursive: true });
        await writeFile(p, content);
      }
      const config: ServentConfig = {
        ...DEFAULT_CONFIG,
        dataDir: join(root, `node${i}`, 'data'),
        listen:
          transport === 'memory'
            ? { host: `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`, port: 6346 }
            : { host: '127.0.0.1', port: 0 },
        shares: [shareDir(i)],
        minPeers: 0,
        maxPerIp: 1000,
        watch: false,
        ...opts.config?.(i, servents),
      };
      servents.push(
        await startServent(config, {
          clock,
          rng: createRng(seed * 1000 + i),
          log: log.child({ node: i }),
          ...(network !== undefined ? { network } : {}),
        }),
      );
    }
    await Promise.all(servents.map((s) => s.library.whenHashed()));
  } catch (e) {
    await Promise.all(servents.map((s) => s.stop()));
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  const edges = topologyEdges(n, opts.topology ?? 'line', opts.degree ?? 3, seed);
  for (const [a, b] of edges) {
    const target = servents[b] as Servent;
    const { ip, port } = target.address();
    await (servents[a] as Servent).connect(ip, port);
  }
  const linked = (a: number, b: number): boolean => {
    const sb = servents[b] as Servent;
    return (servents[a] as Servent).connections
      .list()
      .some(
        (c) =>
          c.state === 'open' &&
          c.info.listen?.port === sb.address().port &&
          c.info.listen.ip === sb.address().ip,
      );
  };
  return {
    servents,
    edges,
    root,
    shareDir,
    async waitConnected(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const missing = edges.filter(([a, b]) => !stopped.has(a) && !stopped.has(b) && !linked(a, b));
        if (missing.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(`testnet: ${missing.length} links not open after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop(i) {
      stopped.add(i);
      await (servents[i] as Servent).stop();
    },
    async close() {
      await Promise.all(servents.map((s) => s.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
