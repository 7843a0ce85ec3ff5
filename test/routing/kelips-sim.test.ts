import { describe, expect, it } from 'vitest';
import { kelipsBackend, type SimKelipsNode } from '../../src/sim/backends/kelips.js';
import { DEFAULT_NETWORK, type SimulationConfig } from '../../src/sim/config.js';
import { collectMetrics } from '../../src/sim/metrics.js';
import { Simulation } from '../../src/sim/simulation.js';
import { ScenarioError } from '../../src/sim/check.js';
import { simAddress } from '../../src/sim/address.js';
import { groupOf } from '../../src/routing/kelips/index.js';

function config(over: Partial<SimulationConfig>): SimulationConfig {
  return {
    routing: 'kelips',
    seed: 1,
    nodes: 100,
    params: {},
    network: { ...DEFAULT_NETWORK, latency: { kind: 'uniform', minMs: 5, maxMs: 20 } },
    bucketMs: 10_000,
    trace: false,
    ...over,
  };
}

describe('Kelips in the simulator', () => {
  it('complete installed views: every lookup answered by the first node asked (hops ≤ 1)', async () => {
    const sim = new Simulation(
      kelipsBackend,
      config({
        nodes: 144,
        params: { gossip: false },
        workload: {
          placement: { kind: 'replicas', files: 300, replicas: 1 },
          queries: 300,
          ratePerSec: 50,
          startMs: 100,
          zipf: 0,
          timeoutMs: 5000,
        },
      }),
    );
    await sim.setup();
    const r0 = (sim.router(0) as SimKelipsNode).router;
    expect(r0.groups).toBe(12);
    const mates = Array.from({ length: 144 }, (_, i) => simAddress(i)).filter(
      (a, i) => i > 0 && groupOf(a, 12) === r0.group,
    );
    expect(new Set(r0.viewAddresses())).toEqual(new Set(mates));
    expect(r0.contactCount()).toBe(2 * 11);
    sim.run();
    const m = collectMetrics(sim);
    expect(m.successOfResolvable).toBe(1);
    expect(m.hops.max).toBeLessThanOrEqual(1);
    expect(m.hops.mean).toBeGreaterThan(0.85);
  });

  it('joining from scratch ("install": "join") fills views and contacts by gossip', async () => {
    const sim = new Simulation(
      kelipsBackend,
      config({ nodes: 64, params: { install: 'join' }, durationMs: 120_000 }),
    );
    await sim.setup();
    sim.advance(120_000);
    let view = 0;
    let contacts = 0;
    for (let i = 0; i < 64; i++) {
      const r = (sim.router(i) as SimKelipsNode).router;
      expect(r.groups).toBe(8);
      view += r.viewSize();
      contacts += r.contactCount();
    }
    // 8 groups of ~8: complete views hold 7 on average, contacts 2 × 7
    expect(view / 64).toBeGreaterThan(6);
    expect(contacts / 64).toBeGreaterThan(12);
  });

  it('probes count dead view entries after a crash, and none once views re-converge', async () => {
    const sim = new Simulation(
      kelipsBackend,
      config({ nodes: 100, params: { groups: 5, probe: { everyMs: 10_000 } }, durationMs: 300_000 }),
    );
    await sim.setup();
    sim.advance(30_000);
    for (let i = 0; i < 50; i++) sim.kill(i * 2);
    sim.advance(270_000);
    const extra = sim.routerStats().extra;
    const at = (t: number, what: string): number =>
      extra.get(`probe.t${String(t).padStart(6, '0')}.${what}`) ?? -1;
    expect(at(20, 'nodes')).toBe(100);
    expect(at(20, 'viewDead')).toBe(0);
    expect(at(40, 'nodes')).toBe(50);
    expect(at(40, 'viewDead')).toBeGreaterThan(0);
    expect(at(290, 'viewDead')).toBe(0);
    expect(at(290, 'viewMissing')).toBe(0);
  });

  it('is deterministic: the same config and seed give the same trace and metrics', async () => {
    const run = async (): Promise<string> => {
      const sim = new Simulation(
        kelipsBackend,
        config({
          nodes: 60,
          seed: 7,
          trace: true,
          params: { groups: 6 },
          durationMs: 40_000,
          workload: {
            placement: { kind: 'replicas', files: 50, replicas: 2 },
            queries: 40,
            ratePerSec: 2,
            startMs: 5000,
            zipf: 0,
            timeoutMs: 5000,
          },
          churn: {
            joinPerSec: 0.2,
            leavePerSec: 0,
            failPerSec: 0.2,
            startMs: 5000,
            repair: false,
            repairDelayMs: 0,
          },
        }),
      );
      await sim.setup();
      sim.run();
      return JSON.stringify(collectMetrics(sim));
    };
    const a = await run();
    expect(JSON.parse(a).traceHash).toMatch(/^[0-9a-f]+$/);
    expect(await run()).toBe(a);
  });

  it('refuses unknown or ill-typed params', () => {
    const bad =
      (params: Record<string, unknown>): unknown =>
      () =>
        new Simulation(kelipsBackend, config({ params, durationMs: 1 }));
    expect(bad({ nope: 1 })).toThrow(ScenarioError);
    expect(bad({ install: 'maybe' })).toThrow(ScenarioError);
    expect(bad({ viewFill: 2 })).toThrow(ScenarioError);
    expect(bad({ gossip: 1 })).toThrow(ScenarioError);
    expect(bad({ rations: { members: -1 } })).toThrow(ScenarioError);
    expect(bad({ probe: { everyMs: 10 } })).toThrow(ScenarioError);
  });
});
