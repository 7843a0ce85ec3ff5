/**
 * The typed readers of a scenario's sections (topology, network, workload, churn) and
 * the caps they enforce. scenario.ts assembles them into a `SimulationConfig`.
 */
import { MAX_SIM_NODES } from './address.js';
import {
  arr,
  bool,
  type Json,
  num,
  numOr,
  obj,
  oneOf,
  onlyKeys,
  optNum,
  ScenarioError,
  str,
} from './check.js';
import type { ChurnSpec, LatencySpec, NetworkSpec, PartitionSpec, WorkloadSpec } from './config.js';
import { DEFAULT_NETWORK } from './config.js';
import { type LatencyMatrix, parseLatencyMatrix } from './latency.js';
import type { TopologySpec } from './topology.js';
import type { PlacementSpec } from './workload.js';

/** Caps on scenario values (documented in docs/LIMITS.md, "Simulator"). */
export const SCENARIO_LIMITS = {
  maxNodes: MAX_SIM_NODES,
  maxQueries: 100_000_000,
  maxFiles: 10_000_000,
  maxSweepPoints: 1000,
  maxSweepValues: 100,
  maxPartitions: 64,
  maxReferencePoints: 10_000,
  maxScenarioBytes: 1 << 20,
} as const;

/** How files a scenario names (latency matrices) are read, relative to the scenario. */
export interface FileReading {
  readonly readFile?: (path: string) => string;
}

export function parseTopology(v: unknown): TopologySpec {
  const o = obj(v, 'topology');
  const kind = oneOf(o['kind'], 'topology.kind', ['regular', 'powerlaw', 'ring'] as const);
  switch (kind) {
    case 'regular':
      onlyKeys(o, 'topology', ['kind', 'degree']);
      return { kind, degree: num(o['degree'], 'topology.degree', { int: true, min: 1, max: 1000 }) };
    case 'powerlaw':
      onlyKeys(o, 'topology', ['kind', 'm']);
      return { kind, m: num(o['m'], 'topology.m', { int: true, min: 1, max: 1000 }) };
    case 'ring':
      onlyKeys(o, 'topology', ['kind', 'k']);
      return { kind, k: num(o['k'], 'topology.k', { int: true, min: 1, max: 1000 }) };
  }
}

export function parseNetwork(
  v: unknown,
  nodes: number,
  opts: FileReading,
  matrices: Map<string, LatencyMatrix>,
): NetworkSpec {
  const o = obj(v, 'network');
  onlyKeys(o, 'network', ['latency', 'loss', 'partitions', 'failureDetectionMs', 'linkSetupMs']);
  const partitions =
    o['partitions'] === undefined
      ? []
      : arr(o['partitions'], 'network.partitions', SCENARIO_LIMITS.maxPartitions);
  return {
    latency:
      o['latency'] === undefined ? DEFAULT_NETWORK.latency : parseLatency(o['latency'], opts, matrices),
    loss: numOr(o, 'loss', 'network', 0, { min: 0, max: 1 }),
    partitions: partitions.map((p, i) => parsePartition(p, `network.partitions[${i}]`, nodes)),
    failureDetectionMs: numOr(o, 'failureDetectionMs', 'network', 0, { min: 0 }),
    linkSetupMs: numOr(o, 'linkSetupMs', 'network', 0, { min: 0 }),
  };
}

export function parseLatency(
  v: unknown,
  opts: FileReading,
  matrices: Map<string, LatencyMatrix>,
): LatencySpec {
  const p = 'network.latency';
  const o = obj(v, p);
  const kind = oneOf(o['kind'], `${p}.kind`, ['constant', 'uniform', 'exponential', 'matrix'] as const);
  switch (kind) {
    case 'constant':
      onlyKeys(o, p, ['kind', 'ms']);
      return { kind, ms: num(o['ms'], `${p}.ms`, { min: 0 }) };
    case 'uniform': {
      onlyKeys(o, p, ['kind', 'minMs', 'maxMs']);
      const minMs = num(o['minMs'], `${p}.minMs`, { min: 0 });
      const maxMs = num(o['maxMs'], `${p}.maxMs`, { min: minMs });
      return { kind, minMs, maxMs };
    }
    case 'exponential':
      onlyKeys(o, p, ['kind', 'meanMs']);
      return { kind, meanMs: num(o['meanMs'], `${p}.meanMs`, { above: 0 }) };
    case 'matrix': {
      onlyKeys(o, p, ['kind', 'file', 'scale']);
      const file = str(o['file'], `${p}.file`, 500);
      const scale = numOr(o, 'scale', p, 1, { above: 0 });
      let matrix = matrices.get(file);
      if (matrix === undefined) {
        if (opts.readFile === undefined) {
          throw new ScenarioError(
            'SIM_SCENARIO_FILE',
            `${p}.file`,
            'no file reader given to load the matrix',
          );
        }
        let text: string;
        try {
          text = opts.readFile(file);
        } catch (e) {
          throw new ScenarioError(
            'SIM_SCENARIO_FILE',
            `${p}.file`,
            `cannot read ${file}: ${(e as Error).message}`,
          );
        }
        matrix = parseLatencyMatrix(text);
        matrices.set(file, matrix);
      }
      return { kind, matrix, scale };
    }
  }
}

