import { describe, expect, it } from 'vitest';
import { metricAt, toStableJson } from '../../src/sim/metrics.js';
import { integerHistogram, percentile, roundSig, Sample, summarize } from '../../src/sim/stats.js';
import { TraceHash } from '../../src/sim/trace-hash.js';

describe('metrics math', () => {
  it('nearest-rank percentiles', () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 1)).toBe(1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('summarize sorts numerically and computes the mean', () => {
    const s = summarize([10, 2, 33, 4]);
    expect(s).toEqual({ count: 4, mean: 12.25, min: 2, p1: 2, p50: 4, p99: 33, max: 33 });
    expect(summarize([])).toEqual({ count: 0, mean: 0, min: 0, p1: 0, p50: 0, p99: 0, max: 0 });
  });

  it('Sample grows and summarises', () => {
    const s = new Sample();
    for (let i = 0; i < 1000; i++) s.push(i % 10);
    expect(s.length).toBe(1000);
    expect(s.summary().mean).toBe(4.5);
    expect(s.summary().p99).toBe(9);
  });

  it('integer histogram in increasing order', () => {
    expect(integerHistogram([3, 1, 3, 2, 3])).toEqual([
      [1, 1],
      [2, 1],
      [3, 3],
    ]);
  });

  it('roundSig keeps integers and rounds floats to significant digits', () => {
    expect(roundSig(123456789)).toBe(123456789);
    expect(roundSig(1 / 3)).toBe(0.333333);
    expect(roundSig(2 / 3, 3)).toBe(0.667);
    expect(roundSig(-1e-20)).toBe(-1e-20);
    expect(Object.is(roundSig(-0.0000000001, 1), -1e-10)).toBe(true);
  });

  it('stable JSON rounds every float, keeps key order, writes flat things on one line', () => {
    const text = toStableJson({
      b: 1 / 3,
      a: [0.1 + 0.2, 2],
      h: [
        [1, 5],
        [2, 8],
      ],
      c: { z: 1, y: null },
      d: [{ t: 0 }],
      u: undefined,
      e: [],
      f: {},
    });
    expect(text).toBe(
      '{\n  "b": 0.333333,\n  "a": [0.3, 2],\n  "h": [[1, 5], [2, 8]],\n  "c": { "z": 1, "y": null },\n  "d": [\n    { "t": 0 }\n  ],\n  "e": [],\n  "f": {}\n}\n',
    );
    const nested = { a: { b: { c: 1, d: 2, e: 3, f: 4, g: 5 } } };
    expect(JSON.parse(toStableJson(nested))).toEqual(nested);
  });

  it('metricAt reads dotted paths', () => {
    const m = { hops: { mean: 3.5 }, coverage: null, success: 1 };
    expect(metricAt(m, 'hops.mean')).toBe(3.5);
    expect(metricAt(m, 'success')).toBe(1);
    expect(metricAt(m, 'coverage.mean')).toBeUndefined();
    expect(metricAt(m, 'nope')).toBeUndefined();
  });

  it('trace hash depends on every field and on order', () => {
    const h = (evs: [number, number, number, number][]): string => {
      const t = new TraceHash();
      for (const e of evs) t.event(...e);
      return t.digest();
    };
    const base = h([
      [1, 2, 3, 4],
      [5.5, 2, 3, 4],
    ]);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(
      h([
        [1, 2, 3, 4],
        [5.5, 2, 3, 4],
      ]),
    ).toBe(base);
    expect(
      h([
        [5.5, 2, 3, 4],
        [1, 2, 3, 4],
      ]),
    ).not.toBe(base);
    expect(
      h([
        [1, 2, 3, 4],
        [5.5, 2, 3, 5],
      ]),
    ).not.toBe(base);
    expect(
      h([
        [1, 2, 3, 4],
        [5.50001, 2, 3, 4],
      ]),
    ).not.toBe(base);
  });
});
