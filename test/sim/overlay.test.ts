import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { constantLatency } from '../../src/sim/latency.js';
import { SimNetwork } from '../../src/sim/network.js';
import { OverlayMaintainer } from '../../src/sim/overlay.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { randomRegular } from '../../src/sim/topology.js';

function regularNet(n: number, d: number) {
  const s = new Scheduler();
  const net = new SimNetwork<string>(s, {
    mode: 'link',
    model: constantLatency(1),
    hooks: { sizeOf: () => 1, classify: () => 'background' },
  });
  for (let i = 0; i < n; i++) net.addNode();
  const e = randomRegular(n, d, createRng(1));
  for (let k = 0; k < e.length; k += 2) net.link(e[k] as number, e[k + 1] as number, true);
  const o = new OverlayMaintainer(net, createRng(2));
  for (let i = 0; i < n; i++) o.setTarget(i, d);
  return { s, net, o };
}

const meanDegree = (net: SimNetwork<string>): number => {
  let t = 0;
  for (let i = 0; i < net.liveNodes(); i++) t += net.neighbours(net.liveAt(i)).length;
  return t / net.liveNodes();
};

describe('overlay maintenance', () => {
  it('a full regular overlay has no free slots', () => {
    const { o } = regularNet(100, 4);
    expect(o.openSlots()).toBe(0);
    expect(o.targetOf(5)).toBe(4);
  });

  it("a crash's neighbours get free slots and re-pair among themselves", () => {
    const { net, o } = regularNet(200, 4);
    const victim = 10;
    const nbrs = [...net.neighbours(victim)];
    net.kill(victim, false);
    o.refresh(victim);
    for (const n of nbrs) o.refresh(n);
    expect(o.openSlots()).toBe(4);
    for (const n of nbrs) o.repair(n);
    // 4 deficits pair up into 2 new links (unless two of them were already linked)
    expect(o.openSlots()).toBeLessThanOrEqual(2);
    expect(nbrs.every((n) => net.neighbours(n).length >= 3)).toBe(true);
    expect(nbrs.filter((n) => net.neighbours(n).length === 4).length).toBeGreaterThanOrEqual(2);
  });

  it('a joining node fills free slots first, then splits links (degrees of the split ends unchanged)', () => {
    const { net, o } = regularNet(100, 4);
    for (const v of [1, 2]) {
      const nbrs = [...net.neighbours(v)];
      net.kill(v, false);
      for (const n of nbrs) o.refresh(n);
    }
    const before = o.openSlots();
    expect(before).toBeGreaterThanOrEqual(6);
    const j = net.addNode();
    o.join(j, 4);
    expect(net.neighbours(j).length).toBe(4);
    expect(o.openSlots()).toBe(before - 4);
    // no free slot anywhere: the joiner splits two links
    const full = regularNet(50, 4);
    const k = full.net.addNode();
    full.o.join(k, 4);
    expect(full.net.neighbours(k).length).toBe(4);
    for (let i = 0; i < 50; i++) expect(full.net.neighbours(i).length).toBe(4);
    // with a fallback (power-law), it attaches there instead
    const pl = regularNet(50, 4);
    const x = pl.net.addNode();
    pl.o.join(x, 2, () => 7);
    expect(pl.net.neighbours(x)).toEqual([7]);
  });

  it('balanced crashes and joins with repair keep the mean degree at the target', () => {
    const { net, o } = regularNet(2000, 4);
    const rng = createRng(3);
    for (let round = 0; round < 1000; round++) {
      const v = net.liveAt(rng.int(net.liveNodes()));
      const nbrs = [...net.neighbours(v)];
      net.kill(v, false);
      o.refresh(v);
      for (const n of nbrs) o.refresh(n);
      for (const n of nbrs) o.repair(n);
      o.join(net.addNode(), 4);
    }
    expect(net.liveNodes()).toBe(2000);
    expect(meanDegree(net)).toBeGreaterThan(3.95);
    expect(meanDegree(net)).toBeLessThanOrEqual(4);
    expect(o.openSlots()).toBeLessThan(40);
  });
});
