/**
 * Scenarios are data: a JSON file with a seed, the back-end and its params, the
 * overlay, the network model, a workload, churn, and optionally a sweep. See
 * fixtures/scenarios/*.json and docs/RESULTS.md for examples.
 *
 * A sweep names dotted paths of the scenario and the values each takes
 * (`"axes": { "params.ttl": [1,2,3], "nodes": [1000, 10000] }`); every combination is
 * one run (a "point"), validated after substitution, with the scenario's seed.
 */
import { MAX_SIM_NODES } from './address.js';
import {
  arr,
  bool,
  isObject,
  join,
  type Json,
  type JsonObject,
  num,
  numOr,
  obj,
  oneOf,
  onlyKeys,
  optNum,
  ScenarioError,
  str,
} from './check.js';
import type {
  ChurnSpec,
  LatencySpec,
  NetworkSpec,
  PartitionSpec,
  SimulationConfig,
  WorkloadSpec,
} from './config.js';
import { DEFAULT_NETWORK } from './config.js';
import { type LatencyMatrix, parseLatencyMatrix } from './latency.js';
import type { TopologySpec } from './topology.js';
import type { PlacementSpec } from './workload.js';

export { ScenarioError } from './check.js';

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

/**
 * Published or analytic values drawn beside ours. With a sweep, `metric` is a result
 * path ("hops.mean") and x is the sweep's x axis. Without a sweep, two metrics are
 * drawn: "hopsHistogram" ([hops, fraction of successful lookups]) and "successVsTime"
 * ([seconds, success]).
 */
export interface ReferenceSeries {
  readonly label: string;
  readonly metric: string;
  /** [x, y] pairs in the sweep's x unit */
  readonly points: readonly (readonly [number, number])[];
  /** restrict to the sweep series with this value (e.g. nodes = 1000) */
  readonly series?: number | string;
}

export interface SweepSpec {
  readonly axes: Readonly<Record<string, readonly Json[]>>;
  /** axis drawn on the x axis of plots (default: the first axis) */
  readonly x: string;
  /** axis that makes one line per value (default: the second axis, if any) */
  readonly series: string | undefined;
  /** metric paths plotted against x (default: messagesPerLookup and success) */
  readonly metrics: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly routing: string;
  readonly seed: number;
  readonly sweep: SweepSpec | undefined;
  readonly references: readonly ReferenceSeries[];
  /** the scenario JSON without sweep/references (what each point starts from) */
  readonly base: JsonObject;
}

export interface ScenarioPoint {
  /** axis → value of this point (empty without a sweep) */
  readonly values: Readonly<Record<string, Json>>;
  readonly config: SimulationConfig;
}

export interface ScenarioOptions {
  /** back-end names accepted in "routing" */
  readonly routings?: readonly string[];
  /** reads a file named by the scenario (latency matrices), relative to the scenario */
  readonly readFile?: (path: string) => string;
}

const TOP_KEYS = [
  'name',
  'description',
  'routing',
  'seed',
  'nodes',
  'params',
  'topology',
  'network',
  'workload',
  'churn',
  'durationMs',
  'bucketMs',
  'trace',
  'sweep',
  'references',
];

