/**
 * Zipf popularity over n items: P(rank k) ∝ 1 / k^s for k = 1..n (s = 0 is uniform).
 * Sampling inverts a precomputed cumulative table by binary search (O(log n) per draw,
 * 8·n bytes of table).
 */
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new ConfigError('SIM_ZIPF', `zipf needs n ≥ 1 items, got ${n}`);
    if (!(exponent >= 0) || !Number.isFinite(exponent)) {
      throw new ConfigError('SIM_ZIPF', `zipf exponent must be ≥ 0, got ${exponent}`);
    }
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      this.cdf[k] = sum;
    }
    for (let k = 0; k < n; k++) this.cdf[k] = (this.cdf[k] as number) / sum;
    this.cdf[n - 1] = 1;
  }

  /** Probability of the item of rank `k` (0-based). */
  probability(k: number): number {
    if (k < 0 || k >= this.n) return 0;
    return (this.cdf[k] as number) - (k === 0 ? 0 : (this.cdf[k - 1] as number));
  }

  /** A 0-based rank drawn from the distribution. */
  sample(rng: Rng): number {
    const u = rng.float();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
