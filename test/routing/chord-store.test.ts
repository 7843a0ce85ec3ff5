import { describe, expect, it } from 'vitest';
import { keywords } from '../../src/core/keywords.js';
import { PointerStore } from '../../src/routing/chord/store.js';
import { searchKey } from '../../src/routing/chord/index.js';
import type { ChordRouter } from '../../src/routing/chord/index.js';
import type { SearchEndReason, SearchHit, SearchRequest, SharedFileInfo } from '../../src/routing/types.js';
import { ChordTestNet, ownerOf } from './chord-testnet.js';

const FAST = {
  stabilizeMs: 200,
  fixFingersMs: 100,
  checkPredecessorMs: 400,
  rpcTimeoutMs: 100,
  fingersPerRound: 2,
};

function file(index: number, name: string, urnChar = 'A'): SharedFileInfo {
  return { index, name, size: 1000 + index, urn: `urn:sha1:${urnChar.repeat(32)}`, keywords: keywords(name) };
}

function searchNow(
  net: ChordTestNet,
  node: ChordRouter,
  q: SearchRequest,
): { hits: SearchHit[]; end: SearchEndReason } {
  const hits: SearchHit[] = [];
  let end: SearchEndReason | undefined;
  node.startSearch(q, { hit: (h) => hits.push(h), end: (r) => (end = r) });
  for (let i = 0; i < 1000 && end === undefined; i++) net.advance(20);
  if (end === undefined) throw new Error('search did not end');
  return { hits, end };
}

function stableNet(
  n: number,
  init: NonNullable<ConstructorParameters<typeof ChordTestNet>[0]>['init'] = {},
  wire = true,
): ChordTestNet {
  const net = new ChordTestNet({
    seed: 17,
    wire,
    init: { idBits: 32, successors: 6, ...FAST, republishMs: 60_000, ...init },
  });
  for (let i = 0; i < n; i++) void net.add({ bootstrap: undefined }).start();
  const refs = net.liveRing();
  for (const node of net.nodes) node.installStable({ refs });
  return net;
}

