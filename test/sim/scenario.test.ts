import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseScenario, ScenarioError, scenarioPoints, validateScenario } from '../../src/sim/scenario.js';

const base = {
  name: 'toy',
  routing: 'toy-flood',
  seed: 7,
  nodes: 100,
  params: { ttl: 3 },
  topology: { kind: 'regular', degree: 4 },
  workload: { placement: { kind: 'replicas', files: 10, replicas: 2 }, queries: 10, intervalMs: 1000 },
};

function err(raw: unknown, opts = {}): ScenarioError {
  try {
    validateScenario(raw, opts);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('scenario validation', () => {
  it('accepts a minimal scenario and fills defaults', () => {
    const s = validateScenario(base);
    const [p] = scenarioPoints(s);
    expect(p?.config).toMatchObject({
      routing: 'toy-flood',
      seed: 7,
      nodes: 100,
      bucketMs: 10_000,
      trace: false,
      network: { latency: { kind: 'uniform', minMs: 10, maxMs: 100 }, loss: 0 },
      workload: { startMs: 0, zipf: 0, timeoutMs: 30_000, intervalMs: 1000 },
    });
    expect(p?.config.durationMs).toBeUndefined();
  });

  it('reports the JSON path and a stable code for each kind of mistake', () => {
    const cases: [unknown, string, string][] = [
      [[], 'SIM_SCENARIO_FIELD', ''],
      [{ ...base, node: 5 }, 'SIM_SCENARIO_UNKNOWN', 'node'],
      [{ ...base, seed: -1 }, 'SIM_SCENARIO_RANGE', 'seed'],
      [{ ...base, seed: 1.5 }, 'SIM_SCENARIO_FIELD', 'seed'],
      [{ ...base, nodes: 0 }, 'SIM_SCENARIO_RANGE', 'nodes'],
      [{ ...base, nodes: 2 ** 24 }, 'SIM_SCENARIO_RANGE', 'nodes'],
      [{ ...base, nodes: '100' }, 'SIM_SCENARIO_FIELD', 'nodes'],
      [{ ...base, topology: { kind: 'star' } }, 'SIM_SCENARIO_FIELD', 'topology.kind'],
      [{ ...base, topology: { kind: 'regular', degree: 4, m: 2 } }, 'SIM_SCENARIO_UNKNOWN', 'topology.m'],
      [{ ...base, network: { loss: 2 } }, 'SIM_SCENARIO_RANGE', 'network.loss'],
      [
        { ...base, network: { latency: { kind: 'uniform', minMs: 50, maxMs: 10 } } },
        'SIM_SCENARIO_RANGE',
        'network.latency.maxMs',
      ],
      [
        { ...base, network: { partitions: [{ startMs: 5, endMs: 1, sets: [] }] } },
        'SIM_SCENARIO_RANGE',
        'network.partitions[0].endMs',
      ],
      [
        { ...base, network: { partitions: [{ startMs: 0, endMs: 1, sets: [[[5, 2]]] }] } },
        'SIM_SCENARIO_RANGE',
        'network.partitions[0].sets[0][0][1]',
      ],
      [
        { ...base, network: { partitions: [{ startMs: 0, endMs: 1, sets: [[[100, 120]]] }] } },
        'SIM_SCENARIO_RANGE',
        'network.partitions[0].sets[0][0][0]',
      ],
      [
        { ...base, network: { partitions: Array(65).fill({ startMs: 0, endMs: 1, sets: [[[0, 1]]] }) } },
        'SIM_SCENARIO_RANGE',
        'network.partitions',
      ],
      [{ ...base, topology: { kind: 'regular', degree: 1001 } }, 'SIM_SCENARIO_RANGE', 'topology.degree'],
      [
        { ...base, workload: { ...base.workload, queries: 1e8 + 1 } },
        'SIM_SCENARIO_RANGE',
        'workload.queries',
      ],
      [
        { ...base, workload: { ...base.workload, placement: { kind: 'zipf', files: 1e7 + 1, perNode: 1 } } },
        'SIM_SCENARIO_RANGE',
        'workload.placement.files',
      ],
      [
        { ...base, workload: { ...base.workload, placement: { kind: 'zipf', files: 10, perNode: 10_001 } } },
        'SIM_SCENARIO_RANGE',
        'workload.placement.perNode',
      ],
      [{ ...base, workload: { ...base.workload, ratePerSec: 1 } }, 'SIM_SCENARIO_FIELD', 'workload'],
      [
        { ...base, workload: { ...base.workload, placement: { kind: 'zipf', files: 0, perNode: 1 } } },
        'SIM_SCENARIO_RANGE',
        'workload.placement.files',
      ],
      [{ ...base, workload: undefined }, 'SIM_SCENARIO_FIELD', 'durationMs'],
      [
        { ...base, churn: { massFailure: { atMs: 1, fraction: 1.5 } } },
        'SIM_SCENARIO_RANGE',
        'churn.massFailure.fraction',
      ],
      [{ ...base, churn: { startMs: 10, endMs: 5 } }, 'SIM_SCENARIO_RANGE', 'churn.endMs'],
      [{ ...base, sweep: { axes: {} } }, 'SIM_SCENARIO_SWEEP', 'sweep.axes'],
      [{ ...base, sweep: { axes: { 'params.ttl': [] } } }, 'SIM_SCENARIO_SWEEP', 'sweep.axes.params.ttl'],
      [{ ...base, sweep: { axes: { seed: [1, 2] } } }, 'SIM_SCENARIO_SWEEP', 'sweep.axes.seed'],
      [{ ...base, sweep: { axes: { 'params.ttl': [1] }, x: 'nodes' } }, 'SIM_SCENARIO_SWEEP', 'sweep.x'],
      [{ ...base, sweep: { axes: { nodes: [10, 0] } } }, 'SIM_SCENARIO_RANGE', 'nodes'],
      [{ ...base, sweep: { axes: { 'nodes.x': [1] } } }, 'SIM_SCENARIO_SWEEP', 'sweep.axes.nodes.x'],
      [{ ...base, sweep: { axes: { a: Array(101).fill(1) } } }, 'SIM_SCENARIO_RANGE', 'sweep.axes.a'],
      [
        { ...base, sweep: { axes: { a: Array(40).fill(1), b: Array(40).fill(1) } } },
        'SIM_SCENARIO_SWEEP',
        'sweep.axes',
      ],
      [
        { ...base, references: [{ label: 'x', metric: 'hops.mean', points: [[1, 2, 3]] }] },
        'SIM_SCENARIO_RANGE',
        'references[0].points[0]',
      ],
      [
        { ...base, network: { latency: { kind: 'matrix', file: 'm.txt' } } },
        'SIM_SCENARIO_FILE',
        'network.latency.file',
      ],
    ];
    for (const [raw, code, path] of cases) {
      let e: ScenarioError;
      try {
        e = err(raw);
      } catch {
        throw new Error(`accepted: ${JSON.stringify(raw)}`);
      }
      expect({ code: e.code, path: e.path }).toEqual({ code, path });
      expect(e).toBeInstanceOf(ConfigError);
    }
  });

  it('checks the routing name when given the registry', () => {
    expect(err(base, { routings: ['flood'] }).code).toBe('SIM_SCENARIO_ROUTING');
    expect(() => validateScenario(base, { routings: ['toy-flood'] })).not.toThrow();
  });

  it('parseScenario: bad JSON and oversized text are coded errors', () => {
    expect(() => parseScenario('{')).toThrow(expect.objectContaining({ code: 'SIM_SCENARIO_JSON' }));
    expect(() => parseScenario(' '.repeat(2 << 20))).toThrow(
      expect.objectContaining({ code: 'SIM_SCENARIO_SIZE' }),
    );
    expect(parseScenario(JSON.stringify(base)).name).toBe('toy');
  });

  it('loads a latency matrix through the reader, once per file', () => {
    let reads = 0;
    const s = validateScenario(
      {
        ...base,
        network: { latency: { kind: 'matrix', file: 'm.txt', scale: 0.5 } },
        sweep: { axes: { nodes: [10, 20] } },
      },
      {
        readFile: (p) => {
          reads++;
          expect(p).toBe('m.txt');
          return '0 10\n10 0\n';
        },
      },
    );
    expect(reads).toBe(1);
    expect(() =>
      validateScenario(
        { ...base, network: { latency: { kind: 'matrix', file: 'x' } } },
        { readFile: () => 'a b' },
      ),
    ).toThrow(expect.objectContaining({ code: 'SIM_MATRIX_VALUE' }));
    expect(s.sweep?.x).toBe('nodes');
  });

  it('a sweep expands to the cartesian product, with values substituted at their paths', () => {
    const s = validateScenario({
      ...base,
      sweep: {
        axes: { 'params.ttl': [1, 2, 3], nodes: [100, 1000], 'workload.placement.replicas': [1, 5] },
        metrics: ['coverage.mean'],
      },
    });
    expect(s.sweep).toMatchObject({ x: 'params.ttl', series: 'nodes', metrics: ['coverage.mean'] });
    const pts = scenarioPoints(s);
    expect(pts.length).toBe(12);
    expect(pts[0]?.values).toEqual({ 'params.ttl': 1, nodes: 100, 'workload.placement.replicas': 1 });
    expect(pts[11]?.config).toMatchObject({
      nodes: 1000,
      params: { ttl: 3 },
      workload: { placement: { replicas: 5 } },
      seed: 7,
    });
    // the base object is not mutated by the substitution
    expect(s.base['nodes']).toBe(100);
  });
});
