/**
 * `servent sim`: runs the deterministic simulator on a scenario file, or on a scenario
 * built from flags, prints the result table and writes to --out:
 *   result.json    the metrics (same scenario + seed ⇒ same bytes)
 *   run-info.json  wall time, CPU time, events/s, memory (changes between runs)
 *   table.md       the printed table
 *   scenario.json  the scenario that was run
 *   *.svg          plots (hops histogram, success over time; one per metric for sweeps)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { isServentError } from '../../core/errors.js';
import {
  backends,
  parseScenario,
  resultJson,
  resultPlots,
  resultTable,
  runScenario,
  type Scenario,
  type ScenarioProgress,
  validateScenario,
} from '../../sim/index.js';

interface SimArgs {
  scenario?: string;
  routing: string;
  nodes: number;
  queries: number;
  ttl?: number;
  seed: number;
  degree: number;
  topology: 'regular' | 'powerlaw';
  churn?: number;
  files: number;
  replicas: number;
  rate: number;
  trace: boolean;
  out?: string;
}

/** Progress bars appear only for runs that last longer than this (wall time). */
const PROGRESS_AFTER_MS = 2000;

/** The scenario the flags describe. */
export function scenarioFromFlags(a: SimArgs): Record<string, unknown> {
  const backend = backends[a.routing];
  const link = backend?.mode === 'link';
  return {
    name: `${a.routing}-${a.nodes}-${a.seed}`,
    description: 'built from command-line flags',
    routing: a.routing,
    seed: a.seed,
    nodes: a.nodes,
    params: a.ttl === undefined ? {} : { ttl: a.ttl },
    ...(link
      ? {
          topology:
            a.topology === 'powerlaw'
              ? { kind: 'powerlaw', m: Math.max(1, Math.round(a.degree / 2)) }
              : { kind: 'regular', degree: a.degree },
        }
      : {}),
    workload: {
      placement: { kind: 'replicas', files: a.files, replicas: a.replicas },
      queries: a.queries,
      ratePerSec: a.rate,
    },
    ...(a.churn === undefined || a.churn === 0
      ? {}
      : { churn: { joinPerSec: a.churn, failPerSec: a.churn, repair: true } }),
    trace: a.trace,
  };
}

interface Loaded {
  readonly scenario: Scenario;
  readonly raw: unknown;
  /** reads files the scenario names, relative to the scenario file */
  readonly readFile: (path: string) => string;
}

function loadScenario(a: SimArgs): Loaded {
  const routings = Object.keys(backends);
  const base = a.scenario === undefined ? process.cwd() : dirname(resolve(a.scenario));
  const readFile = (p: string): string => readFileSync(resolve(base, p), 'utf8');
  if (a.scenario === undefined) {
    const raw = scenarioFromFlags(a);
    return { scenario: validateScenario(raw, { routings }), raw, readFile };
  }
  const text = readFileSync(resolve(a.scenario), 'utf8');
  return {
    scenario: parseScenario(text, { routings, readFile }),
    raw: JSON.parse(text) as unknown,
    readFile,
  };
}

function defaultOut(s: Scenario): string {
  const nodes = s.base['nodes'];
  return join('out', `sim-${s.routing}-${typeof nodes === 'number' ? nodes : s.name}-${s.seed}`);
}

/** A progress bar on stderr that shows up only on a TTY and only for long runs. */
function progressReporter(): { update(p: ScenarioProgress): void; stop(): void } {
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(p) {
      if (!process.stderr.isTTY) return;
      const value = Math.round(((p.point + p.run.fraction) / p.points) * 1000);
      if (bar === undefined) {
        if (Date.now() - started < PROGRESS_AFTER_MS) return;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format:
              'sim [{bar}] {percentage}% | point {point}/{points} | t={simS}s | {events} events | ETA {eta_formatted}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(1000, 0, { point: 1, points: p.points, simS: 0, events: 0 });
      }
      bar.update(value, {
        point: p.point + 1,
        points: p.points,
        simS: Math.round(p.run.simMs / 1000),
        events: p.run.events,
      });
    },
    stop() {
      bar?.stop();
    },
  };
}