export function parseScenario(text: string, opts: ScenarioOptions = {}): Scenario {
  if (text.length > SCENARIO_LIMITS.maxScenarioBytes) {
    throw new ScenarioError(
      'SIM_SCENARIO_SIZE',
      '',
      `scenario larger than ${SCENARIO_LIMITS.maxScenarioBytes} bytes`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError('SIM_SCENARIO_JSON', '', `not valid JSON: ${(e as Error).message}`);
  }
  return validateScenario(raw, opts);
}

/** Checks a whole scenario, including every sweep point; returns it typed. */
export function validateScenario(raw: unknown, opts: ScenarioOptions = {}): Scenario {
  const o = obj(raw, '');
  onlyKeys(o, '', TOP_KEYS);
  const routing = str(o['routing'], 'routing', 40);
  if (opts.routings !== undefined && !opts.routings.includes(routing)) {
    throw new ScenarioError(
      'SIM_SCENARIO_ROUTING',
      'routing',
      `unknown back-end "${routing}" (known: ${opts.routings.join(', ')})`,
    );
  }
  const base: JsonObject = { ...o };
  delete base['sweep'];
  delete base['references'];
  const scenario: Scenario = {
    name: o['name'] === undefined ? 'scenario' : str(o['name'], 'name', 100),
    description: o['description'] === undefined ? '' : str(o['description'], 'description', 2000),
    routing,
    seed: num(o['seed'], 'seed', { int: true, min: 0, max: 0xffffffff }),
    sweep: o['sweep'] === undefined ? undefined : parseSweep(o['sweep']),
    references: o['references'] === undefined ? [] : parseReferences(o['references']),
    base,
  };
  // Validate every point now, so a bad swept value fails before any run starts.
  scenarioPoints(scenario, opts);
  return scenario;
}

/** The runs a scenario stands for: one without a sweep, the cartesian product with one. */
export function scenarioPoints(s: Scenario, opts: ScenarioOptions = {}): ScenarioPoint[] {
  const matrices = new Map<string, LatencyMatrix>();
  if (s.sweep === undefined) return [{ values: {}, config: toConfig(s.base, opts, matrices) }];
  const axes = Object.entries(s.sweep.axes);
  const out: ScenarioPoint[] = [];
  const rec = (i: number, values: Record<string, Json>): void => {
    if (i === axes.length) {
      const point = structuredClone(s.base);
      for (const [path, v] of Object.entries(values)) setPath(point, path, v);
      const config = toConfig(point, opts, matrices);
      out.push({ values: { ...values }, config });
      return;
    }
    const [path, vals] = axes[i] as [string, readonly Json[]];
    for (const v of vals) rec(i + 1, { ...values, [path]: v });
  };
  rec(0, {});
  return out;
}

function setPath(o: JsonObject, path: string, v: Json): void {
  const parts = path.split('.');
  let cur: JsonObject = o;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string;
    const next = cur[k];
    if (next === undefined) cur[k] = {};
    else if (!isObject(next))
      throw new ScenarioError('SIM_SCENARIO_SWEEP', `sweep.axes.${path}`, `"${k}" is not an object`);
    cur = cur[k] as JsonObject;
  }
  cur[parts[parts.length - 1] as string] = v;
}

function parseSweep(v: unknown): SweepSpec {
  const o = obj(v, 'sweep');
  onlyKeys(o, 'sweep', ['axes', 'x', 'series', 'metrics']);
  const axesObj = obj(o['axes'], 'sweep.axes');
  const axes: Record<string, readonly Json[]> = {};
  let points = 1;
  for (const [path, vals] of Object.entries(axesObj)) {
    if (
      !/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path) ||
      path.startsWith('sweep') ||
      path === 'seed'
    ) {
      throw new ScenarioError('SIM_SCENARIO_SWEEP', `sweep.axes.${path}`, 'not a sweepable path');
    }
    const list = arr(vals, `sweep.axes.${path}`, SCENARIO_LIMITS.maxSweepValues);
    if (list.length === 0)
      throw new ScenarioError('SIM_SCENARIO_SWEEP', `sweep.axes.${path}`, 'needs at least one value');
    axes[path] = list;
    points *= list.length;
  }
  const names = Object.keys(axes);
  if (names.length === 0)
    throw new ScenarioError('SIM_SCENARIO_SWEEP', 'sweep.axes', 'needs at least one axis');
  if (points > SCENARIO_LIMITS.maxSweepPoints) {
    throw new ScenarioError(
      'SIM_SCENARIO_SWEEP',
      'sweep.axes',
      `${points} points (max ${SCENARIO_LIMITS.maxSweepPoints})`,
    );
  }
  const x = o['x'] === undefined ? (names[0] as string) : str(o['x'], 'sweep.x');
  if (!names.includes(x)) throw new ScenarioError('SIM_SCENARIO_SWEEP', 'sweep.x', `"${x}" is not an axis`);
  const series = o['series'] === undefined ? names.find((n) => n !== x) : str(o['series'], 'sweep.series');
  if (series !== undefined && (!names.includes(series) || series === x)) {
    throw new ScenarioError('SIM_SCENARIO_SWEEP', 'sweep.series', `"${series}" is not another axis`);
  }
  const metrics =
    o['metrics'] === undefined
      ? ['messagesPerLookup', 'success']
      : arr(o['metrics'], 'sweep.metrics', 20).map((m, i) => str(m, `sweep.metrics[${i}]`, 100));
  return { axes, x, series, metrics };
}

