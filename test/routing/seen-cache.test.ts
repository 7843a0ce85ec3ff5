import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createRng } from '../../src/core/rng.js';
import {
  estimateSeenCacheBytes,
  guidTypeKey,
  idKey,
  SEEN_CACHE_BYTES_PER_ENTRY,
  SeenCache,
} from '../../src/routing/seen-cache.js';

const FC_SEED = 20240611;

describe('seen-cache keys', () => {
  it('distinguishes the payload type and is 17 latin1 chars', () => {
    const g = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const a = guidTypeKey(g, 0x00);
    const b = guidTypeKey(g, 0x80);
    expect(a).not.toBe(b);
    expect(a.length).toBe(17);
    expect(Buffer.from(a, 'latin1').subarray(0, 16)).toEqual(g);
    expect(idKey(g)).toBe(a.slice(0, 16));
  });

  it('handles a short GUID without reading stale scratch bytes', () => {
    guidTypeKey(Buffer.alloc(16, 0xff), 1);
    expect(guidTypeKey(Buffer.from([1, 2]), 1)).toBe(guidTypeKey(Buffer.from([1, 2, 0, 0]), 1));
  });
});

describe('SeenCache', () => {
  it('reports new keys once and keeps the first value', () => {
    const c = new SeenCache<string>(new ManualClock(0));
    expect(c.add('k', 'a')).toBe(true);
    expect(c.add('k', 'b')).toBe(false);
    expect(c.get('k')).toBe('a');
    expect(c.update('k', 'c')).toBe(true);
    expect(c.get('k')).toBe('c');
    expect(c.update('missing', 'c')).toBe(false);
  });

  it('is bounded in entries, evicting the oldest first', () => {
    const c = new SeenCache<number>(new ManualClock(0), { maxEntries: 3 });
    for (let i = 0; i < 5; i++) c.add(`k${i}`, i);
    expect(c.size).toBe(3);
    expect(c.has('k0')).toBe(false);
    expect(c.has('k1')).toBe(false);
    expect(c.has('k4')).toBe(true);
    expect(c.evicted).toBe(2);
  });

  it('is bounded in age: kept at least maxAge, gone by maxAge + granularity', () => {
    const clock = new ManualClock(0);
    const c = new SeenCache<number>(clock, { maxAgeMs: 1000, granularityMs: 100 });
    c.add('old', 1);
    clock.advance(550);
    c.add('young', 2);
    clock.advance(450); // old is exactly maxAge old
    expect(c.has('old')).toBe(true);
    clock.advance(100); // past maxAge + granularity
    expect(c.has('old')).toBe(false);
    expect(c.has('young')).toBe(true);
    clock.advance(1000);
    expect(c.has('young')).toBe(false);
    expect(c.size).toBe(0);
  });

  it('update() keeps the entry’s age', () => {
    const clock = new ManualClock(0);
    const c = new SeenCache<number>(clock, { maxAgeMs: 100, granularityMs: 10 });
    c.add('k', 1);
    clock.advance(90);
    c.update('k', 2);
    clock.advance(30);
    expect(c.get('k')).toBeUndefined();
  });

  it('stays within its bound after 10^6 unique GUIDs', () => {
    const clock = new ManualClock(0);
    const c = new SeenCache<number>(clock, { maxEntries: 10_000 });
    const g = Buffer.alloc(16);
    for (let i = 0; i < 1_000_000; i++) {
      g.writeUInt32LE(i, 0);
      c.add(guidTypeKey(g, 0x80), 0);
      if ((i & 1023) === 0) clock.advance(1);
    }
    expect(c.size).toBe(10_000);
    expect(c.evicted).toBe(990_000);
    g.writeUInt32LE(999_999, 0);
    expect(c.has(guidTypeKey(g, 0x80))).toBe(true);
    g.writeUInt32LE(989_999, 0);
    expect(c.has(guidTypeKey(g, 0x80))).toBe(false);
    expect(c.estimateBytes()).toBeLessThan(estimateSeenCacheBytes(10_000) + 16 * 64);
  });

  it('costs about SEEN_CACHE_BYTES_PER_ENTRY heap bytes per entry (when gc is exposed)', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) return; // run with NODE_OPTIONS=--expose-gc to measure
    const rng = createRng(1);
    gc();
    const before = process.memoryUsage().heapUsed;
    const c = new SeenCache<number>(new ManualClock(0), { maxEntries: 50_000 });
    for (let i = 0; i < 200_000; i++) c.add(guidTypeKey(rng.bytes(16), 0x80), 0);
    gc();
    const perEntry = (process.memoryUsage().heapUsed - before) / c.size;
    expect(perEntry).toBeLessThan(SEEN_CACHE_BYTES_PER_ENTRY * 1.5);
  });

  it('matches a model: size ≤ maxEntries, young entries among the newest kept, old ones gone', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 400 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (ops, maxEntries) => {
        const clock = new ManualClock(0);
        const maxAgeMs = 1000;
        const g = 50;
        const c = new SeenCache<number>(clock, { maxEntries, maxAgeMs, granularityMs: g });
        // model: insertion log of (key, time) for keys added while absent
        const log: { key: string; at: number }[] = [];
        for (const o of ops) {
          if (o.kind === 'wait') {
            clock.advance(o.ms);
            continue;
          }
          const key = `k${o.key}`;
          const isNew = c.add(key, 0);
          if (isNew) log.push({ key, at: clock.now() });
          expect(c.size).toBeLessThanOrEqual(maxEntries);
        }
        const now = clock.now();
        const newest = new Set(log.slice(-maxEntries));
        const latest = new Map(log.map((e) => [e.key, e]));
        for (const e of latest.values()) {
          const present = c.has(e.key);
          if (now - e.at >= maxAgeMs + g) expect(present).toBe(false);
          else if (now - e.at < maxAgeMs && newest.has(e)) expect(present).toBe(true);
        }
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});
