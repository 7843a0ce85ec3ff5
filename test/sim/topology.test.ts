import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import {
  buildTopology,
  degrees,
  preferentialAttachment,
  randomRegular,
  ring,
} from '../../src/sim/topology.js';

function edgeSet(edges: Int32Array): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i < edges.length; i += 2) {
    const a = edges[i] as number;
    const b = edges[i + 1] as number;
    s.add(a < b ? `${a}-${b}` : `${b}-${a}`);
  }
  return s;
}

function isSimple(edges: Int32Array): boolean {
  for (let i = 0; i < edges.length; i += 2) if (edges[i] === edges[i + 1]) return false;
  return edgeSet(edges).size === edges.length / 2;
}

function connected(n: number, edges: Int32Array): boolean {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < edges.length; i += 2) {
    adj[edges[i] as number]?.push(edges[i + 1] as number);
    adj[edges[i + 1] as number]?.push(edges[i] as number);
  }
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  let count = 1;
  while (stack.length > 0) {
    for (const v of adj[stack.pop() as number] ?? []) {
      if (seen[v] === 0) {
        seen[v] = 1;
        count++;
        stack.push(v);
      }
    }
  }
  return count === n;
}

describe('topologies', () => {
  it('random regular: every node has degree d, no self-loops, no multi-edges', () => {
    for (const [n, d, seed] of [
      [10, 3, 1],
      [1000, 4, 2],
      [501, 6, 3],
      [20, 19, 4],
    ] as const) {
      const e = randomRegular(n, d, createRng(seed));
      expect(e.length).toBe(n * d);
      expect([...degrees(n, e)].every((x) => x === d)).toBe(true);
      expect(isSimple(e)).toBe(true);
    }
    expect(connected(1000, randomRegular(1000, 4, createRng(5)))).toBe(true);
  });

  it('random regular is a function of the seed', () => {
    expect(randomRegular(200, 4, createRng(7))).toEqual(randomRegular(200, 4, createRng(7)));
    expect(randomRegular(200, 4, createRng(7))).not.toEqual(randomRegular(200, 4, createRng(8)));
  });

  it('random regular rejects impossible shapes with a coded error', () => {
    expect(() => randomRegular(5, 3, createRng(1))).toThrow(ConfigError); // n·d odd
    expect(() => randomRegular(4, 4, createRng(1))).toThrow(/more than 4 nodes/);
    expect(() => randomRegular(10, 0, createRng(1))).toThrow(ConfigError);
  });

  it('preferential attachment: simple, connected, min degree m, heavy tail', () => {
    const n = 20_000;
    const m = 2;
    const e = preferentialAttachment(n, m, createRng(11));
    expect(e.length / 2).toBe(((m + 1) * m) / 2 + (n - m - 1) * m);
    expect(isSimple(e)).toBe(true);
    expect(connected(n, e)).toBe(true);
    const deg = [...degrees(n, e)];
    expect(Math.min(...deg)).toBe(m);
    const mean = deg.reduce((s, x) => s + x, 0) / n;
    expect(mean).toBeCloseTo(2 * m, 1);
    // a power law with exponent ≈ 3 puts the hub near m·√n (≈ 280 here); a regular graph would have 4
    expect(Math.max(...deg)).toBeGreaterThan(100);
    // P(deg ≥ 2k)/P(deg ≥ k) ≈ 2^-2 for a cubic tail
    const tail = (k: number): number => deg.filter((x) => x >= k).length;
    const ratio = tail(16) / tail(8);
    expect(ratio).toBeGreaterThan(0.15);
    expect(ratio).toBeLessThan(0.35);
  });

  it('ring: each node has 2k neighbours', () => {
    const e = ring(10, 2);
    expect([...degrees(10, e)].every((x) => x === 4)).toBe(true);
    expect(isSimple(e)).toBe(true);
    expect(() => ring(4, 2)).toThrow(ConfigError);
  });

  it('buildTopology dispatches on the spec', () => {
    expect(buildTopology(12, { kind: 'ring', k: 1 }, createRng(1))).toEqual(ring(12, 1));
    expect(buildTopology(12, { kind: 'regular', degree: 3 }, createRng(1)).length).toBe(36);
    expect(buildTopology(12, { kind: 'powerlaw', m: 1 }, createRng(1)).length).toBe(22);
  });
});
