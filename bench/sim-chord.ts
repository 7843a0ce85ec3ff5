/**
 * Chord experiments beyond what `servent sim` measures (it judges searches; the Chord
 * papers judge bare lookups against the key's current owner, and count keys per node).
 *
 *   tsx bench/sim-chord.ts                       identifier micro-benchmark + a 4096-node probe (npm run bench)
 *   tsx bench/sim-chord.ts probe <scenario.json> [--graceful] [--out dir]
 *       every point of a chord-*.json scenario (its nodes, params, network, churn) with bare
 *       lookups instead of searches: the workload's queries/rate/start become lookups of
 *       random keys from random joined nodes; success = finished at the current owner
 *   tsx bench/sim-chord.ts load [--out dir]      keys per node, 10^4 servents, 10^5..10^6 keys, 1..20 virtual nodes
 *   tsx bench/sim-chord.ts rings                 how much one random ring's layout moves the mean path at small N
 *
 * Outputs (with --out): result.json, table.md and one SVG per metric, paper values dashed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { IdSpace, between, betweenRight, lowerBound } from '../src/routing/chord/index.js';
import { createRng } from '../src/core/rng.js';
import type { ChordRouter, NodeRef } from '../src/routing/chord/index.js';
import { probeLookups, sortedRing, type ProbeResult } from '../src/sim/backends/chord.js';
import { simIndexOf } from '../src/sim/address.js';
import { backends, lineChartSvg, parseScenario, scenarioPoints, table, fmt } from '../src/sim/index.js';
import type { ChurnSpec, Series, SimulationConfig } from '../src/sim/index.js';
import { Simulation } from '../src/sim/simulation.js';
import { chordBackend } from '../src/sim/backends/chord.js';
import { DEFAULT_NETWORK } from '../src/sim/config.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = flag('--out');

function write(name: string, text: string): void {
  if (out === undefined) return;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, name), text);
}

function histStats(h: readonly number[]): {
  n: number;
  mean: number;
  p1: number;
  p50: number;
  p99: number;
  max: number;
} {
  let n = 0;
  let sum = 0;
  h.forEach((c, k) => {
    n += c;
    sum += c * k;
  });
  const pct = (p: number): number => {
    const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
    let acc = 0;
    for (let k = 0; k < h.length; k++) {
      acc += h[k] as number;
      if (acc >= rank) return k;
    }
    return h.length - 1;
  };
  return { n, mean: n === 0 ? 0 : sum / n, p1: pct(1), p50: pct(50), p99: pct(99), max: h.length - 1 };
}

function mem(): string {
  const ru = process.resourceUsage();
  return `peak RSS ${(ru.maxRSS / 1024 / 1024).toFixed(2)} GB`;
}

// ---- identifier representations -------------------------------------------------------

function idBench(): void {
  const n = 200_000;
  const hex: string[] = [];
  const big: bigint[] = [];
  const buf: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const d = createHash('sha1')
      .update(`10.0.${i >> 8}.${i & 255}:6346#0`)
      .digest();
    hex.push(d.toString('hex'));
    big.push(BigInt(`0x${d.toString('hex')}`));
    buf.push(d);
  }
  const time = (f: () => number): [number, number] => {
    const t = process.hrtime.bigint();
    const c = f();
    return [Number(process.hrtime.bigint() - t) / 1e6, c];
  };
  const bigBetween = (x: bigint, a: bigint, b: bigint): boolean => (a < b ? a < x && x < b : a < x || x < b);
  const bufBetween = (x: Buffer, a: Buffer, b: Buffer): boolean =>
    Buffer.compare(a, b) < 0
      ? Buffer.compare(a, x) < 0 && Buffer.compare(x, b) < 0
      : Buffer.compare(a, x) < 0 || Buffer.compare(x, b) < 0;
  const rounds = 10;
  const loop =
    <T>(arr: T[], f: (x: T, a: T, b: T) => boolean) =>
    (): number => {
      let c = 0;
      for (let r = 0; r < rounds; r++)
        for (let i = 0; i + 2 < n; i++) if (f(arr[i] as T, arr[i + 1] as T, arr[i + 2] as T)) c++;
      return c;
    };
  // warm-up, then the best of three interleaved runs (the machine may be shared)
  loop(big, bigBetween)();
  loop(hex, between)();
  let [tb, th, tf] = [Infinity, Infinity, Infinity];
  let counts: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const b = time(loop(big, bigBetween));
    const x = time(loop(hex, between));
    const f = time(loop(buf, bufBetween));
    tb = Math.min(tb, b[0]);
    th = Math.min(th, x[0]);
    tf = Math.min(tf, f[0]);
    counts = [b[1], x[1], f[1]];
  }
  if (counts[0] !== counts[1] || counts[0] !== counts[2]) throw new Error('representations disagree');
  const ops = rounds * (n - 2);
  console.log(`interval test x ∈ (a, b), ${ops} ops`);
  console.log(`  BigInt (baseline)   ${((tb * 1e6) / ops).toFixed(1)} ns/op`);
  console.log(`  hex string (used)   ${((th * 1e6) / ops).toFixed(1)} ns/op   ratio ${(th / tb).toFixed(2)}`);
  console.log(`  Buffer.compare      ${((tf * 1e6) / ops).toFixed(1)} ns/op   ratio ${(tf / tb).toFixed(2)}`);
  const space = new IdSpace(160);
  const mod = 1n << 160n;
  const [ta] = time(() => {
    let c = 0;
    for (let i = 0; i < n; i++) c += space.addPow2(hex[i] as string, 100 + (i % 60)).length;
    return c;
  });
  const [tba] = time(() => {
    let c = 0;
    for (let i = 0; i < n; i++)
      c += Number((((big[i] as bigint) + (1n << BigInt(100 + (i % 60)))) % mod) & 1n);
    return c;
  });
  console.log(
    `finger start n + 2^i: on BigInt ids ${((tba * 1e6) / n).toFixed(0)} ns, on hex ids (IdSpace.addPow2, parse + print) ${((ta * 1e6) / n).toFixed(0)} ns, ratio ${(ta / tba).toFixed(2)} (off the hot path: fix_fingers, state installation)`,
  );
}

// ---- bare-lookup probes over a scenario --------------------------------------------------

interface ProbeRow {
  readonly x: number;
  readonly nodes: number;
  readonly result: ProbeResult;
  readonly wallMs: number;
}

function gracefulChurn(c: ChurnSpec, nodes: number): ChurnSpec {
  if (c.sessionMeanMs === undefined) return c;
  const rate = (nodes * 1000) / c.sessionMeanMs;
  const { sessionMeanMs: _s, ...rest } = c;
  return { ...rest, joinPerSec: rate, leavePerSec: rate };
}

async function probe(file: string, graceful: boolean): Promise<void> {
  const text = readFileSync(file, 'utf8');
  const s = parseScenario(text, {
    routings: Object.keys(backends),
    readFile: (p) => readFileSync(resolve(dirname(file), p), 'utf8'),
  });
  const points = scenarioPoints(s);
  const xAxis = s.sweep?.x ?? 'nodes';
  const rows: ProbeRow[] = [];
  for (const p of points) {
    const w = p.config.workload;
    if (w === undefined) throw new Error('the scenario needs a workload (its queries become lookups)');
    let config: SimulationConfig = p.config;
    if (graceful && config.churn !== undefined)
      config = { ...config, churn: gracefulChurn(config.churn, config.nodes) };
    const x = xAxis === 'nodes' ? config.nodes : Number(p.values[xAxis]);
    const t0 = Date.now();
    const result = await probeLookups(config, {
      lookups: w.queries,
      ratePerSec: w.ratePerSec ?? 1000 / (w.intervalMs ?? 1000),
      startMs: w.startMs,
      seed: s.seed ^ 0x5eed,
    });
    const wallMs = Date.now() - t0;
    rows.push({ x, nodes: config.nodes, result, wallMs });
    const h = histStats(result.hops);
    const t = histStats(result.timeouts);
    console.log(
      `${xAxis}=${x}: ${result.lookups} lookups (${result.abandoned} abandoned: initiator died), failed ${result.failed} (wrong owner ${result.wrongOwner}), hops ${h.mean.toFixed(3)} (${h.p1}..${h.p99}), timeouts ${t.mean.toFixed(3)} (${t.p1}..${t.p99}), ${result.events} events in ${(wallMs / 1000).toFixed(1)} s, ${mem()}`,
    );
  }
  const metric = (r: ProbeRow, m: string): number => {
    const h = histStats(r.result.hops);
    const t = histStats(r.result.timeouts);
    const per10k = (r.result.failed * 10_000) / Math.max(1, r.result.lookups);
    const v: Record<string, number> = {
      'hops.mean': h.mean,
      'hops.p1': h.p1,
      'hops.p50': h.p50,
      'hops.p99': h.p99,
      'timeouts.mean': t.mean,
      'timeouts.p1': t.p1,
      'timeouts.p99': t.p99,
      failedPer10k: per10k,
    };
    return v[m] ?? NaN;
  };
  const ref = (m: string, x: number): number | undefined =>
    s.references.find((r) => r.metric === m)?.points.find((pt) => pt[0] === x)?.[1];
  const metrics = ['hops.mean', 'hops.p1', 'hops.p99', 'timeouts.mean', 'timeouts.p99', 'failedPer10k'];
  const header = [
    xAxis,
    'lookups',
    ...metrics.flatMap((m) => (s.references.some((r) => r.metric === m) ? [m, `paper ${m}`] : [m])),
  ];
  const body = rows.map((r) => [
    fmt(r.x),
    fmt(r.result.lookups),
    ...metrics.flatMap((m) =>
      s.references.some((rr) => rr.metric === m)
        ? [fmt(metric(r, m)), fmt(ref(m, r.x))]
        : [fmt(metric(r, m))],
    ),
  ]);
  const md = table(header, body);
  console.log(`\n${s.name}${graceful ? ' (graceful leaves)' : ''}: bare lookups\n${md}`);
  const suffix = graceful ? '-graceful' : '';
  write(`table${suffix}.md`, md);
  write(
    `result${suffix}.json`,
    `${JSON.stringify(
      {
        scenario: s.name,
        graceful,
        axis: xAxis,
        points: rows.map((r) => ({
          [xAxis]: r.x,
          ...Object.fromEntries(
            metrics.concat(['hops.p50', 'timeouts.p1']).map((m) => [m, Number(metric(r, m).toFixed(4))]),
          ),
          lookups: r.result.lookups,
          abandoned: r.result.abandoned,
          failed: r.result.failed,
          wrongOwner: r.result.wrongOwner,
          hopsHistogram: r.result.hops,
          timeoutsHistogram: r.result.timeouts,
          liveAtEnd: r.result.liveAtEnd,
          events: r.result.events,
          simulatedMs: r.result.simulatedMs,
        })),
      },
      null,
      2,
    )}\n`,
  );
  const logX =
    rows.length > 1 &&
    Math.max(...rows.map((r) => r.x)) /
      Math.max(1e-9, Math.min(...rows.filter((r) => r.x > 0).map((r) => r.x))) >=
      100;
  for (const m of metrics) {
    const series: Series[] = [
      {
        label: `ours${graceful ? ' (graceful)' : ''}`,
        points: rows.map((r) => [r.x, metric(r, m)] as const),
      },
    ];
    for (const r of s.references.filter((rr) => rr.metric === m))
      series.push({ label: r.label, points: r.points, reference: true });
    if (m === 'hops.mean' && xAxis === 'nodes') {
      series.push({
        label: '½·log2 N',
        points: rows.map((r) => [r.x, 0.5 * Math.log2(r.x)] as const),
        reference: true,
      });
    }
    write(
      `${m.replace(/[^A-Za-z0-9]+/g, '-')}${suffix}.svg`,
      lineChartSvg({ title: `${s.name}: ${m} (bare lookups)`, xLabel: xAxis, yLabel: m, series, logX }),
    );
  }
}

// ---- keys per node -----------------------------------------------------------------------

async function ring(
  nodes: number,
  virtualNodes: number,
): Promise<{ refs: NodeRef[]; space: IdSpace; sim: Simulation<unknown> }> {
  const sim = new Simulation(chordBackend, {
    routing: 'chord',
    seed: 1,
    nodes,
    params: { stable: true, maintenance: false, virtualNodes, replicas: 0, indexUrns: false },
    network: DEFAULT_NETWORK,
    durationMs: 1,
    bucketMs: 10_000,
    trace: false,
  });
  await sim.setup();
  const routers: ChordRouter[] = [];
  for (let i = 0; i < nodes; i++) routers.push(sim.router(i) as ChordRouter);
  return {
    refs: sortedRing(routers),
    space: (routers[0] as ChordRouter).space,
    sim: sim as Simulation<unknown>,
  };
}

function ownerCounts(
  refs: readonly NodeRef[],
  keys: readonly string[],
  upTo: number,
  nodes: number,
): Int32Array {
  const counts = new Int32Array(nodes);
  for (let k = 0; k < upTo; k++) {
    const key = keys[k] as string;
    let lo = 0;
    let hi = refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((refs[mid] as NodeRef).id < key) lo = mid + 1;
      else hi = mid;
    }
    const owner = refs[lo === refs.length ? 0 : lo] as NodeRef;
    const i = simIndexOf(owner.addr);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

function dist(counts: Int32Array): { mean: number; p1: number; p99: number; max: number; empty: number } {
  const s = Int32Array.from(counts).sort();
  const n = s.length;
  let sum = 0;
  let empty = 0;
  for (const c of s) {
    sum += c;
    if (c === 0) empty++;
  }
  const pct = (p: number): number => s[Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1] as number;
  return { mean: sum / n, p1: pct(1), p99: pct(99), max: s[n - 1] as number, empty: empty / n };
}

async function load(): Promise<void> {
  const nodes = 10_000;
  const maxKeys = 1_000_000;
  const space = new IdSpace(160);
  const keys: string[] = [];
  for (let k = 0; k < maxKeys; k++) keys.push(space.hash(`sim${k}`));
  const rowsKeys: string[][] = [];
  const result: Record<string, unknown> = {};
  // Fig. 8: keys per node vs number of keys, no virtual nodes
  const base = await ring(nodes, 1);
  const byKeys: { keys: number; mean: number; p1: number; p99: number; max: number; empty: number }[] = [];
  for (let k = 100_000; k <= maxKeys; k += 100_000) {
    const d = dist(ownerCounts(base.refs, keys, k, nodes));
    byKeys.push({ keys: k, ...d });
    rowsKeys.push([
      fmt(k),
      fmt(d.mean),
      fmt(d.p1),
      fmt(d.p99),
      fmt(d.max),
      fmt(d.p99 / d.mean),
      fmt(d.max / d.mean),
      fmt(d.empty),
    ]);
  }
  result['byKeys'] = byKeys;
  // the same counts through the real path: publish 10^5 keys with lookups and STOREs
  const pub = new Simulation(chordBackend, {
    routing: 'chord',
    seed: 1,
    nodes,
    params: { stable: true, maintenance: false, replicas: 0, indexUrns: false },
    network: { ...DEFAULT_NETWORK, latency: { kind: 'exponential', meanMs: 50 } },
    workload: {
      placement: { kind: 'replicas', files: 100_000, replicas: 1 },
      queries: 0,
      ratePerSec: 1,
      startMs: 0,
      zipf: 0,
      timeoutMs: 1000,
    },
    durationMs: 120_000,
    bucketMs: 10_000,
    trace: false,
  });
  await pub.setup();
  pub.run();
  const computed = ownerCounts(base.refs, keys, 100_000, nodes);
  let mismatches = 0;
  for (let i = 0; i < nodes; i++)
    if ((pub.router(i) as ChordRouter).storedPointers() !== computed[i]) mismatches++;
  result['publishedCheck'] = { keys: 100_000, nodesWhoseStoredCountDiffers: mismatches };
  console.log(
    `10^5 keys published through lookups + STOREs: ${mismatches} of ${nodes} nodes differ from the computed owner counts`,
  );
  // Fig. 9: 10^6 keys, virtual nodes
  const rowsV: string[][] = [];
  const byV: { virtualNodes: number; mean: number; p1: number; p99: number; max: number; empty: number }[] =
    [];
  for (const v of [1, 2, 5, 10, 20]) {
    const r = v === 1 ? base : await ring(nodes, v);
    const d = dist(ownerCounts(r.refs, keys, maxKeys, nodes));
    byV.push({ virtualNodes: v, ...d });
    rowsV.push([
      fmt(v),
      fmt(d.mean),
      fmt(d.p1),
      fmt(d.p99),
      fmt(d.max),
      fmt(d.p1 / d.mean),
      fmt(d.p99 / d.mean),
      fmt(d.empty),
    ]);
    console.log(`virtual nodes ${v}: p1 ${d.p1} p99 ${d.p99} max ${d.max} (${mem()})`);
  }
  result['byVirtualNodes'] = byV;
  const t1 = table(['keys', 'mean', 'p1', 'p99', 'max', 'p99/mean', 'max/mean', 'empty nodes'], rowsKeys);
  const t2 = table(
    ['virtual nodes', 'mean', 'p1', 'p99', 'max', 'p1/mean', 'p99/mean', 'empty nodes'],
    rowsV,
  );
  console.log(
    `\nkeys per node, ${nodes} nodes, no virtual nodes\n${t1}\nkeys per node, ${nodes} servents, 10^6 keys\n${t2}`,
  );
  write(
    'table.md',
    `### keys per node, ${nodes} nodes\n\n${t1}\n### 10^6 keys, virtual nodes per servent\n\n${t2}`,
  );
  write('result.json', `${JSON.stringify(result, null, 2)}\n`);
  write(
    'keys-per-node.svg',
    lineChartSvg({
      title: `keys per node, ${nodes} nodes (SIGCOMM Fig. 8)`,
      xLabel: 'keys',
      yLabel: 'keys per node',
      series: [
        { label: 'mean', points: byKeys.map((d) => [d.keys, d.mean] as const) },
        { label: '1st pct', points: byKeys.map((d) => [d.keys, d.p1] as const) },
        { label: '99th pct', points: byKeys.map((d) => [d.keys, d.p99] as const) },
        { label: 'paper 99th pct (4.6× mean at 5·10^5)', points: [[500_000, 230]], reference: true },
        { label: 'paper max (457 at 5·10^5)', points: [[500_000, 457]], reference: true },
      ],
    }),
  );
  write(
    'virtual-nodes.svg',
    lineChartSvg({
      title: `keys per servent, ${nodes} servents, 10^6 keys (SIGCOMM Fig. 9)`,
      xLabel: 'virtual nodes per servent',
      yLabel: 'keys per servent',
      logX: true,
      series: [
        { label: '1st pct', points: byV.map((d) => [d.virtualNodes, d.p1] as const) },
        { label: '99th pct', points: byV.map((d) => [d.virtualNodes, d.p99] as const) },
        {
          label: 'paper 99th pct (4.8× → 1.6× mean)',
          points: [
            [1, 480],
            [20, 160],
          ],
          reference: true,
        },
        {
          label: 'paper 1st pct (0 → 0.5× mean)',
          points: [
            [1, 0],
            [20, 50],
          ],
          reference: true,
        },
        {
          label: 'Rings repro 99th',
          points: [
            [1, 478],
            [2, 332],
            [5, 235],
            [10, 188],
            [20, 159],
          ],
          reference: true,
        },
        {
          label: 'Rings repro 1st',
          points: [
            [1, 1],
            [2, 7],
            [5, 25],
            [10, 41],
            [20, 56],
          ],
          reference: true,
        },
      ],
    }),
  );
}

// ---- ring-to-ring variation of the mean path ------------------------------------------------

/**
 * The simulator's node ids are fixed by their addresses, so each N is one ring. This
 * measures how far the mean path of one random ring strays from the mean over many, with
 * the same rules (perfect fingers, successor list of 1, closest preceding finger), locally.
 */
