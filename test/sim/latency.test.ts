import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import {
  constantLatency,
  exponentialLatency,
  LOST,
  matrixLatency,
  parseLatencyMatrix,
  partitionSetOf,
  uniformLatency,
  withLoss,
  withPartitions,
} from '../../src/sim/latency.js';

describe('latency models', () => {
  it('constant', () => {
    const m = constantLatency(42);
    expect(m.delay(0, 1, 0)).toBe(42);
    expect(m.label).toBe('constant(42ms)');
    expect(() => constantLatency(-1)).toThrow(ConfigError);
  });

  it('uniform stays in [min, max), is deterministic per seed, and covers the range', () => {
    const a = uniformLatency(10, 100, createRng(1));
    const b = uniformLatency(10, 100, createRng(1));
    const xs = Array.from({ length: 5000 }, () => a.delay(0, 1, 0));
    const ys = Array.from({ length: 5000 }, () => b.delay(0, 1, 0));
    expect(xs).toEqual(ys);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...xs)).toBeLessThan(100);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(53);
    expect(mean).toBeLessThan(57);
    expect(() => uniformLatency(5, 1, createRng(1))).toThrow(ConfigError);
  });

  it('exponential has the requested mean', () => {
    const m = exponentialLatency(50, createRng(2));
    const xs = Array.from({ length: 20000 }, () => m.delay(0, 1, 0));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(mean).toBeGreaterThan(48);
    expect(mean).toBeLessThan(52);
  });

  it('matrix maps nodes to rows by index mod size and scales', () => {
    const mx = parseLatencyMatrix('# rtt\n0 10 20\n10 0 30\n20, 30, 0\n');
    expect(mx.size).toBe(3);
    const m = matrixLatency(mx);
    expect(m.delay(0, 2, 0)).toBe(20);
    expect(m.delay(4, 5, 0)).toBe(30); // rows 1 and 2
    expect(m.delay(3, 3, 0)).toBe(0);
    expect(matrixLatency(mx, 0.5).delay(1, 2, 0)).toBe(15);
  });

  it('matrix parsing rejects bad files with coded errors', () => {
    const code = (text: string): string => {
      try {
        parseLatencyMatrix(text);
      } catch (e) {
        return (e as ConfigError).code;
      }
      return 'none';
    };
    expect(code('')).toBe('SIM_MATRIX_EMPTY');
    expect(code('1 2\n3')).toBe('SIM_MATRIX_SHAPE');
    expect(code('1 x\n3 4')).toBe('SIM_MATRIX_VALUE');
    expect(code('1 -2\n3 4')).toBe('SIM_MATRIX_VALUE');
    expect(code(Array.from({ length: 4097 }, () => '0').join('\n'))).toBe('SIM_MATRIX_SIZE');
  });

  it('loss drops about p of the messages; 0 and 1 are exact', () => {
    const base = constantLatency(1);
    const lossy = withLoss(base, 0.3, createRng(3));
    let lost = 0;
    for (let i = 0; i < 10000; i++) if (lossy.delay(0, 1, 0) === LOST) lost++;
    expect(lost / 10000).toBeGreaterThan(0.28);
    expect(lost / 10000).toBeLessThan(0.32);
    expect(withLoss(base, 0, createRng(3))).toBe(base);
    const all = withLoss(base, 1, createRng(3));
    expect(Array.from({ length: 100 }, () => all.delay(0, 1, 0)).every((d) => d === LOST)).toBe(true);
    expect(() => withLoss(base, 1.5, createRng(3))).toThrow(ConfigError);
  });

  it('partitions block traffic between sets only inside their window', () => {
    const p = {
      startMs: 100,
      endMs: 200,
      sets: [
        [[0, 4]] as const,
        [
          [5, 7],
          [9, 9],
        ] as const,
      ],
    };
    expect(partitionSetOf(p, 3)).toBe(1);
    expect(partitionSetOf(p, 9)).toBe(2);
    expect(partitionSetOf(p, 8)).toBe(0);
    const m = withPartitions(constantLatency(5), [p]);
    expect(m.delay(0, 6, 50)).toBe(5);
    expect(m.delay(0, 6, 100)).toBe(LOST);
    expect(m.delay(0, 8, 150)).toBe(LOST); // set 1 vs the implicit rest
    expect(m.delay(6, 9, 150)).toBe(5); // same set
    expect(m.delay(0, 4, 150)).toBe(5);
    expect(m.delay(0, 6, 200)).toBe(5);
    expect(() => withPartitions(constantLatency(1), [{ startMs: 5, endMs: 5, sets: [] }])).toThrow(
      ConfigError,
    );
  });

  it('decorators stack: loss over partitions over a base model', () => {
    const m = withLoss(
      withPartitions(uniformLatency(1, 2, createRng(4)), [{ startMs: 0, endMs: 10, sets: [[[0, 0]]] }]),
      0.5,
      createRng(5),
    );
    expect(m.label).toBe('uniform(1..2ms) + partitions(1) + loss(0.5)');
  });
});
