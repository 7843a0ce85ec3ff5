/**
 * `npm run bench:sim`: simulated events per second and memory of the flood back-end in
 * the simulator at 10^4, 10^5 and 10^6 nodes (random 4-regular overlay, a fixed number
 * of TTL-4 searches), each size in its own process so that peak RSS is per size.
 *
 * Baseline, measured in the same process right after the run: the bare scheduler
 * running empty events with the same mean queue length (best of 3 trials of at least
 * 2·10^6 events). The ratio says how much of the event rate the simulated network and
 * the real routers cost. Rates are per CPU second of the process (robust when other
 * processes share the cores); wall times are printed too.
 *
 *   node --max-old-space-size=8192 --import tsx bench/sim.ts [--sizes 1e4,1e5,1e6] [--queries 5000]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRng } from '../src/core/rng.js';
import { backends } from '../src/sim/backends/index.js';
import { DEFAULT_NETWORK } from '../src/sim/config.js';
import { collectMetrics } from '../src/sim/metrics.js';
import { Scheduler } from '../src/sim/scheduler.js';
import { Simulation } from '../src/sim/simulation.js';

interface ChildResult {
  nodes: number;
  queries: number;
  setupMs: number;
  events: number;
  meanPending: number;
  runWallMs: number;
  runCpuMs: number;
  statsWallMs: number;
  baselineCpuMs: number;
  heapAfterSetupMB: number;
  bytesPerNode: number;
  maxRssMB: number;
  /** RSS after setup, after the run, after the stats pass */
  rssMB: number[];
  success: number;
  requestsPerLookup: number;
}

const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The bare scheduler: `events` empty events, `pending` of them queued at any time. */
function baseline(events: number, pending: number): number {
  const s = new Scheduler(1 << 16);
  const rng = createRng(1);
  let left = events;
  s.on(1, () => {
    if (--left >= pending) s.schedule(s.now() + 10 + 90 * rng.float(), 1, 0, 0, undefined);
  });
  for (let i = 0; i < pending; i++) s.schedule(100 * rng.float(), 1, 0, 0, undefined);
  const c0 = process.cpuUsage();
  s.runUntil(Infinity);
  return cpuMs(process.cpuUsage(c0));
}

async function child(nodes: number, queries: number): Promise<ChildResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const w0 = Date.now();
  const sim = new Simulation(backends['flood'] as NonNullable<(typeof backends)['flood']>, {
    routing: 'flood',
    seed: 1,
    nodes,
    params: { ttl: 4 },
    topology: { kind: 'regular', degree: 4 },
    network: DEFAULT_NETWORK,
    workload: {
      placement: { kind: 'replicas', files: 1000, replicas: 10 },
      queries,
      intervalMs: 20,
      startMs: 0,
      zipf: 0,
      timeoutMs: 5000,
    },
    bucketMs: 10_000,
    trace: false,
  });
  await sim.setup();
  const setupMs = Date.now() - w0;
  gc?.();
  const heap = process.memoryUsage().heapUsed - heap0;
  const rssAfterSetup = process.memoryUsage().rss;
  let pendingSum = 0;
  let samples = 0;
  const w1 = Date.now();
  const c1 = process.cpuUsage();
  sim.run(() => {
    pendingSum += sim.scheduler.pending();
    samples++;
  });
  const runCpuMs = cpuMs(process.cpuUsage(c1));
  const runWallMs = Date.now() - w1;
  const events = sim.scheduler.eventsRun();
  const rssAfterRun = process.memoryUsage().rss;
  const w2 = Date.now();
  const m = collectMetrics(sim);
  const statsWallMs = Date.now() - w2;
  const rssAfterStats = process.memoryUsage().rss;
  const meanPending = Math.max(1, Math.round(pendingSum / Math.max(1, samples)));
  // at least 2·10^6 events per trial, best of 3 trials (short runs are noisy)
  const baseEvents = Math.max(events, 2_000_000);
  let baselineCpuMs = Infinity;
  for (let t = 0; t < 3; t++) baselineCpuMs = Math.min(baselineCpuMs, baseline(baseEvents, meanPending));
  baselineCpuMs *= events / baseEvents;
  return {
    nodes,
    queries,
    setupMs,
    events,
    meanPending,
    runWallMs,
    runCpuMs,
    statsWallMs,
    baselineCpuMs,
    heapAfterSetupMB: Math.round(heap / 1e6),
    bytesPerNode: Math.round(heap / nodes),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssMB: [rssAfterSetup, rssAfterRun, rssAfterStats].map((r) => Math.round(r / 1e6)),
    success: m.success,
    requestsPerLookup: m.requestsPerLookup?.mean ?? 0,
  };
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

async function main(): Promise<void> {
  const childN = arg('--child');
  const queries = Number(arg('--queries') ?? 5000);
  if (childN !== undefined) {
    process.stdout.write(JSON.stringify(await child(Number(childN), queries)) + '\n');
    return;
  }
  const sizes = (arg('--sizes') ?? '1e4,1e5,1e6').split(',').map(Number);
  const self = fileURLToPath(import.meta.url);
  process.stdout.write(
    `flood in the simulator: random 4-regular, ${queries} searches at TTL 4, uniform 10–100 ms links\n` +
      `events/s are per CPU second of this process (wall time is shown too); baseline = bare scheduler,\n` +
      `same events, same mean queue length, same process.\n\n`,
  );
  const header = [
    'nodes',
    'setup s',
    'events',
    'queue',
    'run wall s',
    'run cpu s',
    'ev/cpu-s',
    'baseline ev/cpu-s',
    'ratio',
    'stats s',
    'heap MB',
    'B/node',
    'maxRSS MB',
  ];
  process.stdout.write(header.join(' | ') + '\n');
  for (const n of sizes) {
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        self,
        '--child',
        String(n),
        '--queries',
        String(queries),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    );
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || line === '') {
      process.stdout.write(`${n}: failed (status ${r.status})\n`);
      process.exitCode = 1;
      continue;
    }
    const c = JSON.parse(line) as ChildResult;
    const rate = c.events / (c.runCpuMs / 1000);
    const base = c.events / (c.baselineCpuMs / 1000);
    process.stdout.write(
      [
        pad(c.nodes, 7),
        pad((c.setupMs / 1000).toFixed(1), 7),
        pad(c.events, 8),
        pad(c.meanPending, 5),
        pad((c.runWallMs / 1000).toFixed(1), 10),
        pad((c.runCpuMs / 1000).toFixed(1), 9),
        pad(Math.round(rate), 8),
        pad(Math.round(base), 17),
        pad(`1/${(base / rate).toFixed(0)}`, 5),
        pad((c.statsWallMs / 1000).toFixed(1), 7),
        pad(c.heapAfterSetupMB, 7),
        pad(c.bytesPerNode, 6),
        pad(c.maxRssMB, 9),
      ].join(' | ') + '\n',
    );
    process.stdout.write(
      `         (success ${c.success.toFixed(3)}, ${c.requestsPerLookup.toFixed(1)} query copies per search;` +
        ` RSS MB after setup / run / stats pass: ${c.rssMB.join(' / ')})\n`,
    );
  }
}

await main();
