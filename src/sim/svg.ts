/**
 * A small SVG writer for result plots: line charts (optionally log-scaled, with dashed
 * reference series such as a formula or a paper's values) and bar charts (histograms).
 * Output is deterministic text: fixed number formatting, no ids, no timestamps.
 */

export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  /** drawn dashed, without markers: analytic or published values */
  readonly reference?: boolean;
  /** palette index (default: the series' position; −1 = gray); a reference takes its series' color */
  readonly color?: number;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

export interface BarChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bars: readonly { readonly label: string; readonly value: number }[];
  /** optional second set of values drawn as outlined bars beside ours */
  readonly reference?: { readonly label: string; readonly values: readonly number[] };
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const M = { left: 70, right: 170, top: 40, bottom: 55 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Fixed formatting for coordinates (2 decimals, no "-0"). */
function f(v: number): string {
  const s = v.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

/** Tick label: up to 4 significant digits, k/M suffixes for large values. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6 && a % 1e5 === 0) return `${v / 1e6}M`;
  if (a >= 1e4 && a % 100 === 0) return `${v / 1e3}k`;
  return String(Number(v.toPrecision(4)));
}

/** "Nice" ticks (1-2-5 steps) from a multiple of the step at or below lo to one at or above hi. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  for (let k = first; k <= last; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(Math.pow(10, e));
  return out;
}

interface Axis {
  map(v: number): number;
  ticks: number[];
}

function axis(values: number[], log: boolean, from: number, to: number, zero: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = finite.length === 0 ? 0 : Math.min(...finite);
  let hi = finite.length === 0 ? 1 : Math.max(...finite);
  if (log) {
    if (finite.length === 0) [lo, hi] = [1, 10];
    lo = Math.pow(10, Math.floor(Math.log10(lo)));
    hi = Math.pow(10, Math.ceil(Math.log10(hi)));
    if (hi === lo) hi = lo * 10;
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    return {
      map: (v) => from + ((Math.log10(Math.max(v, lo)) - a) / (b - a)) * (to - from),
      ticks: logTicks(lo, hi),
    };
  }
  if (zero) lo = Math.min(0, lo);
  if (hi === lo) hi = lo + 1;
  const ticks = niceTicks(lo, hi);
  lo = Math.min(lo, ticks[0] as number);
  hi = Math.max(hi, ticks[ticks.length - 1] as number);
  return { map: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks };
}

function frame(w: number, h: number, title: string, xLabel: string, yLabel: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
    `<text x="${f(w / 2)}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    `<text x="${f(M.left + (w - M.left - M.right) / 2)}" y="${f(h - 12)}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${f(M.top + (h - M.top - M.bottom) / 2)}" text-anchor="middle" transform="rotate(-90 16 ${f(M.top + (h - M.top - M.bottom) / 2)})">${escapeXml(yLabel)}</text>`,
  ];
}

export function lineChartSvg(c: LineChart): string {
  const w = c.width ?? 720;
  const h = c.height ?? 420;
  const x0 = M.left;
  const x1 = w - M.right;
  const y0 = h - M.bottom;
  const y1 = M.top;
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1]));
  const ax = axis(xs, c.logX === true, x0, x1, false);
  const ay = axis(ys, c.logY === true, y0, y1, true);
  const out = frame(w, h, c.title, c.xLabel, c.yLabel);
  out.push(`<g stroke="#cccccc" stroke-width="1">`);
  for (const t of ay.ticks)
    out.push(`<line x1="${x0}" y1="${f(ay.map(t))}" x2="${x1}" y2="${f(ay.map(t))}"/>`);
  out.push('</g>');
  out.push(
    `<g stroke="#000000" stroke-width="1"><line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/></g>`,
  );
  for (const t of ax.ticks) {
    out.push(
      `<text x="${f(ax.map(t))}" y="${f(y0 + 16)}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`,
    );
  }
  for (const t of ay.ticks) {
    out.push(
      `<text x="${f(x0 - 6)}" y="${f(ay.map(t) + 4)}" text-anchor="end">${escapeXml(tickLabel(t))}</text>`,
    );
  }
  c.series.forEach((s, i) => {
    const color = s.color === -1 ? '#555555' : (PALETTE[(s.color ?? i) % PALETTE.length] as string);
    const pts = s.points
      .filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))
      .map((p) => `${f(ax.map(p[0]))},${f(ay.map(p[1]))}`);
    const dash = s.reference === true ? ' stroke-dasharray="6 4"' : '';
    if (pts.length > 0) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`);
    }
    if (s.reference !== true) {
      for (const p of pts) {
        const [x, y] = p.split(',');
        out.push(`<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`);
      }
    }
    const ly = y1 + 14 + i * 18;
    out.push(
      `<line x1="${x1 + 12}" y1="${ly - 4}" x2="${x1 + 36}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${x1 + 42}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function barChartSvg(c: BarChart): string {
  const w = c.width ?? 720;
  const h = c.height ?? 420;
  const x0 = M.left;
  const x1 = w - M.right;
  const y0 = h - M.bottom;
  const y1 = M.top;
  const refVals = c.reference?.values ?? [];
  const ay = axis([...c.bars.map((b) => b.value), ...refVals], false, y0, y1, true);
  const out = frame(w, h, c.title, c.xLabel, c.yLabel);
  out.push(`<g stroke="#cccccc" stroke-width="1">`);
  for (const t of ay.ticks)
    out.push(`<line x1="${x0}" y1="${f(ay.map(t))}" x2="${x1}" y2="${f(ay.map(t))}"/>`);
  out.push('</g>');
  for (const t of ay.ticks) {
    out.push(
      `<text x="${f(x0 - 6)}" y="${f(ay.map(t) + 4)}" text-anchor="end">${escapeXml(tickLabel(t))}</text>`,
    );
  }
  const n = Math.max(1, c.bars.length);
  const slot = (x1 - x0) / n;
  const bw = (c.reference === undefined ? 0.7 : 0.38) * slot;
  c.bars.forEach((b, i) => {
    const x = x0 + i * slot + slot * 0.12;
    const y = ay.map(b.value);
    out.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(bw)}" height="${f(y0 - y)}" fill="${PALETTE[0]}"/>`);
    const r = refVals[i];
    if (r !== undefined) {
      const ry = ay.map(r);
      out.push(
        `<rect x="${f(x + bw)}" y="${f(ry)}" width="${f(bw)}" height="${f(y0 - ry)}" fill="none" stroke="${PALETTE[1]}" stroke-width="2"/>`,
      );
    }
    out.push(
      `<text x="${f(x0 + (i + 0.5) * slot)}" y="${f(y0 + 16)}" text-anchor="middle">${escapeXml(b.label)}</text>`,
    );
  });
  out.push(
    `<g stroke="#000000" stroke-width="1"><line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/></g>`,
  );
  out.push(`<rect x="${x1 + 12}" y="${y1 + 2}" width="24" height="10" fill="${PALETTE[0]}"/>`);
  out.push(`<text x="${x1 + 42}" y="${y1 + 12}">measured</text>`);
  if (c.reference !== undefined) {
    out.push(
      `<rect x="${x1 + 12}" y="${y1 + 20}" width="24" height="10" fill="none" stroke="${PALETTE[1]}" stroke-width="2"/>`,
    );
    out.push(`<text x="${x1 + 42}" y="${y1 + 30}">${escapeXml(c.reference.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
