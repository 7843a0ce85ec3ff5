import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Push } from '../../src/protocol/messages.js';
import type { FloodRouter } from '../../src/routing/flood/index.js';
import type { SearchHit } from '../../src/routing/types.js';
import { createFloodNet, type Edge, type LinkNet } from '../compliance/link-net.js';
import { complianceFile } from '../compliance/router.js';

const line = (n: number): Edge[] => Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as const);
const binaryTree = (n: number): Edge[] =>
  Array.from({ length: n - 1 }, (_, i) => [Math.floor(i / 2), i + 1] as const);
function grid(w: number): Edge[] {
  const edges: Edge[] = [];
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      if (x + 1 < w) edges.push([y * w + x, y * w + x + 1]);
      if (y + 1 < w) edges.push([y * w + x, (y + 1) * w + x]);
    }
  }
  return edges;
}

/** Hop distances from `src` (breadth-first over the net's links). */
function distances(net: LinkNet<FloodRouter>, src: number): number[] {
  const d = new Array<number>(net.size).fill(Infinity);
  d[src] = 0;
  const queue = [src];
  for (let q = queue.shift(); q !== undefined; q = queue.shift()) {
    for (const n of net.neighbours(q)) {
      if (d[n] === Infinity) {
        d[n] = (d[q] as number) + 1;
        queue.push(n);
      }
    }
  }
  return d;
}

const extra = (r: FloodRouter, k: string): number => r.stats().extra?.[k] ?? 0;

async function search(
  net: LinkNet<FloodRouter>,
  from: number,
  text: string,
  ttl: number,
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  const h = net.router(from).startSearch({ text, ttl }, { hit: (x) => hits.push(x), end: () => {} });
  await net.advance(50);
  h.cancel();
  return hits;
}

const FILE = complianceFile(4, 'Rare Field Recording.flac', 777_777);

describe('flooding reaches exactly the nodes within TTL, once each', () => {
  const cases: [string, Edge[], number, number][] = [
    ['line of 10', line(10), 10, 3],
    ['binary tree of 31', binaryTree(31), 31, 2],
    ['5×5 grid', grid(5), 25, 3],
    ['6×6 grid', grid(6), 36, 7],
  ];
  for (const [name, edges, size, ttl] of cases) {
    it(`${name}, TTL ${ttl}`, async () => {
      const net = await createFloodNet({ size, seed: 1, edges });
      await search(net, 0, 'anything at all', ttl);
      const d = distances(net, 0);
      for (let i = 1; i < size; i++) {
        const handled = extra(net.router(i), 'queriesHandled');
        expect(handled, `node ${i} at distance ${d[i]}`).toBe((d[i] as number) <= ttl ? 1 : 0);
      }
      // a node reached several ways dropped the copies as duplicates
      const dups = net.routers.reduce((s, r) => s + extra(r, 'duplicates'), 0);
      if (name.includes('grid')) expect(dups).toBeGreaterThan(0);
      else expect(dups).toBe(0);
      await net.close();
    });
  }
});

describe('flooding on random topologies (property)', () => {
  it('handles a query exactly at the nodes within TTL hops, once each', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 1000 }),
        async (size, extraEdges, ttl, seed) => {
          const net = await createFloodNet({ size, seed, extraEdges, wire: false });
          await search(net, 0, 'anything at all', ttl);
          const d = distances(net, 0);
          for (let i = 1; i < size; i++) {
            expect(extra(net.router(i), 'queriesHandled')).toBe((d[i] as number) <= ttl ? 1 : 0);
          }
        },
      ),
      { seed: 424242, numRuns: 40 },
    );
  });

  it('is deterministic: same seed, same counters everywhere', async () => {
    const run = async (): Promise<unknown[]> => {
      const net = await createFloodNet({ size: 20, seed: 99, extraEdges: 8 });
      net.router(7).publish([FILE]);
      net.router(0).ping();
      await search(net, 3, 'rare field', 5);
      return net.routers.map((r) => r.stats());
    };
    expect(await run()).toEqual(await run());
  });
});

describe('hits come back along the reverse path', () => {
  it('on a line, with hops = overlay distance and every intermediate node routing once', async () => {
    const net = await createFloodNet({ size: 6, seed: 1, edges: line(6) });
    net.router(5).publish([FILE]);
    const hits = await search(net, 0, 'rare recording', 5);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.hops).toBe(5);
    for (let i = 1; i < 5; i++) expect(extra(net.router(i), 'hitsRouted')).toBe(1);
    expect(extra(net.router(5), 'queriesAnswered')).toBe(1);
    // TTL 4 does not reach distance 5
    expect(await search(net, 0, 'rare recording', 4)).toEqual([]);
  });

  it('on a grid, each hit reports the holder’s shortest distance', async () => {
    const net = await createFloodNet({ size: 25, seed: 3, edges: grid(5) });
    const holders = [6, 12, 23];
    for (const h of [...holders, 24]) net.router(h).publish([FILE]);
    const hits = await search(net, 0, 'rare field', 7);
    const d = distances(net, 0);
    // 24 is 8 hops away: beyond TTL 7
    expect(hits).toHaveLength(3);
    for (const hit of hits) {
      const i = holders.find((h) => net.holders[h]?.serventId === hit.holder.serventId);
      expect(i).toBeDefined();
      expect(hit.hops).toBe(d[i as number]);
    }
  });
});

