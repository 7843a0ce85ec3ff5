/**
 * Delivery models, stacked as decorators in the manner of PeerSim's transports: a base
 * latency model (constant, uniform, exponential, a measured matrix) wrapped by fault
 * decorators (loss, partitions). A model answers one question per message: after how
 * many milliseconds does it arrive, or is it lost (a negative answer).
 *
 * Randomness comes from an injected `Rng` (the network's own stream), consumed in event
 * order, so a model is deterministic for a given seed.
 */
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { LatencySpec, NetworkSpec } from './config.js';

export const LOST = -1;

export interface DeliveryModel {
  /** ms until a message sent by node `from` at `now` reaches node `to`; LOST (< 0) if it never does */
  delay(from: number, to: number, now: number): number;
  /** one-line description for reports */
  readonly label: string;
}

export function constantLatency(ms: number): DeliveryModel {
  checkMs(ms, 'constant latency');
  return { label: `constant(${ms}ms)`, delay: () => ms };
}

export function uniformLatency(minMs: number, maxMs: number, rng: Rng): DeliveryModel {
  checkMs(minMs, 'uniform latency min');
  checkMs(maxMs, 'uniform latency max');
  if (maxMs < minMs) throw new ConfigError('SIM_LATENCY', `uniform latency: max ${maxMs} < min ${minMs}`);
  const span = maxMs - minMs;
  return { label: `uniform(${minMs}..${maxMs}ms)`, delay: () => minMs + span * rng.float() };
}

/** Exponentially distributed delays (the Chord papers' packet-delay model), mean `meanMs`. */
export function exponentialLatency(meanMs: number, rng: Rng): DeliveryModel {
  checkMs(meanMs, 'exponential latency mean');
  return { label: `exponential(mean ${meanMs}ms)`, delay: () => -meanMs * Math.log(1 - rng.float()) };
}

/** A square latency matrix in ms; row-major, `size` × `size`. */
export interface LatencyMatrix {
  readonly size: number;
  readonly ms: Float64Array;
}

/**
 * A measured matrix (e.g. King): node i sits on row i mod size. The one-way delay is the
 * matrix entry as given (a file of RTTs should be scaled by 0.5 with `scale`).
 */
export function matrixLatency(matrix: LatencyMatrix, scale = 1): DeliveryModel {
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new ConfigError('SIM_LATENCY', `bad matrix scale ${scale}`);
  const { size, ms } = matrix;
  return {
    label: `matrix(${size}x${size}${scale === 1 ? '' : ` ×${scale}`})`,
    delay: (from, to) => (ms[(from % size) * size + (to % size)] as number) * scale,
  };
}

/** Cap on matrix side: 4096² doubles = 128 MiB. */
export const MAX_MATRIX_SIZE = 4096;

/**
 * Parses a latency matrix file: `size` lines of `size` numbers (ms) separated by
 * blanks or commas; `#` starts a comment. Every entry must be a finite number ≥ 0.
 */
export function parseLatencyMatrix(text: string): LatencyMatrix {
  const rows: number[][] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    if (rows.length >= MAX_MATRIX_SIZE) {
      throw new ConfigError('SIM_MATRIX_SIZE', `latency matrix has more than ${MAX_MATRIX_SIZE} rows`);
    }
    const cells = line.split(/[\s,]+/);
    if (cells.length > MAX_MATRIX_SIZE) {
      throw new ConfigError('SIM_MATRIX_SIZE', `latency matrix row ${rows.length + 1} is too long`);
    }
    const row = cells.map((c) => {
      const v = Number(c);
      if (c === '' || !Number.isFinite(v) || v < 0) {
        throw new ConfigError('SIM_MATRIX_VALUE', `latency matrix row ${rows.length + 1}: bad entry "${c}"`);
      }
      return v;
    });
    rows.push(row);
  }
  const size = rows.length;
  if (size === 0) throw new ConfigError('SIM_MATRIX_EMPTY', 'latency matrix is empty');
  const ms = new Float64Array(size * size);
  rows.forEach((row, i) => {
    if (row.length !== size) {
      throw new ConfigError(
        'SIM_MATRIX_SHAPE',
        `latency matrix row ${i + 1} has ${row.length} entries, expected ${size}`,
      );
    }
    ms.set(row, i * size);
  });
  return { size, ms };
}

/** Each message is lost independently with probability `p`. */
export function withLoss(inner: DeliveryModel, p: number, rng: Rng): DeliveryModel {
  if (!(p >= 0 && p <= 1)) throw new ConfigError('SIM_LOSS', `loss probability must be in [0,1], got ${p}`);
  if (p === 0) return inner;
  return {
    label: `${inner.label} + loss(${p})`,
    delay: (from, to, now) => (rng.float() < p ? LOST : inner.delay(from, to, now)),
  };
}

/** Inclusive node-index range. */
export type IndexRange = readonly [number, number];

/**
 * During [startMs, endMs) nodes in different sets cannot reach each other. Each set is
 * a list of index ranges; nodes listed in no set form one more, implicit set.
 */
export interface Partition {
  readonly startMs: number;
  readonly endMs: number;
  readonly sets: readonly (readonly IndexRange[])[];
}

export function partitionSetOf(p: Partition, index: number): number {
  for (let s = 0; s < p.sets.length; s++) {
    for (const [lo, hi] of p.sets[s] as readonly IndexRange[]) if (index >= lo && index <= hi) return s + 1;
  }
  return 0;
}

export function withPartitions(inner: DeliveryModel, partitions: readonly Partition[]): DeliveryModel {
  if (partitions.length === 0) return inner;
  for (const p of partitions) {
    if (!(p.endMs > p.startMs)) {
      throw new ConfigError('SIM_PARTITION', `partition must end after it starts (${p.startMs}..${p.endMs})`);
    }
  }
  return {
    label: `${inner.label} + partitions(${partitions.length})`,
    delay(from, to, now) {
      for (const p of partitions) {
        if (now >= p.startMs && now < p.endMs && partitionSetOf(p, from) !== partitionSetOf(p, to)) {
          return LOST;
        }
      }
      return inner.delay(from, to, now);
    },
  };
}

function checkMs(ms: number, what: string): void {
  if (!(ms >= 0) || !Number.isFinite(ms))
    throw new ConfigError('SIM_LATENCY', `${what} must be ≥ 0 ms, got ${ms}`);
}

function baseModel(spec: LatencySpec, rng: Rng): DeliveryModel {
  switch (spec.kind) {
    case 'constant':
      return constantLatency(spec.ms);
    case 'uniform':
      return uniformLatency(spec.minMs, spec.maxMs, rng);
    case 'exponential':
      return exponentialLatency(spec.meanMs, rng);
    case 'matrix':
      return matrixLatency(spec.matrix, spec.scale);
  }
}

/** The stack a scenario's network section describes: loss over partitions over latency. */
export function deliveryModel(network: NetworkSpec, rng: Rng): DeliveryModel {
  return withLoss(withPartitions(baseModel(network.latency, rng), network.partitions), network.loss, rng);
}
