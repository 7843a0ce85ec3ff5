import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { keywords } from '../../src/core/keywords.js';
import { createRng } from '../../src/core/rng.js';
import {
  Placement,
  sampleDistinct,
  sharedFileInfo,
  simFile,
  simFileId,
  simUrn,
} from '../../src/sim/workload.js';
import { Zipf } from '../../src/sim/zipf.js';

describe('Zipf', () => {
  it('probabilities are 1/k^s normalised', () => {
    const z = new Zipf(4, 1);
    const h = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    expect(z.probability(0)).toBeCloseTo(1 / h, 12);
    expect(z.probability(3)).toBeCloseTo(1 / 4 / h, 12);
    expect(z.probability(4)).toBe(0);
    let sum = 0;
    const big = new Zipf(1000, 0.8);
    for (let k = 0; k < 1000; k++) sum += big.probability(k);
    expect(sum).toBeCloseTo(1, 12);
  });

  it('samples follow the distribution (s = 1.2) and s = 0 is uniform', () => {
    const rng = createRng(5);
    const z = new Zipf(50, 1.2);
    const counts = new Array<number>(50).fill(0);
    const N = 200_000;
    for (let i = 0; i < N; i++) {
      const k = z.sample(rng);
      counts[k] = (counts[k] as number) + 1;
    }
    for (const k of [0, 1, 4, 20]) {
      const expected = z.probability(k) * N;
      expect(Math.abs((counts[k] as number) - expected)).toBeLessThan(5 * Math.sqrt(expected) + 5);
    }
    const u = new Zipf(10, 0);
    const uc = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const k = u.sample(rng);
      uc[k] = (uc[k] as number) + 1;
    }
    for (const c of uc) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('rejects bad parameters with a coded error', () => {
    expect(() => new Zipf(0, 1)).toThrow(ConfigError);
    expect(() => new Zipf(5, -1)).toThrow(ConfigError);
  });
});

describe('workload files', () => {
  it('file k is "sim<k>" with one keyword and a fixed 32-char base32 urn', () => {
    const f = simFile(42);
    expect(f.name).toBe('sim42');
    expect(keywords(f.name)).toEqual(['sim42']);
    expect(f.urn).toMatch(/^urn:sha1:[A-Z2-7]{32}$/);
    expect(simUrn(42)).toBe(f.urn);
    expect(simUrn(43)).not.toBe(f.urn);
    expect(simFileId('sim42')).toBe(42);
    expect(simFileId('sim')).toBe(-1);
    expect(simFileId('xsim1')).toBe(-1);
    const info = sharedFileInfo(f, 3);
    expect(info).toMatchObject({ index: 3, name: 'sim42', keywords: ['sim42'], urn: f.urn });
    const urns = new Set(Array.from({ length: 10_000 }, (_, k) => simUrn(k)));
    expect(urns.size).toBe(10_000);
  });

  it('sampleDistinct gives k distinct values in range', () => {
    const rng = createRng(1);
    for (const [n, k] of [
      [10, 10],
      [100, 7],
      [1, 1],
    ] as const) {
      const s = sampleDistinct(rng, n, k);
      expect(new Set(s).size).toBe(k);
      expect(s.every((v) => v >= 0 && v < n)).toBe(true);
    }
  });

  it('replicas placement puts each file on r distinct nodes and tracks live replicas', () => {
    const p = new Placement({ kind: 'replicas', files: 50, replicas: 5 }, createRng(2));
    p.placeInitial(100);
    let total = 0;
    for (let f = 0; f < 50; f++) {
      expect(p.liveReplicasOf(f)).toBe(5);
      let holders = 0;
      for (let n = 0; n < 100; n++) if (p.holds(n, f)) holders++;
      expect(holders).toBe(5);
      total += holders;
    }
    expect(total).toBe(250);
    const victim = [...Array(100).keys()].find((n) => p.filesOf(n).length > 0) as number;
    const lost = p.filesOf(victim);
    p.nodeGone(victim);
    for (const f of lost) expect(p.liveReplicasOf(f)).toBe(4);
    p.placeOnJoin(100);
    expect(p.filesOf(100)).toEqual([]);
  });

  it('zipf placement gives each node c distinct files, popular files more often', () => {
    const p = new Placement({ kind: 'zipf', files: 200, perNode: 3, exponent: 1 }, createRng(3));
    p.placeInitial(2000);
    for (let n = 0; n < 2000; n++) expect(new Set(p.filesOf(n)).size).toBe(3);
    expect(p.liveReplicasOf(0)).toBeGreaterThan(p.liveReplicasOf(50) * 5);
    p.placeOnJoin(2000);
    expect(p.filesOf(2000).length).toBe(3);
  });
});