function rings(): void {
  const space = new IdSpace(160);
  const rng = createRng(42);
  const rows: string[][] = [];
  for (const n of [8, 16, 32, 64, 128]) {
    const count = 200;
    const means: number[] = [];
    let zero = 0;
    let total = 0;
    for (let r = 0; r < count; r++) {
      const ids = Array.from({ length: n }, () => space.random(() => rng.uint32())).sort();
      const refs = ids.map((id) => ({ id, addr: '', vn: 0 }));
      const fingers = ids.map((id) => {
        const f = new Set<number>();
        for (let i = 0; i < 160; i++) f.add(lowerBound(refs, space.addPow2(id, i)) % n);
        return [...f];
      });
      let sum = 0;
      const q = 400;
      for (let t = 0; t < q; t++) {
        let cur = rng.int(n);
        const key = space.random(() => rng.uint32());
        let hops = 0;
        while (!betweenRight(key, ids[cur] as string, ids[(cur + 1) % n] as string)) {
          let best = -1;
          for (const j of fingers[cur] as number[]) {
            const f = ids[j] as string;
            if (!between(f, ids[cur] as string, key)) continue;
            if (best < 0 || between(f, ids[best] as string, key)) best = j;
          }
          cur = best;
          hops++;
        }
        sum += hops;
        if (hops === 0) zero++;
        total++;
      }
      means.push(sum / q);
    }
    const m = means.reduce((a, b) => a + b, 0) / count;
    const sd = Math.sqrt(means.reduce((a, b) => a + (b - m) ** 2, 0) / count);
    rows.push([fmt(n), fmt(m), fmt(sd), fmt(Math.min(...means)), fmt(Math.max(...means)), fmt(zero / total)]);
  }
  const md = table(['N', 'mean over 200 rings', 'sd between rings', 'min', 'max', 'P(0 hops)'], rows);
  console.log(md);
  write('rings.md', md);
}

