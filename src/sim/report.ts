/**
 * Turning a scenario result into its outputs: result.json (stable text), a table for
 * the terminal and docs, and SVG plots. Pure functions; the CLI writes the files.
 */
import type { Json } from './check.js';
import { metricAt, toStableJson } from './metrics.js';
import type { ScenarioResult } from './run.js';
import type { Scenario } from './scenario.js';
import { barChartSvg, lineChartSvg, type Series } from './svg.js';

/** result.json: a single run's metrics, or `points` for a sweep. Same input ⇒ same bytes. */
export function resultJson(r: ScenarioResult): string {
  if (r.axes.length === 0 && r.points.length === 1) {
    const p = r.points[0] as ScenarioResult['points'][number];
    return toStableJson({ scenario: r.scenario, ...p.metrics, references: p.references });
  }
  return toStableJson({
    scenario: r.scenario,
    routing: r.routing,
    seed: r.seed,
    axes: r.axes,
    points: r.points.map((p) => ({ point: p.values, ...p.metrics, references: p.references })),
  });
}

/** Compact number text for tables: integers as is, others to 3 significant digits. */
export function fmt(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '-';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

function valueText(v: Json | undefined): string {
  return typeof v === 'number' ? fmt(v) : v === undefined ? '-' : String(v);
}

/** Markdown-compatible table (pipes), aligned for the terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  return (
    [
      line(header),
      `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
      ...rows.map(line),
    ].join('\n') + '\n'
  );
}

const COLUMNS: readonly [string, string][] = [
  ['lookups', 'lookups'],
  ['success', 'success'],
  ['hops', 'hops.mean'],
  ['hops p99', 'hops.p99'],
  ['msgs/lookup', 'messagesPerLookup'],
  ['req/lookup', 'requestsPerLookup.mean'],
  ['coverage', 'coverage.mean'],
  ['dup frac', 'duplicates.fraction'],
  ['lat p50 ms', 'latencyMs.p50'],
  ['state B/node', 'stateBytesPerNode.mean'],
  ['bg msg/node/s', 'backgroundMessagesPerNodePerSec'],
];

export function resultTable(r: ScenarioResult): string {
  const refLabels: string[] = [];
  for (const p of r.points) {
    for (const ref of p.references) {
      const key = `${ref.label} (${ref.metric})`;
      if (!refLabels.includes(key)) refLabels.push(key);
    }
  }
  const used = COLUMNS.filter(([, path]) => r.points.some((p) => metricAt(p.metrics, path) !== undefined));
  const header = [...(r.axes.length === 0 ? ['nodes'] : r.axes), ...used.map(([h]) => h), ...refLabels];
  const rows = r.points.map((p) => [
    ...(r.axes.length === 0 ? [fmt(p.metrics.nodes)] : r.axes.map((a) => valueText(p.values[a]))),
    ...used.map(([, path]) =>
      fmt(emptyDistribution(p.metrics, path) ? undefined : metricAt(p.metrics, path)),
    ),
    ...refLabels.map((key) => fmt(p.references.find((ref) => `${ref.label} (${ref.metric})` === key)?.value)),
  ]);
  return table(header, rows);
}

/** True when `path` ("hops.mean") points into a distribution (it has a p50) with no samples. */
function emptyDistribution(m: unknown, path: string): boolean {
  const dot = path.lastIndexOf('.');
  if (dot <= 0) return false;
  const parent = path.slice(0, dot);
  return metricAt(m, `${parent}.p50`) !== undefined && metricAt(m, `${parent}.count`) === 0;
}

export interface Plot {
  /** file name, e.g. "hops.svg" */
  readonly name: string;
  readonly svg: string;
}

function spansDecades(values: readonly number[]): boolean {
  const pos = values.filter((v) => v > 0);
  return pos.length > 1 && Math.max(...pos) / Math.min(...pos) >= 100;
}

export function resultPlots(r: ScenarioResult, s: Scenario): Plot[] {
  const plots: Plot[] = [];
  const title = `${r.scenario} (${r.routing}, seed ${r.seed})`;
  const last = r.points[r.points.length - 1];
  if (last === undefined) return plots;
  if (r.axes.length === 0) {
    const m = last.metrics;
    // a scenario reference with metric "hopsHistogram" ([hops, fraction] pairs) is drawn beside ours
    const refHist = s.references.find((ref) => ref.metric === 'hopsHistogram');
    if (m.hopsHistogram.length > 0 || refHist !== undefined) {
      const total = Math.max(1, successCount(m));
      const ours = new Map(m.hopsHistogram.map(([h, n]) => [h, n / total]));
      const theirs = new Map(refHist?.points.map(([h, f]) => [h, f]) ?? []);
      const hs = [...new Set([...ours.keys(), ...theirs.keys()])].sort((a, b) => a - b);
      plots.push({
        name: 'hops.svg',
        svg: barChartSvg({
          title: `hops of the first hit: ${title}`,
          xLabel: 'hops',
          yLabel: 'fraction of successful lookups',
          bars: hs.map((h) => ({ label: String(h), value: ours.get(h) ?? 0 })),
          ...(refHist === undefined
            ? {}
            : { reference: { label: refHist.label, values: hs.map((h) => theirs.get(h) ?? 0) } }),
        }),
      });
    }
    const refTime = s.references.find((ref) => ref.metric === 'successVsTime');
    if (m.successVsTime.length > 0) {
      plots.push({
        name: 'success-vs-time.svg',
        svg: lineChartSvg({
          title: `lookup success over time: ${title}`,
          xLabel: 'simulated time (s)',
          yLabel: 'success',
          series: [
            { label: 'success', points: m.successVsTime.map((b) => [b.t / 1000, b.success] as const) },
            ...(refTime === undefined
              ? []
              : [{ label: refTime.label, points: refTime.points, reference: true }]),
          ],
        }),
      });
    }
    return plots;
  }
  const sweep = s.sweep;
  if (sweep === undefined) return plots;
  const xAxis = sweep.x;
  const seriesAxis = sweep.series;
  const groups = new Map<string, ScenarioResult['points'][number][]>();
  for (const p of r.points) {
    const key = seriesAxis === undefined ? '' : valueText(p.values[seriesAxis]);
    const g = groups.get(key) ?? [];
    g.push(p);
    groups.set(key, g);
  }
  for (const metric of sweep.metrics) {
    const series: Series[] = [];
    const refSeries: Series[] = [];
    const xs: number[] = [];
    const ys: number[] = [];
    let group = 0;
    for (const [key, pts] of groups) {
      const label = seriesAxis === undefined ? metric : `${seriesAxis}=${key}`;
      const ours = pts
        .map((p) => [Number(p.values[xAxis]), metricAt(p.metrics, metric)] as const)
        .filter((xy): xy is readonly [number, number] => xy[1] !== undefined && Number.isFinite(xy[0]));
      series.push({ label, points: ours, color: group });
      const refs = new Map<string, [number, number][]>();
      for (const p of pts) {
        for (const ref of p.references) {
          if (ref.metric !== metric) continue;
          const l = refs.get(ref.label) ?? [];
          l.push([Number(p.values[xAxis]), ref.value]);
          refs.set(ref.label, l);
        }
      }
      for (const [refLabel, refPts] of refs) {
        const suffix = seriesAxis === undefined ? '' : ` (${seriesAxis}=${key})`;
        refSeries.push({ label: `${refLabel}${suffix}`, points: refPts, reference: true, color: group });
      }
      for (const [x, y] of ours) {
        xs.push(x);
        ys.push(y);
      }
      group++;
    }
    // a reference that does not depend on the series axis is drawn once, in gray
    const sameForAll =
      groups.size > 1 &&
      refSeries.length === groups.size &&
      refSeries.every((r) => JSON.stringify(r.points) === JSON.stringify(refSeries[0]?.points));
    if (sameForAll && refSeries[0] !== undefined) {
      const first = refSeries[0];
      series.push({ ...first, label: first.label.replace(/ \([^()]*\)$/, ''), color: -1 });
    } else {
      series.push(...refSeries);
    }
    for (const ref of s.references) {
      if (ref.metric !== metric) continue;
      series.push({
        label: ref.series === undefined ? ref.label : `${ref.label} ${String(ref.series)}`,
        points: ref.points,
        reference: true,
      });
      for (const [x, y] of ref.points) {
        xs.push(x);
        ys.push(y);
      }
    }
    const allY = series.flatMap((se) => se.points.map((p) => p[1]));
    plots.push({
      name: `${metric.replace(/[^A-Za-z0-9]+/g, '-')}-vs-${xAxis.replace(/[^A-Za-z0-9]+/g, '-')}.svg`,
      svg: lineChartSvg({
        title: `${metric} vs ${xAxis}: ${title}`,
        xLabel: xAxis,
        yLabel: metric,
        series,
        logX: spansDecades(xs),
        logY: spansDecades(allY) && allY.every((y) => y > 0),
      }),
    });
  }
  return plots;
}

function successCount(m: { hopsHistogram: readonly (readonly [number, number])[] }): number {
  return m.hopsHistogram.reduce((a, [, n]) => a + n, 0);
}
