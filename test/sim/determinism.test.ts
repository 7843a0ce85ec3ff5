import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resultJson, resultPlots, resultTable } from '../../src/sim/report.js';
import { runScenario } from '../../src/sim/run.js';
import { validateScenario } from '../../src/sim/scenario.js';
import { toyBackends } from './toy-backends.js';
import { assertWellFormedXml } from './xml.js';

const scenario = {
  name: 'determinism',
  routing: 'toy-flood',
  seed: 99,
  nodes: 300,
  params: { ttl: 4 },
  topology: { kind: 'powerlaw', m: 2 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 80 }, loss: 0.01 },
  workload: {
    placement: { kind: 'zipf', files: 50, perNode: 2, exponent: 0.8 },
    queries: 150,
    ratePerSec: 2,
    zipf: 0.8,
    timeoutMs: 3000,
  },
  churn: { joinPerSec: 0.2, failPerSec: 0.1, leavePerSec: 0.1, repair: true, repairDelayMs: 200 },
  bucketMs: 20_000,
  trace: true,
};

async function digest(raw: object): Promise<{ json: string; sha: string; trace: string }> {
  const r = await runScenario(validateScenario(raw), { backends: toyBackends });
  const json = resultJson(r);
  return {
    json,
    sha: createHash('sha256').update(json).digest('hex'),
    trace: r.points[0]?.metrics.traceHash ?? '',
  };
}

describe('determinism', () => {
  it('same scenario + seed ⇒ byte-identical result.json and event trace; another seed differs', async () => {
    const a = await digest(scenario);
    const b = await digest(scenario);
    expect(a.trace).toMatch(/^[0-9a-f]{16}$/);
    expect(b.sha).toBe(a.sha);
    expect(b.trace).toBe(a.trace);
    expect(b.json).toBe(a.json);
    const c = await digest({ ...scenario, seed: 100 });
    expect(c.sha).not.toBe(a.sha);
    expect(c.trace).not.toBe(a.trace);
    // the run had churn and lookups, so the hash covers real work
    const m = JSON.parse(a.json) as { lookups: number; churn: { joins: number }; events: number };
    expect(m.lookups).toBe(150);
    expect(m.churn.joins).toBeGreaterThan(0);
    expect(m.events).toBeGreaterThan(10_000);
  });

  it('result.json has the documented keys, no wall-clock data, and rounded floats', async () => {
    const { json } = await digest(scenario);
    const m = JSON.parse(json) as Record<string, unknown>;
    for (const k of [
      'routing',
      'nodes',
      'seed',
      'lookups',
      'success',
      'hops',
      'messagesPerLookup',
      'stateBytesPerNode',
    ]) {
      expect(m).toHaveProperty(k);
    }
    expect(Object.keys(m.hops as object)).toEqual(['count', 'mean', 'p1', 'p50', 'p99', 'max']);
    expect(json).not.toMatch(/wall|memory|rss|timestamp|date/i);
    for (const num of json.match(/-?\d+\.\d+/g) ?? [])
      expect(num.replace(/^-?0\./, '').replace('.', '').length).toBeLessThanOrEqual(7);
  });

  it('a sweep gives one row per point, a plot per metric, and backend references beside ours', async () => {
    const s = validateScenario({
      ...scenario,
      topology: { kind: 'ring', k: 1 },
      network: { latency: { kind: 'constant', ms: 10 } },
      churn: undefined,
      trace: false,
      workload: { ...scenario.workload, queries: 20 },
      sweep: {
        axes: { 'params.ttl': [1, 2, 3], nodes: [50, 100] },
        metrics: ['requestsPerLookup.mean', 'coverage.mean'],
      },
    });
    const r = await runScenario(s, { backends: toyBackends });
    expect(r.points.length).toBe(6);
    const rows = resultTable(r).trim().split('\n');
    expect(rows.length).toBe(2 + 6);
    expect(rows[0]).toContain('params.ttl');
    expect(rows[0]).toContain('ring bound (requestsPerLookup.mean)');
    // on a ring the measured requests equal the bound 2·ttl exactly
    for (const p of r.points) expect(p.metrics.requestsPerLookup?.mean).toBe(p.references[0]?.value);
    // no duplicates on a ring at these TTLs: the fraction prints as 0, not as an empty sample
    const dupCol = (rows[0] ?? '').split('|').findIndex((c) => c.trim() === 'dup frac');
    expect((rows[2] ?? '').split('|')[dupCol]?.trim()).toBe('0');
    const plots = resultPlots(r, s);
    expect(plots.map((p) => p.name)).toEqual([
      'requestsPerLookup-mean-vs-params-ttl.svg',
      'coverage-mean-vs-params-ttl.svg',
    ]);
    for (const p of plots) assertWellFormedXml(p.svg);
    // the bound does not depend on the number of nodes: drawn once, in gray
    expect(plots[0]?.svg).toContain('>ring bound<');
    expect(plots[0]?.svg).not.toContain('ring bound 50');
    expect(plots[0]?.svg).toContain('stroke="#555555"');
    const json = JSON.parse(resultJson(r)) as { points: { point: object }[]; axes: string[] };
    expect(json.axes).toEqual(['params.ttl', 'nodes']);
    expect(json.points[5]?.point).toEqual({ 'params.ttl': 3, nodes: 100 });
  });

  it('a single run plots the hops histogram and success over time, with references beside ours', async () => {
    const s = validateScenario({
      ...scenario,
      trace: false,
      churn: undefined,
      references: [
        {
          label: 'paper Fig. X',
          metric: 'hopsHistogram',
          points: [
            [1, 0.1],
            [2, 0.5],
            [9, 0.4],
          ],
        },
        {
          label: 'paper Fig. Y',
          metric: 'successVsTime',
          points: [
            [0, 1],
            [50, 0.5],
          ],
        },
      ],
    });
    const r = await runScenario(s, { backends: toyBackends });
    const plots = resultPlots(r, s);
    expect(plots.map((p) => p.name)).toEqual(['hops.svg', 'success-vs-time.svg']);
    for (const p of plots) assertWellFormedXml(p.svg);
    expect(plots[0]?.svg).toContain('paper Fig. X');
    expect(plots[0]?.svg).toContain('>9<'); // the reference's hop count appears even if we never saw it
    expect(plots[1]?.svg).toContain('paper Fig. Y');
    expect(resultTable(r)).toContain('| nodes');
  });
});
