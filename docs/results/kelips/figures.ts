/**
 * Figures of docs/RESULTS.md "Kelips" that `servent sim` does not draw itself, made from the
 * result.json files the scenarios wrote (run after them):
 *
 *   node --import tsx docs/results/kelips/figures.ts
 *
 * - failure/reconvergence.svg: view size and dead view/contact entries per live node over
 *   time, from the probes of kelips-failure (the paper's Fig. 6), and the time at which no
 *   live node's view holds a dead node any more;
 * - partial/tries.svg: requests per lookup with 55.8 %-full views against the paper's
 *   Fig. 4 tries;
 * - the memory model at the paper's point (n = 10^5, F = 10^7) with its and our entry sizes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEMBER_STATE_BYTES, TUPLE_STATE_FIXED } from '../../../src/routing/kelips/index.js';
import { barChartSvg, lineChartSvg } from '../../../src/sim/svg.js';

const here = dirname(fileURLToPath(import.meta.url));

function load(name: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(join(here, name, 'result.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function reconvergence(): void {
  const r = load('failure');
  if (r === undefined) return;
  const extra = r['extra'] as Record<string, number>;
  const rows = new Map<number, Record<string, number>>();
  for (const [k, v] of Object.entries(extra)) {
    const m = /^probe\.t(\d+)\.(\w+)$/.exec(k);
    if (m === null) continue;
    const t = Number(m[1]);
    const row = rows.get(t) ?? {};
    row[m[2] as string] = v;
    rows.set(t, row);
  }
  const ts = [...rows.keys()].sort((a, b) => a - b);
  const per = (what: string): [number, number][] =>
    ts.map((t) => {
      const row = rows.get(t) as Record<string, number>;
      return [t, (row[what] ?? 0) / Math.max(1, row['nodes'] ?? 1)];
    });
  const crash = 1300;
  const clean = ts.find((t) => t > crash && (rows.get(t)?.['viewDead'] ?? 1) === 0);
  const cleanContacts = ts.find((t) => t > crash && (rows.get(t)?.['contactsDead'] ?? 1) === 0);
  const view = per('view');
  const top = Math.max(...view.map(([, y]) => y));
  writeFileSync(
    join(here, 'failure', 'reconvergence.svg'),
    lineChartSvg({
      title: 'Kelips: 500 of 1000 nodes crash at t = 1300 s (30 groups)',
      xLabel: 'time (s)',
      yLabel: 'entries per live node',
      series: [
        { label: 'view size', points: view },
        { label: 'dead nodes in view', points: per('viewDead') },
        { label: 'live members missing', points: per('viewMissing') },
        { label: 'dead contacts', points: per('contactsDead') },
        {
          label: 'paper: re-stabilised ≈ 1380 s',
          points: [
            [1380, 0],
            [1380, top],
          ],
          reference: true,
          color: -1,
        },
      ],
    }),
  );
  console.log(`failure: views clean of dead nodes at t = ${clean ?? '-'} s (${clean === undefined ? '-' : clean - crash} s after the crash; probes every 10 s); contacts clean at ${cleanContacts ?? '-'} s`);
  for (const t of ts) {
    const row = rows.get(t) as Record<string, number>;
    const n = row['nodes'] ?? 1;
    console.log(`  t=${t} nodes=${n} view=${((row['view'] ?? 0) / n).toFixed(2)} dead=${((row['viewDead'] ?? 0) / n).toFixed(3)} missing=${((row['viewMissing'] ?? 0) / n).toFixed(3)} contactsDead=${((row['contactsDead'] ?? 0) / n).toFixed(3)}`);
  }
}

function tries(): void {
  const all = load('partial');
  // the first sweep point: tuples as partial as the views (tupleFill 0.558)
  const r = (all?.['points'] as Record<string, unknown>[] | undefined)?.[0];
  if (r === undefined) return;
  const hist = r['hopsHistogram'] as [number, number][];
  const lookups = r['lookups'] as number;
  const frac = (h: number): number => (hist.find(([x]) => x === h)?.[1] ?? 0) / lookups;
  const ok = hist.reduce((s, [, n]) => s + n, 0) / lookups;
  // the paper's Fig. 4 (insertions, 1500 nodes, views 55.8 % full): 1/2/3/4 tries, failed
  const paper = [0.472, 0.4704, 0.0376, 0.0096, 0.0104];
  const ours = [frac(0) + frac(1), frac(2), frac(3), frac(4), 1 - ok];
  writeFileSync(
    join(here, 'partial', 'tries.svg'),
    barChartSvg({
      title: 'Kelips, 1500 nodes, 38 groups, views and tuples 55.8 % full (walk ≤ 3)',
      xLabel: 'requests until the answer',
      yLabel: 'fraction of lookups',
      bars: ['1', '2', '3', '4', 'failed'].map((label, i) => ({ label, value: ours[i] as number })),
      reference: { label: 'paper Fig. 4 (insertion tries)', values: paper },
    }),
  );
  console.log(`partial: ours ${ours.map((x) => (100 * x).toFixed(2)).join(' / ')} %; paper ${paper.map((x) => (100 * x).toFixed(2)).join(' / ')} %`);
}

function memoryModel(): void {
  const n = 100_000;
  const k = 317;
  const c = 2;
  const F = 10_000_000;
  const members = n / k + c * (k - 1);
  const model = (m: number, t: number): number => members * m + (F / k) * t;
  // a typical shared file name of 40 bytes filed under a 6-byte keyword
  const ourTuple = TUPLE_STATE_FIXED + 6 + 40;
  console.log(`memory at n=${n}, k=${k}, c=${c}, F=${F}: ${members.toFixed(1)} membership entries + ${(F / k).toFixed(0)} tuples`);
  console.log(`  paper bytes (40/60): ${(model(40, 60) / 1e6).toFixed(3)} MB`);
  console.log(`  our bytes (${MEMBER_STATE_BYTES}/${ourTuple}): ${(model(MEMBER_STATE_BYTES, ourTuple) / 1e6).toFixed(3)} MB`);
}

reconvergence();
tries();
memoryModel();