describe('chord pointers and search', () => {
  it('publishes every keyword and the urn; finds by keyword, by urn; hits name the holder', () => {
    const net = stableNet(24);
    net.nodes[3]!.publish([file(7, 'Blue Moon Rising.mp3', 'B'), file(8, 'moon landing.avi', 'C')]);
    net.advance(2000);
    const byWord = searchNow(net, net.nodes[10]!, { text: 'moon' });
    expect(byWord.end).toBe('complete');
    expect(byWord.hits.map((h) => h.file.name).sort()).toEqual(['Blue Moon Rising.mp3', 'moon landing.avi']);
    const h = byWord.hits[0]!;
    expect(h.holder).toEqual({
      ip: '10.0.0.4',
      port: 6346,
      serventId: (3).toString(16).padStart(32, '0'),
      needsPush: false,
    });
    expect(h.backend).toBe('chord');
    expect(h.hops).toBeGreaterThanOrEqual(0);
    const byUrn = searchNow(net, net.nodes[20]!, { text: '', urn: `urn:sha1:${'c'.repeat(32)}` });
    expect(byUrn.hits.map((x) => x.file.index)).toEqual([8]);
    expect(byUrn.hits[0]!.file.urn).toBe(`urn:sha1:${'C'.repeat(32)}`);
    // the publisher does not see its own files
    expect(searchNow(net, net.nodes[3]!, { text: 'moon' }).hits).toEqual([]);
  });

  it('multi-word queries return the intersection only', () => {
    const net = stableNet(16);
    net.nodes[1]!.publish([
      file(1, 'red apple pie.txt', 'D'),
      file(2, 'red car.txt', 'E'),
      file(3, 'apple red.txt', 'F'),
    ]);
    net.nodes[2]!.publish([file(4, 'green apple.txt', 'G')]);
    net.advance(2000);
    const r = searchNow(net, net.nodes[9]!, { text: 'Red APPLE' });
    expect(r.hits.map((h) => h.file.index).sort()).toEqual([1, 3]);
    expect(searchKey(['red', 'apple'], undefined)).toBe('apple');
    expect(searchNow(net, net.nodes[9]!, { text: 'apple' }).hits).toHaveLength(3);
    expect(searchNow(net, net.nodes[9]!, { text: 'red car apple' }).hits).toHaveLength(0);
    expect(searchNow(net, net.nodes[9]!, { text: '!' }).end).toBe('complete');
    const limited = searchNow(net, net.nodes[9]!, { text: 'apple', maxHits: 2 });
    expect(limited.hits).toHaveLength(2);
    expect(limited.end).toBe('limit');
  });

  it('replicates on the owner successors; the file is still found when the owner dies', () => {
    const net = stableNet(20, { replicas: 2 });
    net.nodes[5]!.publish([file(1, 'zebra.txt', 'H')]);
    net.advance(2000);
    const key = net.nodes[0]!.keyId('zebra');
    const ring = net.liveRing();
    const owner = ownerOf(ring, key);
    const oi = net.addrs.indexOf(owner.addr);
    const k = ring.findIndex((r) => r.id === owner.id);
    const holders = [0, 1, 2].map((d) => net.addrs.indexOf(ring[(k + d) % ring.length]!.addr));
    for (const i of holders) expect(net.nodes[i]!.storedPointers()).toBeGreaterThan(0);
    net.kill(oi);
    const r = searchNow(net, net.nodes[oi === 11 ? 12 : 11]!, { text: 'zebra' });
    expect(r.hits.map((h) => h.file.name)).toEqual(['zebra.txt']);
  });

  it('a joining node receives the pointers it becomes responsible for', () => {
    const net = new ChordTestNet({ seed: 23, init: { idBits: 32, successors: 4, ...FAST, replicas: 0 } });
    for (let i = 0; i < 8; i++) {
      void net.add().start();
      net.advance(500);
    }
    net.advance(5000);
    const names = Array.from({ length: 40 }, (_, i) => `word${i}.txt`);
    net.nodes[2]!.publish(
      names.map((n, i) => ({ index: i, name: n, size: 1, urn: undefined, keywords: keywords(n) })),
    );
    net.advance(5000);
    const before = net.nodes.map((n) => n.storedPointers()).reduce((a, b) => a + b, 0);
    expect(before).toBe(80); // 40 files × 2 keywords (word<i>, txt), no replicas
    for (let i = 0; i < 4; i++) {
      void net.add().start();
      net.advance(500);
    }
    net.advance(5000);
    // every key's current owner holds its pointers
    const ring = net.liveRing();
    for (const n of names) {
      const kw = n.replace('.txt', '');
      const owner = ownerOf(ring, net.nodes[0]!.keyId(kw));
      const i = net.addrs.indexOf(owner.addr);
      expect(net.nodes[i]!.storedPointers()).toBeGreaterThan(0);
      // node 2 published: any other node searches
      const r = searchNow(
        net,
        net.nodes[(i + 1) % net.nodes.length === 2 ? 5 : (i + 1) % net.nodes.length]!,
        { text: kw },
      );
      expect(r.hits.map((h) => h.file.name)).toEqual([n]);
    }
    expect(net.nodes.slice(8).some((n) => n.storedPointers() > 0)).toBe(true);
  });

  it('pointers expire when not re-published; re-publication keeps them alive', () => {
    const net = stableNet(12, { republishMs: 1000, pointerTtlMs: 3000, sweepMs: 500 });
    net.nodes[4]!.publish([file(1, 'kept.txt', 'J')]);
    net.nodes[6]!.publish([file(2, 'gone.txt', 'K')]);
    net.advance(1000);
    expect(searchNow(net, net.nodes[0]!, { text: 'gone' }).hits).toHaveLength(1);
    net.kill(6);
    net.advance(10_000);
    expect(searchNow(net, net.nodes[0]!, { text: 'gone' }).hits).toHaveLength(0);
    expect(searchNow(net, net.nodes[0]!, { text: 'kept' }).hits).toHaveLength(1);
    // a withdrawn file stops being re-published and expires too
    net.nodes[4]!.publish([]);
    net.advance(10_000);
    expect(searchNow(net, net.nodes[0]!, { text: 'kept' }).hits).toHaveLength(0);
  });

  it('cancel stops traffic and callbacks', () => {
    const net = stableNet(16);
    net.nodes[1]!.publish([file(1, 'cancelme.txt', 'L')]);
    net.advance(2000);
    const before = net.messages;
    let calls = 0;
    const h = net.nodes[9]!.startSearch({ text: 'cancelme' }, { hit: () => calls++, end: () => calls++ });
    h.cancel();
    net.advance(5000);
    expect(calls).toBe(0);
    // maintenance is off in this net except stabilisation timers: no search traffic
    const after = net.messages;
    const idle = stableNet(16);
    idle.advance(2000);
    const i0 = idle.messages;
    idle.advance(5000);
    expect(after - before).toBeLessThanOrEqual((idle.messages - i0) * 1.5 + 10);
  });
});

describe('pointer store caps', () => {
  const p = (i: number, port = 1) => ({
    name: `f${i}`,
    size: 1,
    urn: undefined,
    index: i,
    ip: '10.0.0.1',
    port,
    serventId: '0'.repeat(32),
    ttlMs: 1000,
  });

  it('refuses beyond per-key and total caps; refreshes still pass; TTL is capped', () => {
    const s = new PointerStore({ maxPerKey: 3, maxTotal: 5, maxTtlMs: 500 });
    for (let i = 0; i < 4; i++) s.put('k1', p(i), 0);
    expect(s.size).toBe(3);
    expect(s.refused).toBe(1);
    expect(s.put('k1', p(0), 100)).toBe(true); // refresh
    s.put('k2', p(10), 0);
    s.put('k2', p(11), 0);
    expect(s.put('k3', p(12), 0)).toBe(false);
    expect(s.size).toBe(5);
    // TTL capped at 500 ms (not the 1000 the pointer asked for)
    expect(s.get('k2', [], undefined, 499, 0, 10).pointers).toHaveLength(2);
    expect(s.get('k2', [], undefined, 500, 0, 10).pointers).toHaveLength(0);
    expect(s.sweep(600)).toBe(5);
    expect(s.size).toBe(0);
    expect(s.keys).toBe(0);
  });

  it('pages through a long answer', () => {
    const s = new PointerStore({ maxPerKey: 100, maxTotal: 100, maxTtlMs: 1000 });
    for (let i = 0; i < 10; i++) s.put('k', p(i), 0);
    const a = s.get('k', [], undefined, 1, 0, 4);
    expect(a.pointers.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    expect(a.next).toBe(4);
    const b = s.get('k', [], undefined, 1, 8, 4);
    expect(b.pointers.map((x) => x.index)).toEqual([8, 9]);
    expect(b.next).toBeUndefined();
  });
});
