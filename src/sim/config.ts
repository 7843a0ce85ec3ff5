/**
 * The resolved configuration of one simulation run (what a validated scenario point
 * becomes). All times are simulated milliseconds, all rates are per simulated second.
 */
import type { SimParams } from './backend.js';
import type { IndexRange, LatencyMatrix } from './latency.js';
import type { TopologySpec } from './topology.js';
import type { PlacementSpec } from './workload.js';

export type LatencySpec =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'exponential'; readonly meanMs: number }
  | { readonly kind: 'matrix'; readonly matrix: LatencyMatrix; readonly scale: number };

export interface PartitionSpec {
  readonly startMs: number;
  readonly endMs: number;
  readonly sets: readonly (readonly IndexRange[])[];
}

export interface NetworkSpec {
  readonly latency: LatencySpec;
  /** probability that a message is lost */
  readonly loss: number;
  readonly partitions: readonly PartitionSpec[];
  /** link mode: survivors see peerDown this long after a crash */
  readonly failureDetectionMs: number;
  /** link mode: peerUp this long after a link is opened (churn joins, repairs) */
  readonly linkSetupMs: number;
}

export interface WorkloadSpec {
  readonly placement: PlacementSpec;
  /** number of searches to issue */
  readonly queries: number;
  /** Poisson arrivals at this network-wide rate … */
  readonly ratePerSec?: number;
  /** … or one search every intervalMs (exactly one of the two) */
  readonly intervalMs?: number;
  readonly startMs: number;
  /** Zipf exponent of query popularity over the catalogue (0 = uniform) */
  readonly zipf: number;
  /** a search is closed (and judged) this long after it starts */
  readonly timeoutMs: number;
  /** forwarded as SearchRequest.maxHits when set */
  readonly maxHits?: number;
}

export interface ChurnSpec {
  readonly joinPerSec: number;
  readonly leavePerSec: number;
  readonly failPerSec: number;
  /** per-node exponential session length; on expiry the node fails and a fresh node joins */
  readonly sessionMeanMs?: number;
  readonly startMs: number;
  readonly endMs?: number;
  readonly massFailure?: { readonly atMs: number; readonly fraction: number };
  /** link mode: a node that loses a link opens one to a random live node */
  readonly repair: boolean;
  readonly repairDelayMs: number;
}

export interface SimulationConfig {
  readonly routing: string;
  readonly seed: number;
  readonly nodes: number;
  readonly params: SimParams;
  readonly topology?: TopologySpec;
  readonly network: NetworkSpec;
  readonly workload?: WorkloadSpec;
  readonly churn?: ChurnSpec;
  /** run exactly this long; without it the run ends when the last search is judged */
  readonly durationMs?: number;
  /** width of the success-vs-time buckets */
  readonly bucketMs: number;
  /** hash every event (time, kind, target, aux) into result.traceHash */
  readonly trace: boolean;
}

export const DEFAULT_NETWORK: NetworkSpec = {
  latency: { kind: 'uniform', minMs: 10, maxMs: 100 },
  loss: 0,
  partitions: [],
  failureDetectionMs: 0,
  linkSetupMs: 0,
};
