import { describe, expect, it } from 'vitest';
import { assertWellFormedXml } from './xml.js';
import { barChartSvg, escapeXml, lineChartSvg, niceTicks, tickLabel } from '../../src/sim/svg.js';

describe('SVG writer', () => {
  it('the checker itself rejects broken XML', () => {
    expect(() => assertWellFormedXml('<svg><g></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg>a & b</svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg x=1></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg></svg><svg></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg><text>a &amp; b</text><line x="1"/></svg>')).not.toThrow();
  });

  it('line chart: well-formed, escaped, one polyline per series, references dashed without markers', () => {
    const svg = lineChartSvg({
      title: 'messages <per> query & "TTL"',
      xLabel: 'TTL',
      yLabel: 'messages',
      series: [
        {
          label: 'N=1000',
          points: [
            [1, 4],
            [2, 16],
            [3, 52],
          ],
        },
        {
          label: 'tree d=4',
          points: [
            [1, 4],
            [2, 16],
            [3, 52],
          ],
          reference: true,
        },
      ],
    });
    assertWellFormedXml(svg);
    expect(svg).toContain('messages &lt;per&gt; query &amp; &quot;TTL&quot;');
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg.match(/stroke-dasharray/g)?.length).toBe(2); // the line and its legend swatch
    expect(svg.match(/<circle/g)?.length).toBe(3);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('log axes, empty series and non-finite points do not break the output', () => {
    const svg = lineChartSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      logY: true,
      series: [
        {
          label: 'a',
          points: [
            [1000, 5],
            [10000, 50],
            [100000, Number.NaN],
          ],
        },
        { label: 'empty', points: [] },
      ],
    });
    assertWellFormedXml(svg);
    expect(svg).toContain('>100k<');
    expect(svg).not.toContain('NaN');
  });

  it('bar chart with a reference set', () => {
    const svg = barChartSvg({
      title: 'hops',
      xLabel: 'hops',
      yLabel: 'fraction',
      bars: [
        { label: '1', value: 0.1 },
        { label: '2', value: 0.6 },
      ],
      reference: { label: 'paper', values: [0.2, 0.5] },
    });
    assertWellFormedXml(svg);
    expect(svg.match(/<rect/g)?.length).toBe(1 + 2 + 2 + 2); // background, bars, ref bars, legend
  });

  it('is deterministic text', () => {
    const c = {
      title: 'x',
      xLabel: 'a',
      yLabel: 'b',
      series: [{ label: 's', points: [[0.1, 1 / 3]] as [number, number][] }],
    };
    expect(lineChartSvg(c)).toBe(lineChartSvg(c));
  });

  it('ticks and labels', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(0, 0.59)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(niceTicks(13, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(tickLabel(1_000_000)).toBe('1M');
    expect(tickLabel(10_000)).toBe('10k');
    expect(tickLabel(0.30000000000000004)).toBe('0.3');
    expect(escapeXml('<&>"')).toBe('&lt;&amp;&gt;&quot;');
  });
});
