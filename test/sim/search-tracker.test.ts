import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../../src/routing/types.js';
import { simAddress, simIndexOf, simIp } from '../../src/sim/address.js';
import { SearchTracker } from '../../src/sim/search-tracker.js';

function hit(node: number, name: string, hops: number): SearchHit {
  return {
    holder: { ip: simIp(node), port: 6346, serventId: '0'.repeat(32), needsPush: false },
    file: { index: 0, name, size: 1, urn: undefined },
    hops,
    backend: 'test',
  };
}

function tracker(keyed: boolean) {
  let now = 0;
  const alive = new Set([0, 1, 2, 3, 4]);
  const holds = new Map([
    [1, 7],
    [2, 7],
    [3, 8],
  ]);
  const t = new SearchTracker(
    {
      now: () => now,
      liveNodes: () => alive.size,
      indexOf: (a) => simIndexOf(a),
      isAlive: (i) => alive.has(i),
      holds: (i, f) => holds.get(i) === f,
      fileIdOf: (n) => (n.startsWith('sim') ? Number(n.slice(3)) : -1),
      lookupKey: keyed ? (m) => (typeof m === 'string' && m.startsWith('Q') ? m : undefined) : undefined,
    },
    1000,
  );
  return { t, alive, setNow: (v: number) => (now = v) };
}

describe('SearchTracker', () => {
  it('only a hit naming a live node that holds the requested file is a success; hops and latency of the first', () => {
    const { t, alive, setNow } = tracker(false);
    let sink: { hit(h: SearchHit): void; end(): void } | undefined;
    let cancelled = 0;
    const id = t.begin(0, 7, true, (s) => {
      sink = s;
      return { cancel: () => cancelled++ };
    });
    setNow(30);
    alive.delete(2);
    sink?.hit(hit(2, 'sim7', 1)); // dead holder
    sink?.hit(hit(3, 'sim7', 2)); // does not hold file 7
    sink?.hit(hit(1, 'sim8', 2)); // wrong file
    sink?.hit({ ...hit(1, 'sim7', 2), holder: { ...hit(1, 'sim7', 2).holder, ip: '192.168.0.1' } }); // not a sim node
    setNow(50);
    sink?.hit(hit(1, 'sim7', 4)); // the first valid one
    setNow(60);
    sink?.hit(hit(1, 'sim7', 1));
    t.expire(id);
    t.expire(id);
    expect(cancelled).toBe(1);
    expect(t.successes).toBe(1);
    expect(t.totalHits).toBe(6);
    expect([...t.hops.values()]).toEqual([4]);
    expect([...t.latency.values()]).toEqual([50]);
    expect(t.activeCount()).toBe(0);
    sink?.hit(hit(1, 'sim7', 1));
    expect(t.totalHits).toBe(6);
  });

  it('a search the back-end ends without a valid hit is a failure, bucketed by its start time', () => {
    const { t, setNow } = tracker(false);
    setNow(2500);
    t.begin(0, 7, false, (s) => {
      s.end();
      return { cancel: () => {} };
    });
    expect(t.finished).toBe(1);
    expect(t.successes).toBe(0);
    expect(t.resolvable).toBe(0);
    expect(t.buckets.get(2)).toEqual([1, 0]);
  });

  it('with a lookup key: requests, reached set and duplicates per lookup', () => {
    const { t } = tracker(true);
    const id = t.begin(0, 7, true, () => {
      t.onSend(0, 'Qa');
      t.onSend(0, 'Qa');
      return { cancel: () => {} };
    });
    t.onSend(3, 'Qa'); // relayed copy
    t.onSend(3, 'Qzz'); // someone else's lookup: ignored
    t.onSend(3, 'hit'); // not a request
    t.onDeliver(1, 'Qa');
    t.onDeliver(2, 'Qa');
    t.onDeliver(1, 'Qa'); // duplicate
    t.onDeliver(0, 'Qa'); // back at the origin: duplicate
    t.expire(id);
    t.onDeliver(3, 'Qa'); // after the end: not counted
    expect([...t.requests.values()]).toEqual([3]);
    expect([...t.coverage.values()]).toEqual([2 / 4]);
    expect(t.duplicates).toBe(2);
    expect(t.requestDeliveries).toBe(4);
  });

  it('expireAll closes every open search', () => {
    const { t } = tracker(false);
    for (let i = 0; i < 3; i++) t.begin(0, 7, true, () => ({ cancel: () => {} }));
    expect(t.activeCount()).toBe(3);
    t.expireAll();
    expect(t.activeCount()).toBe(0);
    expect(t.finished).toBe(3);
    expect(simAddress(0)).toBe('10.0.0.1:6346');
  });
});
