/**
 * The metrics of one run, as written to result.json. Only deterministic quantities go
 * here (no wall time, no memory): the same scenario and seed give the same object, and
 * `toStableJson` prints it with a fixed key order and rounded floats.
 */
import type { SimulationConfig } from './config.js';
import type { Simulation } from './simulation.js';
import { integerHistogram, roundSig, type Summary, summarize } from './stats.js';

export interface Distribution {
  /** sample size (0: the other fields are 0 and mean nothing) */
  readonly count: number;
  readonly mean: number;
  readonly p1: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface RunMetrics {
  readonly routing: string;
  readonly nodes: number;
  readonly seed: number;
  readonly topology: string;
  readonly latency: string;
  readonly lookups: number;
  /** fraction of lookups that found ≥ 1 live holder */
  readonly success: number;
  /** fraction of lookups for which a live holder other than the searcher existed */
  readonly resolvable: number;
  /** success among resolvable lookups */
  readonly successOfResolvable: number;
  /** SearchHit.hops of the first valid hit, successful lookups only */
  readonly hops: Distribution;
  readonly hopsHistogram: readonly (readonly [number, number])[];
  /** ms from startSearch to the first valid hit, successful lookups only */
  readonly latencyMs: Distribution;
  /** lookup-class messages sent in the run ÷ lookups (includes replies) */
  readonly messagesPerLookup: number;
  readonly bytesPerLookup: number;
  readonly hitsPerLookup: number;
  /** back-ends with lookupKey: request copies per lookup */
  readonly requestsPerLookup: Distribution | null;
  /** back-ends with lookupKey: fraction of other live nodes a lookup's request reached */
  readonly coverage: Distribution | null;
  /** back-ends with lookupKey: request deliveries to an already reached node */
  readonly duplicates: { readonly count: number; readonly fraction: number } | null;
  readonly stateBytesPerNode: { readonly mean: number; readonly max: number };
  readonly backgroundMessagesPerNodePerSec: number;
  readonly backgroundBytesPerNodePerSec: number;
  readonly successVsTime: readonly {
    readonly t: number;
    readonly lookups: number;
    readonly success: number;
  }[];
  readonly churn: {
    readonly joins: number;
    readonly leaves: number;
    readonly failures: number;
    readonly massFailed: number;
    readonly liveAtEnd: number;
  };
  readonly network: {
    readonly lookupMessages: number;
    readonly backgroundMessages: number;
    readonly delivered: number;
    readonly lost: number;
    readonly undeliverable: number;
  };
  /** back-end counters (RouterStats.extra) summed over all nodes */
  readonly extra: Readonly<Record<string, number>>;
  readonly startErrors: number;
  readonly simulatedMs: number;
  readonly events: number;
  readonly traceHash: string | null;
}

function dist(s: Summary): Distribution {
  return { count: s.count, mean: s.mean, p1: s.p1, p50: s.p50, p99: s.p99, max: s.max };
}

export function collectMetrics<M>(sim: Simulation<M>): RunMetrics {
  const t = sim.tracker;
  const net = sim.network;
  const c = sim.config;
  const lookups = t.finished;
  const per = (x: number): number => (lookups === 0 ? 0 : x / lookups);
  const keyed = sim.backend.lookupKey !== undefined;
  const rs = sim.routerStats();
  const state = summarize(rs.stateBytes);
  const nodeSec = sim.nodeSeconds();
  const extra: Record<string, number> = {};
  for (const [k, v] of [...rs.extra].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    extra[k] = v;
  }
  const topo = c.topology;
  return {
    routing: c.routing,
    nodes: c.nodes,
    seed: c.seed,
    topology:
      topo === undefined
        ? 'none'
        : topo.kind === 'regular'
          ? `regular(d=${topo.degree})`
          : topo.kind === 'powerlaw'
            ? `powerlaw(m=${topo.m})`
            : `ring(k=${topo.k})`,
    latency: describeLatency(c),
    lookups,
    success: per(t.successes),
    resolvable: per(t.resolvable),
    successOfResolvable: t.resolvable === 0 ? 0 : t.resolvableSuccesses / t.resolvable,
    hops: dist(t.hops.summary()),
    hopsHistogram: integerHistogram(t.hops.values()),
    latencyMs: dist(t.latency.summary()),
    messagesPerLookup: per(net.totals.lookupMessages),
    bytesPerLookup: per(net.totals.lookupBytes),
    hitsPerLookup: per(t.totalHits),
    requestsPerLookup: keyed ? dist(t.requests.summary()) : null,
    coverage: keyed ? dist(t.coverage.summary()) : null,
    duplicates: keyed
      ? { count: t.duplicates, fraction: t.requestDeliveries === 0 ? 0 : t.duplicates / t.requestDeliveries }
      : null,
    stateBytesPerNode: { mean: state.mean, max: state.max },
    backgroundMessagesPerNodePerSec: nodeSec === 0 ? 0 : net.totals.backgroundMessages / nodeSec,
    backgroundBytesPerNodePerSec: nodeSec === 0 ? 0 : net.totals.backgroundBytes / nodeSec,
    successVsTime: [...t.buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([b, [n, ok]]) => ({ t: b * c.bucketMs, lookups: n, success: n === 0 ? 0 : ok / n })),
    churn: { ...sim.churnCounts, liveAtEnd: net.liveNodes() },
    network: {
      lookupMessages: net.totals.lookupMessages,
      backgroundMessages: net.totals.backgroundMessages,
      delivered: net.totals.delivered,
      lost: net.totals.lost,
      undeliverable: net.totals.undeliverable,
    },
    extra,
    startErrors: sim.startErrors,
    simulatedMs: sim.now(),
    events: sim.scheduler.eventsRun(),
    traceHash: sim.trace?.digest() ?? null,
  };
}

function describeLatency(c: SimulationConfig): string {
  const l = c.network.latency;
  let s: string;
  switch (l.kind) {
    case 'constant':
      s = `constant(${l.ms}ms)`;
      break;
    case 'uniform':
      s = `uniform(${l.minMs}..${l.maxMs}ms)`;
      break;
    case 'exponential':
      s = `exponential(${l.meanMs}ms)`;
      break;
    case 'matrix':
      s = `matrix(${l.matrix.size}x${l.matrix.size}${l.scale === 1 ? '' : `x${l.scale}`})`;
      break;
  }
  if (c.network.loss > 0) s += `+loss(${c.network.loss})`;
  if (c.network.partitions.length > 0) s += `+partitions(${c.network.partitions.length})`;
  return s;
}

/**
 * JSON with rounded floats (6 significant digits) and the key order of the objects as
 * built (which this module fixes). Arrays of plain values (and of pairs) and small flat
 * objects are written on one line. Two equal runs print byte-identical text.
 */
export function toStableJson(value: unknown): string {
  return writeJson(value, '') + '\n';
}

const isPlain = (v: unknown): boolean => v === null || typeof v !== 'object';

function writeJson(v: unknown, indent: string): string {
  if (isPlain(v)) return JSON.stringify(typeof v === 'number' ? roundSig(v) : v) ?? 'null';
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => isPlain(x) || (Array.isArray(x) && x.every(isPlain)))) {
      return `[${v.map((x) => writeJson(x, '')).join(', ')}]`;
    }
    return `[\n${v.map((x) => inner + writeJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  if (entries.length <= 4 && entries.every(([, x]) => isPlain(x))) {
    return `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${writeJson(x, '')}`).join(', ')} }`;
  }
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${writeJson(x, inner)}`).join(',\n')}\n${indent}}`;
}

/** Reads a metric by dotted path ("hops.mean", "coverage.p50"); undefined when absent. */
export function metricAt(m: unknown, path: string): number | undefined {
  let cur: unknown = m;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'number' ? cur : undefined;
}
