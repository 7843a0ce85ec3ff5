/**
 * Running configs and scenarios programmatically:
 *
 *   const s = parseScenario(text, { routings: Object.keys(backends), readFile });
 *   const r = await runScenario(s, { backends });
 *   write(resultJson(r)); print(resultTable(r)); for (const p of resultPlots(r, s)) …
 */
import type { AnySimBackend, ReferenceValue } from './backend.js';
import type { Json } from './check.js';
import { ScenarioError } from './check.js';
import type { SimulationConfig } from './config.js';
import { collectMetrics, type RunMetrics } from './metrics.js';
import { type Scenario, scenarioPoints, type ScenarioOptions } from './scenario.js';
import { type ProgressInfo, Simulation } from './simulation.js';

export type BackendRegistry = Readonly<Record<string, AnySimBackend>>;

export interface PointResult {
  readonly values: Readonly<Record<string, Json>>;
  readonly metrics: RunMetrics;
  readonly references: readonly ReferenceValue[];
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly description: string;
  readonly routing: string;
  readonly seed: number;
  readonly axes: readonly string[];
  readonly points: readonly PointResult[];
}

export interface ScenarioProgress {
  /** 0-based index of the running point */
  readonly point: number;
  readonly points: number;
  readonly run: ProgressInfo;
}

export interface RunScenarioOptions extends ScenarioOptions {
  readonly backends: BackendRegistry;
  readonly onProgress?: (p: ScenarioProgress) => void;
}

export function backendFor(backends: BackendRegistry, routing: string): AnySimBackend {
  const b = backends[routing];
  if (b === undefined) {
    throw new ScenarioError(
      'SIM_SCENARIO_ROUTING',
      'routing',
      `unknown back-end "${routing}" (known: ${Object.keys(backends).join(', ')})`,
    );
  }
  return b;
}

/** One run of one config; returns its metrics. */
export async function runConfig(
  backend: AnySimBackend,
  config: SimulationConfig,
  onProgress?: (p: ProgressInfo) => void,
): Promise<RunMetrics> {
  const sim = new Simulation(backend, config);
  await sim.setup();
  sim.run(onProgress);
  return collectMetrics(sim);
}

export async function runScenario(s: Scenario, opts: RunScenarioOptions): Promise<ScenarioResult> {
  const backend = backendFor(opts.backends, s.routing);
  const points = scenarioPoints(s, opts);
  const results: PointResult[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as (typeof points)[number];
    const onRun = opts.onProgress;
    const metrics = await runConfig(
      backend,
      p.config,
      onRun === undefined ? undefined : (run) => onRun({ point: i, points: points.length, run }),
    );
    const references =
      backend.reference?.({
        nodes: p.config.nodes,
        params: p.config.params,
        topology: p.config.topology,
        config: p.config,
      }) ?? [];
    results.push({ values: p.values, metrics, references });
  }
  return {
    scenario: s.name,
    description: s.description,
    routing: s.routing,
    seed: s.seed,
    axes: s.sweep === undefined ? [] : Object.keys(s.sweep.axes),
    points: results,
  };
}