function parseReferences(v: unknown): ReferenceSeries[] {
  return arr(v, 'references', 50).map((r, i) => {
    const p = `references[${i}]`;
    const o = obj(r, p);
    onlyKeys(o, p, ['label', 'metric', 'points', 'series']);
    const points = arr(o['points'], join(p, 'points'), SCENARIO_LIMITS.maxReferencePoints).map((pt, k) => {
      const pair = arr(pt, `${p}.points[${k}]`, 2);
      if (pair.length !== 2)
        throw new ScenarioError('SIM_SCENARIO_FIELD', `${p}.points[${k}]`, 'must be [x, y]');
      return [num(pair[0], `${p}.points[${k}][0]`), num(pair[1], `${p}.points[${k}][1]`)] as const;
    });
    const s = o['series'];
    if (s !== undefined && typeof s !== 'number' && typeof s !== 'string') {
      throw new ScenarioError('SIM_SCENARIO_FIELD', join(p, 'series'), 'must be a number or a string');
    }
    return {
      label: str(o['label'], join(p, 'label'), 100),
      metric: str(o['metric'], join(p, 'metric'), 100),
      points,
      ...(s === undefined ? {} : { series: s }),
    };
  });
}

function toConfig(
  o: JsonObject,
  opts: ScenarioOptions,
  matrices: Map<string, LatencyMatrix>,
): SimulationConfig {
  onlyKeys(o, '', TOP_KEYS);
  const nodes = num(o['nodes'], 'nodes', { int: true, min: 1, max: SCENARIO_LIMITS.maxNodes });
  const params = o['params'] === undefined ? {} : obj(o['params'], 'params');
  const workload = o['workload'] === undefined ? undefined : parseWorkload(o['workload']);
  const durationMs = optNum(o, 'durationMs', '', { above: 0 });
  if (durationMs === undefined && workload === undefined) {
    throw new ScenarioError('SIM_SCENARIO_FIELD', 'durationMs', 'needed when there is no workload');
  }
  return {
    routing: str(o['routing'], 'routing', 40),
    seed: num(o['seed'], 'seed', { int: true, min: 0, max: 0xffffffff }),
    nodes,
    params,
    ...(o['topology'] === undefined ? {} : { topology: parseTopology(o['topology']) }),
    network: o['network'] === undefined ? DEFAULT_NETWORK : parseNetwork(o['network'], nodes, opts, matrices),
    ...(workload === undefined ? {} : { workload }),
    ...(o['churn'] === undefined ? {} : { churn: parseChurn(o['churn']) }),
    ...(durationMs === undefined ? {} : { durationMs }),
    bucketMs: numOr(o, 'bucketMs', '', 10_000, { above: 0 }),
    trace: o['trace'] === undefined ? false : bool(o['trace'], 'trace'),
  };
}

function parseTopology(v: unknown): TopologySpec {
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

function parseNetwork(
  v: unknown,
  nodes: number,
  opts: ScenarioOptions,
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

function parseLatency(v: unknown, opts: ScenarioOptions, matrices: Map<string, LatencyMatrix>): LatencySpec {
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

function parsePartition(v: Json, p: string, nodes: number): PartitionSpec {
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

function parsePlacement(v: unknown): PlacementSpec {
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

function parseWorkload(v: unknown): WorkloadSpec {
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

function parseChurn(v: unknown): ChurnSpec {
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
