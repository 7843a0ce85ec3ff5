/**
 * Scenarios are data: a JSON file with a seed, the back-end and its params, the
 * overlay, the network model, a workload, churn, and optionally a sweep. See
 * fixtures/scenarios/*.json and docs/RESULTS.md for examples.
 *
 * A sweep names dotted paths of the scenario and the values each takes
 * (`"axes": { "params.ttl": [1,2,3], "nodes": [1000, 10000] }`); every combination is
 * one run (a "point"), validated after substitution, with the scenario's seed.
 */
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
  onlyKeys,
  optNum,
  ScenarioError,
  str,
} from './check.js';
import type { SimulationConfig } from './config.js';
import { DEFAULT_NETWORK } from './config.js';
import type { LatencyMatrix } from './latency.js';
import {
  type FileReading,
  parseChurn,
  parseNetwork,
  parseTopology,
  parseWorkload,
  SCENARIO_LIMITS,
} from './scenario-parts.js';

export { ScenarioError } from './check.js';

export { SCENARIO_LIMITS } from './scenario-parts.js';

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

export interface ScenarioOptions extends FileReading {
  /** back-end names accepted in "routing" */
  readonly routings?: readonly string[];
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