export function parsePartition(v: Json, p: string, nodes: number): PartitionSpec {
  const o = obj(v, p);
  onlyKeys(o, p, ['startMs', 'endMs', 'sets']);
  const startMs = num(o['startMs'], `${p}.startMs`, { min: 0 });
  const endMs = num(o['endMs'], `${p}.endMs`, { above: startMs });
  const sets = arr(o['sets'], `${p}.sets`, 64).map((set, i) =>
    arr(set, `${p}.sets[${i}]`, 1024).map((range, k) => {
      const rp = `${p}.sets[${i}][${k}]`;
      const pair = arr(range, rp, 2);
      if (pair.length !== 2) throw new ScenarioError('SIM_SCENARIO_FIELD', rp, 'must be [first, last]');
      const lo = num(pair[0], `${rp}[0]`, { int: true, min: 0, max: nodes - 1 });
      const hi = num(pair[1], `${rp}[1]`, { int: true, min: lo });
      return [lo, hi] as const;
    }),
  );
  if (sets.length === 0) throw new ScenarioError('SIM_SCENARIO_FIELD', `${p}.sets`, 'needs at least one set');
  return { startMs, endMs, sets };
}

export function parsePlacement(v: unknown): PlacementSpec {
  const p = 'workload.placement';
  const o = obj(v, p);
  const kind = oneOf(o['kind'], `${p}.kind`, ['replicas', 'zipf'] as const);
  const files = num(o['files'], `${p}.files`, { int: true, min: 1, max: SCENARIO_LIMITS.maxFiles });
  if (kind === 'replicas') {
    onlyKeys(o, p, ['kind', 'files', 'replicas']);
    return { kind, files, replicas: num(o['replicas'], `${p}.replicas`, { int: true, min: 0 }) };
  }
  onlyKeys(o, p, ['kind', 'files', 'perNode', 'exponent']);
  return {
    kind,
    files,
    perNode: num(o['perNode'], `${p}.perNode`, { int: true, min: 0, max: 10_000 }),
    exponent: numOr(o, 'exponent', p, 1, { min: 0, max: 10 }),
  };
}

export function parseWorkload(v: unknown): WorkloadSpec {
  const p = 'workload';
  const o = obj(v, p);
  onlyKeys(o, p, [
    'placement',
    'queries',
    'ratePerSec',
    'intervalMs',
    'startMs',
    'zipf',
    'timeoutMs',
    'maxHits',
  ]);
  const ratePerSec = optNum(o, 'ratePerSec', p, { above: 0 });
  const intervalMs = optNum(o, 'intervalMs', p, { above: 0 });
  if ((ratePerSec === undefined) === (intervalMs === undefined)) {
    throw new ScenarioError('SIM_SCENARIO_FIELD', p, 'give exactly one of ratePerSec and intervalMs');
  }
  const maxHits = optNum(o, 'maxHits', p, { int: true, min: 1 });
  return {
    placement: parsePlacement(o['placement']),
    queries: num(o['queries'], `${p}.queries`, { int: true, min: 0, max: SCENARIO_LIMITS.maxQueries }),
    ...(ratePerSec === undefined ? {} : { ratePerSec }),
    ...(intervalMs === undefined ? {} : { intervalMs }),
    startMs: numOr(o, 'startMs', p, 0, { min: 0 }),
    zipf: numOr(o, 'zipf', p, 0, { min: 0, max: 10 }),
    timeoutMs: numOr(o, 'timeoutMs', p, 30_000, { above: 0 }),
    ...(maxHits === undefined ? {} : { maxHits }),
  };
}

export function parseChurn(v: unknown): ChurnSpec {
  const p = 'churn';
  const o = obj(v, p);
  onlyKeys(o, p, [
    'joinPerSec',
    'leavePerSec',
    'failPerSec',
    'sessionMeanMs',
    'startMs',
    'endMs',
    'massFailure',
    'repair',
    'repairDelayMs',
  ]);
  const startMs = numOr(o, 'startMs', p, 0, { min: 0 });
  const endMs = optNum(o, 'endMs', p, { above: startMs });
  const sessionMeanMs = optNum(o, 'sessionMeanMs', p, { above: 0 });
  let massFailure: ChurnSpec['massFailure'];
  if (o['massFailure'] !== undefined) {
    const m = obj(o['massFailure'], `${p}.massFailure`);
    onlyKeys(m, `${p}.massFailure`, ['atMs', 'fraction']);
    massFailure = {
      atMs: num(m['atMs'], `${p}.massFailure.atMs`, { min: 0 }),
      fraction: num(m['fraction'], `${p}.massFailure.fraction`, { min: 0, max: 1 }),
    };
  }
  return {
    joinPerSec: numOr(o, 'joinPerSec', p, 0, { min: 0 }),
    leavePerSec: numOr(o, 'leavePerSec', p, 0, { min: 0 }),
    failPerSec: numOr(o, 'failPerSec', p, 0, { min: 0 }),
    ...(sessionMeanMs === undefined ? {} : { sessionMeanMs }),
    startMs,
    ...(endMs === undefined ? {} : { endMs }),
    ...(massFailure === undefined ? {} : { massFailure }),
    repair: o['repair'] === undefined ? true : bool(o['repair'], `${p}.repair`),
    repairDelayMs: numOr(o, 'repairDelayMs', p, 1000, { min: 0 }),
  };
}