export async function runSimCommand(a: SimArgs): Promise<number> {
  let loaded: Loaded;
  try {
    loaded = loadScenario(a);
  } catch (e) {
    if (isServentError(e) || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`servent sim: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
  const { scenario, raw, readFile } = loaded;
  const out = resolve(a.out ?? defaultOut(scenario));
  const progress = progressReporter();
  const wall0 = Date.now();
  const cpu0 = process.cpuUsage();
  let events = 0;
  let result;
  try {
    result = await runScenario(scenario, {
      backends,
      readFile,
      onProgress: (p) => progress.update(p),
    });
  } catch (e) {
    progress.stop();
    if (isServentError(e)) {
      process.stderr.write(`servent sim: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  progress.stop();
  const wallMs = Date.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  for (const p of result.points) events += p.metrics.events;
  const table = resultTable(result);
  process.stdout.write(`${scenario.name} (${scenario.routing}, seed ${scenario.seed})\n${table}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'result.json'), resultJson(result));
  writeFileSync(join(out, 'table.md'), table);
  writeFileSync(join(out, 'scenario.json'), JSON.stringify(raw, null, 2) + '\n');
  const plots = resultPlots(result, scenario);
  for (const p of plots) writeFileSync(join(out, p.name), p.svg);
  const mem = process.memoryUsage();
  const info = {
    command: ['servent', 'sim', ...process.argv.slice(3)].join(' '),
    wallMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    events,
    eventsPerWallSec: wallMs === 0 ? 0 : Math.round((events * 1000) / wallMs),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMB: Math.round(mem.heapUsed / 1e6),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  writeFileSync(join(out, 'run-info.json'), JSON.stringify(info, null, 2) + '\n');
  process.stdout.write(
    `wrote ${out}/{result.json,run-info.json,table.md,scenario.json${plots.map((p) => `,${p.name}`).join('')}}` +
      ` (${events} events in ${(wallMs / 1000).toFixed(1)} s)\n`,
  );
  return 0;
}

export const simCommand: CommandModule<object, SimArgs> = {
  command: 'sim',
  describe: 'run the deterministic simulator on a scenario (or on flags) and write results',
  builder: (y: Argv): Argv<SimArgs> =>
    y
      .option('scenario', { type: 'string', describe: 'scenario JSON file (fixtures/scenarios/*.json)' })
      .option('routing', {
        type: 'string',
        default: 'flood',
        describe: `back-end: ${Object.keys(backends).join(', ')}`,
      })
      .option('nodes', { type: 'number', default: 1000, describe: 'number of nodes' })
      .option('queries', { type: 'number', default: 1000, describe: 'searches to issue' })
      .option('ttl', { type: 'number', describe: 'TTL of the searches (flood)' })
      .option('seed', { type: 'number', default: 1, describe: 'random seed: same seed, same result.json' })
      .option('degree', { type: 'number', default: 4, describe: 'links per node (link back-ends)' })
      .option('topology', {
        choices: ['regular', 'powerlaw'] as const,
        default: 'regular' as const,
        describe: 'random regular graph, or preferential attachment with mean degree ≈ --degree',
      })
      .option('churn', { type: 'number', describe: 'joins per second and crashes per second (each)' })
      .option('files', { type: 'number', default: 1000, describe: 'distinct files' })
      .option('replicas', { type: 'number', default: 10, describe: 'nodes holding each file' })
      .option('rate', { type: 'number', default: 10, describe: 'searches per simulated second (Poisson)' })
      .option('trace', { type: 'boolean', default: false, describe: 'hash every event into result.json' })
      .option('out', {
        type: 'string',
        describe: 'output folder (default ./out/sim-<routing>-<nodes>-<seed>)',
      })
      .example('$0 sim --routing flood --nodes 10000 --ttl 4 --seed 1', 'one run from flags')
      .example(
        '$0 sim --scenario fixtures/scenarios/flood-ttl.json',
        'a scenario file (with a sweep)',
      ) as unknown as Argv<SimArgs>,
  handler: async (argv: ArgumentsCamelCase<SimArgs>) => {
    process.exitCode = await runSimCommand(argv);
  },
};
