/**
 * Summary statistics used by the metrics. Percentiles use the nearest-rank method on
 * the sorted sample: p-th percentile = x[ceil(p/100 · n) − 1] (p1 of 100 values is the
 * smallest, p50 the 50th, p99 the 99th). Empty samples summarise to zeros.
 */

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly p1: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1] as number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { count: 0, mean: 0, min: 0, p1: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    count: n,
    mean: sum / n,
    min: sorted[0] as number,
    p1: percentile(sorted, 1),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[n - 1] as number,
  };
}

/** Histogram of non-negative integers: [value, count] pairs in increasing value order. */
export function integerHistogram(values: ArrayLike<number>): [number, number][] {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}

/** A growable Float64 sample (no per-value boxing). */
export class Sample {
  private data = new Float64Array(64);
  private n = 0;

  push(v: number): void {
    if (this.n === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.n++] = v;
  }

  get length(): number {
    return this.n;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.n);
  }

  summary(): Summary {
    return summarize(this.values());
  }
}

/** Rounds to `digits` significant digits (stable text in result.json). Integers are kept. */
export function roundSig(v: number, digits = 6): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return v;
  const r = Number(v.toPrecision(digits));
  return Object.is(r, -0) ? 0 : r;
}