// ---- default: what `npm run bench` runs ---------------------------------------------------

async function quick(): Promise<void> {
  idBench();
  const t0 = Date.now();
  const r = await probeLookups(
    {
      routing: 'chord',
      seed: 1,
      nodes: 4096,
      params: { stable: true, successors: 1, replicas: 0, maintenance: false },
      network: { ...DEFAULT_NETWORK, latency: { kind: 'exponential', meanMs: 50 } },
      bucketMs: 10_000,
      trace: false,
    },
    { lookups: 5000, ratePerSec: 1000, startMs: 0, seed: 7 },
  );
  const h = histStats(r.hops);
  const ms = Date.now() - t0;
  console.log(
    `4096-node ring, 5000 lookups: mean path ${h.mean.toFixed(2)} (paper 5.84, ratio ${(h.mean / 5.84).toFixed(3)}), failed ${r.failed}, ${r.events} events in ${ms} ms (${Math.round((r.events * 1000) / ms)} events/s), ${mem()}`,
  );
}

const cmd = args[0];
if (cmd === undefined) await quick();
else if (cmd === 'probe') {
  const file = args[1];
  if (file === undefined)
    throw new Error('usage: sim-chord.ts probe <scenario.json> [--graceful] [--out dir]');
  await probe(file, args.includes('--graceful'));
} else if (cmd === 'load') await load();
else if (cmd === 'ids') idBench();
else if (cmd === 'rings') rings();
else {
  console.error(`unknown experiment ${cmd}`);
  process.exitCode = 2;
}
