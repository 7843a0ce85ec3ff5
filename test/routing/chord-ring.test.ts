import { describe, expect, it } from 'vitest';
import { ChordTestNet, lookupNow, ownerOf } from './chord-testnet.js';
import type { ChordRouter, NodeRef } from '../../src/routing/chord/index.js';

const FAST = {
  stabilizeMs: 200,
  fixFingersMs: 100,
  checkPredecessorMs: 400,
  rpcTimeoutMs: 100,
  fingersPerRound: 2,
};

function buildSequential(n: number, opts: ConstructorParameters<typeof ChordTestNet>[0] = {}): ChordTestNet {
  const net = new ChordTestNet(opts);
  for (let i = 0; i < n; i++) {
    void net.add().start();
    net.advance(300);
  }
  return net;
}

function checkRing(net: ChordTestNet): { succOk: number; predOk: number; total: number } {
  const ring = net.liveRing();
  const pos = new Map(ring.map((r, i) => [r.id, i]));
  let succOk = 0;
  let predOk = 0;
  net.nodes.forEach((node, i) => {
    if (net.isDead(i)) return;
    for (const s of node.snapshot()) {
      const k = pos.get(s.self.id) as number;
      const succ = ring[(k + 1) % ring.length] as NodeRef;
      const pred = ring[(k + ring.length - 1) % ring.length] as NodeRef;
      if (s.succs[0]?.id === succ.id) succOk++;
      if (s.pred?.id === pred.id) predOk++;
    }
  });
  return { succOk, predOk, total: ring.length };
}