describe('Push routing through the learned route', () => {
  it('reaches a firewalled holder along the path its hit took', async () => {
    const pushes: { node: number; push: Push }[] = [];
    const net = await createFloodNet({
      size: 7,
      seed: 2,
      edges: [...line(5), [2, 5], [5, 6]],
      init: (i) => ({
        firewalled: () => i === 4,
        onPush: (push) => pushes.push({ node: i, push }),
      }),
    });
    net.router(4).publish([FILE]);
    const hits = await search(net, 0, 'rare', 5);
    expect(hits).toHaveLength(1);
    const hit = hits[0] as SearchHit;
    expect(hit.holder.needsPush).toBe(true);
    expect(net.router(0).sendPush(hit, { ip: '127.0.0.77', port: 6349 })).toBe(true);
    await net.advance(20);
    expect(pushes.map((p) => p.node)).toEqual([4]);
    expect(pushes[0]?.push).toMatchObject({ index: FILE.index, ip: '127.0.0.77', port: 6349 });
    expect(pushes[0]?.push.serventId.toString('hex')).toBe(net.holders[4]?.serventId);
    // the Push went only along 0-1-2-3-4, not to the side branch
    expect(extra(net.router(5), 'pushesRouted')).toBe(0);
    for (const i of [1, 2, 3]) expect(extra(net.router(i), 'pushesRouted')).toBe(1);
  });

  it('sendPush returns false for a holder we know no route to', async () => {
    const net = await createFloodNet({ size: 3, seed: 2, edges: line(3) });
    const fake: SearchHit = {
      holder: { ip: '127.0.0.5', port: 1, serventId: 'ab'.repeat(16), needsPush: true },
      file: { index: 1, name: 'x', size: 1, urn: undefined },
      hops: 2,
      backend: 'flood',
    };
    expect(net.router(0).sendPush(fake, { ip: '127.0.0.1', port: 2 })).toBe(false);
    expect(
      net.router(0).sendPush({ ...fake, holder: { ...fake.holder, serventId: 'nothex' } }, fake.holder),
    ).toBe(false);
  });

  it('an intermediate node drops a Push for an unknown target', async () => {
    const net = await createFloodNet({ size: 3, seed: 2, edges: line(3) });
    net.router(2).publish([FILE]);
    const hits = await search(net, 0, 'rare', 3);
    // node 1 forgets its push routes (restart), then the Push arrives
    await net.router(1).stop();
    await net.router(1).start();
    expect(net.router(0).sendPush(hits[0] as SearchHit, { ip: '127.0.0.1', port: 9 })).toBe(true);
    await net.advance(10);
    expect(extra(net.router(1), 'droppedPushNoRoute')).toBe(1);
    expect(extra(net.router(2), 'pushesReceived')).toBe(0);
  });
});

describe('churn', () => {
  it('a node leaving (peerDown on its links) does not break routing among the others', async () => {
    // a ring of 8: removing node 2 leaves the path the other way round
    const edges: Edge[] = [...line(8), [7, 0]];
    const net = await createFloodNet({ size: 8, seed: 4, edges });
    net.router(3).publish([FILE]);
    expect((await search(net, 1, 'rare', 7)).map((h) => h.hops)).toEqual([2]);
    net.disconnect(2, 1);
    net.disconnect(2, 3);
    await net.router(2).stop();
    const hits = await search(net, 1, 'rare', 7);
    expect(hits.map((h) => h.hops)).toEqual([6]);
  });

  it('a link going down mid-search drops the hits routed over it, and nothing else breaks', async () => {
    const net = await createFloodNet({ size: 5, seed: 4, edges: line(5), init: () => ({}) });
    net.router(4).publish([FILE]);
    const hits: SearchHit[] = [];
    const h = net
      .router(0)
      .startSearch({ text: 'rare', ttl: 5 }, { hit: (x) => hits.push(x), end: () => {} });
    await net.advance(4); // the query is at node 4 now, its hit on the way back
    net.disconnect(1, 2);
    await net.advance(20);
    h.cancel();
    expect(hits).toEqual([]);
    expect(extra(net.router(2), 'droppedNoRoute')).toBe(1);
  });
});

describe('30 routers on a random topology', () => {
  for (const seed of [11, 12, 13]) {
    it(`find a file held by one of them (seed ${seed})`, async () => {
      const net = await createFloodNet({ size: 30, seed, extraEdges: 12 });
      const holder = 29;
      net.router(holder).publish([FILE, complianceFile(9, 'Other Thing.txt', 5)]);
      const d = distances(net, 0);
      const hits = await search(net, 0, 'field recording flac', 7);
      expect(d[holder]).toBeLessThanOrEqual(7);
      expect(hits).toHaveLength(1);
      expect(hits[0]).toMatchObject({
        holder: { ...net.holders[holder], needsPush: false },
        file: { index: FILE.index, name: FILE.name, size: FILE.size, urn: FILE.urn },
        hops: d[holder],
        vendor: 'SRVT',
        backend: 'flood',
      });
      // every node handled the query at most once
      for (const r of net.routers) expect(extra(r, 'queriesHandled')).toBeLessThanOrEqual(1);
    });
  }
});
