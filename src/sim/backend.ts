/**
 * What a routing back-end supplies to run in the simulator. The simulator knows nothing
 * of flood, Chord or Kelips: it builds `RouterComponents` (a node clock view, a forked
 * rng, a silent logger, a simulated transport) and asks the adapter for a `Router`.
 *
 * Contract for back-ends run here: message handlers and `startSearch` are synchronous
 * (a discrete-event loop never yields to the microtask queue mid-run), and `start()`
 * installs the transport handler before its first `await`.
 */
import type { Rng } from '../core/rng.js';
import type { Router, RouterComponents, SearchRequest } from '../routing/types.js';
import type { SimulationConfig } from './config.js';
import type { NetworkMode, TrafficClass } from './network.js';
import type { SimFile } from './workload.js';

export type SimParams = Readonly<Record<string, unknown>>;

export interface SimNodeContext {
  readonly index: number;
  /** "10.x.y.z:6346": what hits name as the holder, and the addressed-mode id */
  readonly address: string;
  readonly ip: string;
  readonly port: number;
  /** this node's own random stream (also in `components.rng`) */
  readonly rng: Rng;
  /** the scenario's back-end parameters */
  readonly params: SimParams;
  /** addressed mode: a few live nodes a joining node may contact (empty for the first node) */
  readonly contacts: readonly string[];
  /** true when the node joins after the start of the run (churn) */
  readonly joining: boolean;
}

export interface SimBootstrapContext {
  readonly rng: Rng;
  readonly params: SimParams;
  address(index: number): string;
}

/** A value to draw next to ours (an analytic formula or a paper's figure). */
export interface ReferenceValue {
  readonly label: string;
  /** metric path as in result.json, e.g. "requestsPerLookup.mean" or "hops.mean" */
  readonly metric: string;
  readonly value: number;
}

/** The scenario point a reference is asked for. */
export interface ReferencePoint {
  readonly nodes: number;
  readonly params: SimParams;
  readonly topology: { readonly kind: string; readonly [k: string]: unknown } | undefined;
  /** the whole resolved config of the point */
  readonly config: SimulationConfig;
}

export interface SimBackend<M> {
  readonly name: string;
  readonly mode: NetworkMode;
  /** encoded size of a message in bytes (for byte counters) */
  sizeOf(msg: M): number;
  /** 'lookup' traffic is charged to searches, 'background' to maintenance */
  classify(msg: M): TrafficClass;
  createNode(components: RouterComponents<M>, ctx: SimNodeContext): Router;
  /** optional: build a stable overlay directly (e.g. a 10^6-node ring) instead of simulating joins */
  bootstrap?(nodes: readonly Router[], ctx: SimBootstrapContext): void;
  /**
   * optional: for a message that spreads a lookup (a flood query), an id common to all
   * copies of that lookup. Lets the simulator measure per-lookup requests, coverage and
   * duplicates. Return undefined for every other message.
   */
  lookupKey?(msg: M): string | undefined;
  /** optional: the search issued for a file (default: `{ text: file.keyword }` plus `ttl` from params) */
  searchRequest?(file: SimFile, params: SimParams): SearchRequest;
  /** optional: check the scenario's params; throw a ConfigError on bad input */
  validateParams?(params: SimParams): void;
  /** optional: analytic or published values for a scenario point */
  reference?(point: ReferencePoint): readonly ReferenceValue[];
}

/** The registry's element type (methods are bivariant, so any `SimBackend<M>` fits). */
export type AnySimBackend = SimBackend<unknown>;
