import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { simServentId } from '../../src/sim/address.js';
import { backends } from '../../src/sim/backends/index.js';
import { floodBackend, treeMessages } from '../../src/sim/backends/flood.js';
import { DEFAULT_NETWORK, type SimulationConfig } from '../../src/sim/config.js';
import { resultJson } from '../../src/sim/report.js';
import { runConfig, runScenario } from '../../src/sim/run.js';
import { parseScenario, scenarioPoints } from '../../src/sim/scenario.js';
import { Simulation } from '../../src/sim/simulation.js';

const here = dirname(fileURLToPath(import.meta.url));
const scenarios = join(here, '../../fixtures/scenarios');
const load = (name: string) => {
  const text = readFileSync(join(scenarios, name), 'utf8');
  return parseScenario(text, {
    routings: Object.keys(backends),
    readFile: (p) => readFileSync(join(scenarios, p), 'utf8'),
  });
};

function config(over: Partial<SimulationConfig> = {}): SimulationConfig {
  return {
    routing: 'flood',
    seed: 3,
    nodes: 400,
    params: { ttl: 1 },
    topology: { kind: 'regular', degree: 4 },
    network: DEFAULT_NETWORK,
    workload: {
      placement: { kind: 'replicas', files: 50, replicas: 4 },
      queries: 60,
      intervalMs: 500,
      startMs: 0,
      zipf: 0,
      timeoutMs: 3000,
    },
    bucketMs: 10_000,
    trace: false,
    ...over,
  };
}

describe('flood in the simulator', () => {
  it('tree count d + d(d−1) + … + d(d−1)^(t−1)', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((t) => treeMessages(4, t))).toEqual([4, 16, 52, 160, 484, 1456, 4372]);
    expect(treeMessages(2, 5)).toBe(10);
    expect(treeMessages(10, 2)).toBe(100);
  });

  it('TTL 1 sends exactly d copies; TTL 2 at most d², fewer only when a triangle folds the flood', async () => {
    const one = await runConfig(floodBackend, config());
    expect(one.requestsPerLookup).toMatchObject({ mean: 4, p1: 4, p99: 4 });
    expect(one.coverage?.mean).toBeCloseTo(4 / 399, 12);
    expect(one.duplicates?.count).toBe(0);
    expect(one.hops.max).toBe(1);
    const two = await runConfig(floodBackend, config({ params: { ttl: 2 } }));
    expect(two.requestsPerLookup?.max).toBeLessThanOrEqual(16);
    expect(two.requestsPerLookup?.mean).toBeGreaterThan(15);
    expect(two.hops.max).toBeLessThanOrEqual(2);
    // bytes come from the real codec: a Query for "simNN" is 23 + 2 + 5..6 + 1 bytes and more
    expect(two.bytesPerLookup / two.messagesPerLookup).toBeGreaterThan(23);
  });

  it('more TTL reaches more nodes and finds more; the flood router counts its duplicates too', async () => {
    const m = await runConfig(floodBackend, config({ params: { ttl: 5 } }));
    expect(m.coverage?.mean).toBeGreaterThan(0.5);
    expect(m.success).toBeGreaterThan(0.9);
    expect(m.duplicates?.count).toBeGreaterThan(0);
    // the router's own count of dropped repeats covers at least the query duplicates we saw
    expect(m.extra['duplicates']).toBeGreaterThanOrEqual(m.duplicates?.count ?? 0);
    expect(m.stateBytesPerNode.mean).toBeGreaterThan(500);
  });

  it('hits name the holder by the simulator conventions (ip, port, serventId)', async () => {
    const sim = new Simulation(floodBackend, config({ params: { ttl: 7 } }));
    await sim.setup();
    const holder = 17;
    sim
      .router(holder)
      ?.publish([
        { index: 3, name: 'unique tune.mp3', size: 5, urn: undefined, keywords: ['unique', 'tune', 'mp3'] },
      ]);
    const hits: { ip: string; sid: string; hops: number }[] = [];
    sim.router(0)?.startSearch(
      { text: 'unique tune', ttl: 7 },
      {
        hit: (h) => hits.push({ ip: h.holder.ip, sid: h.holder.serventId, hops: h.hops }),
        end: () => {},
      },
    );
    sim.advance(5000);
    expect(hits.length).toBe(1);
    expect(hits[0]).toMatchObject({ ip: '10.0.0.18', sid: toHex(simServentId(holder)) });
  });

  it('rejects bad flood params with coded errors', () => {
    const bad = (params: Record<string, unknown>): string => {
      try {
        new Simulation(floodBackend, config({ params }));
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'accepted';
    };
    expect(bad({ ttl: 0 })).toBe('SIM_SCENARIO_RANGE');
    expect(bad({ ttl: 16 })).toBe('SIM_SCENARIO_RANGE');
    expect(bad({ tll: 3 })).toBe('SIM_SCENARIO_UNKNOWN');
    expect(bad({ maxTtl: 'x' })).toBe('SIM_SCENARIO_FIELD');
    expect(bad({ floodPings: 1 })).toBe('SIM_SCENARIO_FIELD');
    expect(bad({ ttl: 3, maxTtl: 5, floodPings: false })).toBe('accepted');
  });

  it('every fixture scenario validates', () => {
    const files = readdirSync(scenarios).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const s = load(f);
      expect(
        scenarioPoints(s, { readFile: (p) => readFileSync(join(scenarios, p), 'utf8') }).length,
      ).toBeGreaterThan(0);
    }
  });

  it('the smoke scenario (matrix latency, loss, partition, churn) is deterministic with the real router', async () => {
    const s = load('flood-smoke.json');
    const opts = { backends, readFile: (p: string) => readFileSync(join(scenarios, p), 'utf8') };
    const a = resultJson(await runScenario(s, opts));
    const b = resultJson(await runScenario(s, opts));
    expect(b).toBe(a);
    const m = JSON.parse(a) as {
      lookups: number;
      success: number;
      traceHash: string;
      latency: string;
      network: { lost: number };
    };
    expect(m.lookups).toBe(80);
    expect(m.success).toBeGreaterThan(0.3);
    expect(m.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(m.latency).toBe('matrix(8x8x0.5)+loss(0.01)+partitions(1)');
    expect(m.network.lost).toBeGreaterThan(0);
  });
});