describe('chord ring maintenance', () => {
  it('32 sequential joins converge: successors, predecessors and successor lists are exact', () => {
    const net = buildSequential(32, { seed: 7, init: { idBits: 16, successors: 4, ...FAST } });
    net.advance(20_000);
    const r = checkRing(net);
    expect(r).toEqual({ succOk: 32, predOk: 32, total: 32 });
    const ring = net.liveRing();
    for (const node of net.nodes) {
      const s = node.snapshot()[0]!;
      const k = ring.findIndex((x) => x.id === s.self.id);
      const want = [1, 2, 3, 4].map((d) => ring[(k + d) % ring.length]!.id);
      expect(s.succs.map((x) => x.id)).toEqual(want);
    }
  });

  it('fingers converge to successor(n + 2^i) and lookups match a brute-force owner', () => {
    const net = buildSequential(32, { seed: 3, init: { idBits: 16, successors: 4, ...FAST } });
    net.advance(30_000);
    const ring = net.liveRing();
    const space = net.nodes[0]!.space;
    let wrong = 0;
    for (const node of net.nodes) {
      const s = node.snapshot()[0]!;
      for (const f of s.fingers) {
        const want = ownerOf(ring, space.addPow2(s.self.id, f.from));
        if (want.id !== f.node.id) wrong++;
      }
    }
    expect(wrong).toBe(0);
    const rng = net.rng;
    for (let q = 0; q < 200; q++) {
      const key = space.random(() => rng.uint32());
      const from = net.nodes[rng.int(net.nodes.length)]!;
      const res = lookupNow(net, from, key);
      expect(res.ok).toBe(true);
      expect(res.owner?.id).toBe(ownerOf(ring, key).id);
      expect(res.hops).toBeLessThanOrEqual(8);
    }
  });

  it('installStable gives exact state; lookups take about ½·log2 N hops', () => {
    const net = new ChordTestNet({ seed: 5, init: { idBits: 32, successors: 1, maintenance: false } });
    const n = 256;
    for (let i = 0; i < n; i++) void net.add({ bootstrap: undefined }).start();
    const refs = net.liveRing();
    for (const node of net.nodes) node.installStable({ refs });
    const space = net.nodes[0]!.space;
    let hops = 0;
    const rng = net.rng;
    const q = 400;
    for (let k = 0; k < q; k++) {
      const key = space.random(() => rng.uint32());
      const res = lookupNow(net, net.nodes[rng.int(n)]!, key, { confirm: false });
      expect(res.owner?.id).toBe(ownerOf(refs, key).id);
      hops += res.hops;
    }
    // paper (SIGCOMM Fig. 10a): 3.85 at N = 256
    expect(hops / q).toBeGreaterThan(3.4);
    expect(hops / q).toBeLessThan(4.3);
  });

  it('installStable fingers equal successor(n + 2^i) for every index, any id width', () => {
    for (const idBits of [13, 61, 160]) {
      const net = new ChordTestNet({ seed: idBits, init: { idBits, successors: 3, maintenance: false } });
      for (let i = 0; i < 300; i++) void net.add({ bootstrap: undefined }).start();
      const refs = net.liveRing();
      // a ring of 300 in 2^13 has near neighbours: the exact fallbacks get exercised
      for (const node of net.nodes) node.installStable({ refs });
      const space = net.nodes[0]!.space;
      for (const node of net.nodes) {
        const s = node.snapshot()[0]!;
        const lowest = s.fingers[0]?.from ?? idBits;
        for (let i = 0; i < idBits; i++) {
          const want = ownerOf(refs, space.addPow2(s.self.id, i));
          if (want.id === s.self.id) continue;
          const run = [...s.fingers].reverse().find((f) => f.from <= i);
          const got = i < lowest ? s.succs[0]! : run!.node;
          expect(got.id, `m=${idBits} i=${i}`).toBe(want.id);
        }
        expect(s.succs.map((x) => x.id)).toEqual(
          [1, 2, 3].map((d) => refs[(refs.findIndex((r) => r.id === s.self.id) + d) % refs.length]!.id),
        );
      }
    }
  });

  it('routes around dead nodes: timeouts, dead entries removed, correct owner', () => {
    const net = new ChordTestNet({
      seed: 11,
      init: { idBits: 32, successors: 8, maintenance: false, rpcTimeoutMs: 100 },
    });
    const n = 128;
    for (let i = 0; i < n; i++) void net.add({ bootstrap: undefined }).start();
    const refs = net.liveRing();
    for (const node of net.nodes) node.installStable({ refs });
    for (let i = 1; i < n; i += 4) net.kill(i);
    const live = net.liveRing();
    const space = net.nodes[0]!.space;
    let timeouts = 0;
    for (let k = 0; k < 200; k++) {
      const key = space.random(() => net.rng.uint32());
      let from: ChordRouter;
      do from = net.nodes[net.rng.int(n)]!;
      while (net.isDead(net.nodes.indexOf(from)));
      const res = lookupNow(net, from, key);
      expect(res.ok).toBe(true);
      expect(res.owner?.id).toBe(ownerOf(live, key).id);
      timeouts += res.timeouts;
    }
    expect(timeouts).toBeGreaterThan(0);
    // the same lookups again: dead entries were dropped, so far fewer timeouts
    let again = 0;
    for (let k = 0; k < 200; k++) {
      const key = space.random(() => net.rng.uint32());
      const res = lookupNow(net, net.nodes[0]!, key);
      again += res.timeouts;
    }
    expect(again).toBeLessThan(timeouts);
  });

  it('recursive mode finds the same owners with the same hop convention', () => {
    const net = new ChordTestNet({
      seed: 9,
      wire: true,
      init: { idBits: 24, successors: 3, maintenance: false, lookupMode: 'recursive' },
    });
    const n = 64;
    for (let i = 0; i < n; i++) void net.add({ bootstrap: undefined }).start();
    const refs = net.liveRing();
    for (const node of net.nodes) node.installStable({ refs });
    const space = net.nodes[0]!.space;
    for (let k = 0; k < 100; k++) {
      const key = space.random(() => net.rng.uint32());
      const res = lookupNow(net, net.nodes[k % n]!, key);
      expect(res.ok).toBe(true);
      expect(res.owner?.id).toBe(ownerOf(refs, key).id);
    }
    net.kill(5);
    net.kill(17);
    const live = net.liveRing();
    for (let k = 0; k < 100; k++) {
      const key = space.random(() => net.rng.uint32());
      const res = lookupNow(net, net.nodes[0]!, key);
      expect(res.ok).toBe(true);
      expect(res.owner?.id).toBe(ownerOf(live, key).id);
    }
  });

  it('repairs after failures: stabilize splices dead nodes out of the ring', () => {
    const net = buildSequential(24, { seed: 21, init: { idBits: 20, successors: 6, ...FAST } });
    net.advance(10_000);
    for (const i of [3, 4, 10, 15]) net.kill(i);
    net.advance(10_000);
    expect(checkRing(net)).toEqual({ succOk: 20, predOk: 20, total: 20 });
  });

  it('voluntary leave splices at once, without timeouts', () => {
    const net = buildSequential(16, {
      seed: 4,
      init: { idBits: 20, successors: 4, ...FAST, stabilizeMs: 60_000, checkPredecessorMs: 60_000 },
    });
    // converge with fast stabilisation first
    for (const n of net.nodes) n.setMaintenance(false);
    const refs = net.liveRing();
    for (const n of net.nodes) n.installStable({ refs });
    void net.nodes[6]!.stop();
    net.kill(6);
    net.advance(500);
    expect(checkRing(net)).toEqual({ succOk: 15, predOk: 15, total: 15 });
  });

  it('a joining node is adopted by its predecessor at once (HINT), not at its next stabilize', () => {
    const net = new ChordTestNet({
      seed: 31,
      wire: true,
      init: {
        idBits: 32,
        successors: 4,
        stabilizeMs: 600_000,
        fixFingersMs: 600_000,
        checkPredecessorMs: 600_000,
      },
    });
    for (let i = 0; i < 16; i++) void net.add({ bootstrap: undefined }).start();
    const refs = net.liveRing();
    for (const n of net.nodes) n.installStable({ refs });
    const newcomer = net.add({ bootstrap: net.addrs[0] });
    void newcomer.start();
    net.advance(1000);
    const ring = net.liveRing();
    const me = newcomer.vnodes[0]!;
    const k = ring.findIndex((r) => r.id === me.id);
    const pred = ring[(k + ring.length - 1) % ring.length]!;
    const succ = ring[(k + 1) % ring.length]!;
    const predNode = net.nodes[net.addrs.indexOf(pred.addr)]!;
    const succNode = net.nodes[net.addrs.indexOf(succ.addr)]!;
    expect(predNode.snapshot()[0]!.succs[0]?.id).toBe(me.id);
    expect(succNode.snapshot()[0]!.pred?.id).toBe(me.id);
    expect(newcomer.snapshot()[0]!.succs[0]?.id).toBe(succ.id);
  });

  it('a position that has not joined does not answer lookups (a joiner never adopts it by mistake)', () => {
    const net = new ChordTestNet({
      seed: 41,
      init: { idBits: 32, successors: 4, ...FAST, joinRetryMs: 500 },
    });
    for (let i = 0; i < 8; i++) void net.add({ bootstrap: undefined }).start();
    const refs = net.liveRing();
    for (const n of net.nodes) n.installStable({ refs });
    // y joins through an address nobody answers: it stays unjoined
    const y = net.add({ bootstrap: '10.99.99.99:6346' });
    void y.start();
    const x = net.add({ bootstrap: net.addrs[8] });
    void x.start();
    net.advance(5000);
    expect(y.joinedVnodes()).toEqual([]);
    expect(x.joinedVnodes()).toEqual([]);
    expect(x.snapshot()[0]!.succs).toEqual([]);
  });

  it('virtual nodes: every position is on the ring and lookups stay correct', () => {
    const net = new ChordTestNet({ seed: 13, init: { idBits: 24, successors: 6, virtualNodes: 4, ...FAST } });
    for (let i = 0; i < 8; i++) {
      void net.add().start();
      net.advance(500);
    }
    net.advance(20_000);
    expect(net.liveRing()).toHaveLength(32);
    expect(checkRing(net)).toEqual({ succOk: 32, predOk: 32, total: 32 });
    const ring = net.liveRing();
    const space = net.nodes[0]!.space;
    for (let k = 0; k < 100; k++) {
      const key = space.random(() => net.rng.uint32());
      const res = lookupNow(net, net.nodes[k % 8]!, key);
      expect(res.owner?.id).toBe(ownerOf(ring, key).id);
    }
  });
});
