import { describe, expect, it } from 'vitest';
import type { SimulationConfig } from '../../src/sim/config.js';
import { DEFAULT_NETWORK } from '../../src/sim/config.js';
import { collectMetrics } from '../../src/sim/metrics.js';
import { runConfig } from '../../src/sim/run.js';
import { Simulation } from '../../src/sim/simulation.js';
import { toyDirectory, toyFlood } from './toy-backends.js';

/** The config without a workload (runs for `durationMs`). */
function idle(c: SimulationConfig, durationMs: number): SimulationConfig {
  const { workload: _w, ...rest } = c;
  return { ...rest, durationMs };
}

function ringConfig(over: Partial<SimulationConfig> = {}): SimulationConfig {
  return {
    routing: 'toy-flood',
    seed: 1,
    nodes: 20,
    params: { ttl: 3 },
    topology: { kind: 'ring', k: 1 },
    network: { ...DEFAULT_NETWORK, latency: { kind: 'constant', ms: 10 } },
    workload: {
      placement: { kind: 'replicas', files: 20, replicas: 1 },
      queries: 200,
      intervalMs: 1000,
      startMs: 0,
      zipf: 0,
      timeoutMs: 500,
    },
    bucketMs: 10_000,
    trace: false,
    ...over,
  };
}

describe('Simulation with a toy flood on a ring (closed-form answers)', () => {
  it('requests, coverage, duplicates and hops match the ring geometry', async () => {
    const m = await runConfig(toyFlood, ringConfig());
    expect(m.lookups).toBe(200);
    // TTL 3 on a 20-ring: 2 copies per hop level, 3 levels, no duplicates, 6 of 19 others reached
    expect(m.requestsPerLookup).toMatchObject({ mean: 6, p1: 6, p99: 6 });
    expect(m.coverage?.mean).toBeCloseTo(6 / 19, 12);
    expect(m.duplicates).toEqual({ count: 0, fraction: 0 });
    // a lookup succeeds iff the single holder is within 3 hops (6 of the 19 others); hops = distance
    expect(m.hops.max).toBeLessThanOrEqual(3);
    expect(m.hops.p1).toBeGreaterThanOrEqual(1);
    expect(m.success).toBeGreaterThan(0.15);
    expect(m.success).toBeLessThan(0.5);
    // latency = 2 × 10 ms × hops
    expect(m.latencyMs.p50).toBe(20 * m.hops.p50);
    expect(m.resolvable).toBeCloseTo(19 / 20, 1);
    expect(m.stateBytesPerNode.max).toBeGreaterThan(100);
  });

  it('a TTL that wraps the ring reaches everyone and produces duplicates', async () => {
    const m = await runConfig(toyFlood, ringConfig({ params: { ttl: 15 } }));
    expect(m.coverage?.mean).toBe(1);
    expect(m.successOfResolvable).toBe(1);
    // the two waves meet at the opposite node (distance 10, same instant): 2 + 9 + 9 + 1 = 21
    // copies, 19 first receipts, 2 duplicates (the opposite node's second copy, and the
    // copy it forwards to a neighbour the other wave already reached)
    expect(m.requestsPerLookup?.mean).toBe(21);
    expect(m.duplicates?.fraction).toBeCloseTo(2 / 21, 12);
    expect(m.extra['duplicates']).toBe(2 * 200);
    expect(m.hops.max).toBe(10);
  });

  it('messages per lookup counts queries and hits together', async () => {
    const m = await runConfig(toyFlood, ringConfig({ params: { ttl: 15 } }));
    // 21 requests + one hit travelling back over `hops` links for each successful lookup
    expect(m.messagesPerLookup).toBeCloseTo(21 + m.hops.mean * m.success, 9);
    expect(m.bytesPerLookup).toBeGreaterThan(m.messagesPerLookup * 23);
  });

  it('addressed mode: a directory back-end, background heartbeats per node per second', async () => {
    const m = await runConfig(toyDirectory, {
      ...ringConfig(),
      routing: 'toy-dir',
      nodes: 50,
      params: {},
      network: { ...DEFAULT_NETWORK, latency: { kind: 'constant', ms: 5 } },
      workload: {
        placement: { kind: 'replicas', files: 10, replicas: 3 },
        queries: 100,
        intervalMs: 100,
        startMs: 1000,
        zipf: 0,
        timeoutMs: 1000,
      },
      durationMs: 20_000,
      topology: undefined as never,
    });
    expect(m.success).toBeGreaterThan(0.95);
    expect(m.hops.mean).toBe(2);
    expect(m.messagesPerLookup).toBe(2);
    expect(m.latencyMs.p50).toBe(10);
    // 49 of 50 nodes beat at t = 0, 1, …, 20 s (21 beats); each holder publishes once
    const bg = m.network.backgroundMessages;
    expect(bg).toBeGreaterThan(49 * 21);
    expect(bg).toBeLessThanOrEqual(49 * 21 + 30);
    expect(m.backgroundMessagesPerNodePerSec).toBeCloseTo(bg / (50 * 20), 9);
    expect(m.simulatedMs).toBe(20_000);
    expect(m.topology).toBe('none');
  });

  it('kill() removes a node, its router and its timers', async () => {
    const sim = new Simulation(toyFlood, idle(ringConfig({ params: { ttl: 15 } }), 1));
    await sim.setup();
    sim.kill(5);
    sim.kill(5);
    expect(sim.network.isAlive(5)).toBe(false);
    expect(sim.router(5)).toBeUndefined();
    expect(sim.clock.view(5).alive).toBe(false);
    expect(sim.churnCounts.failures).toBe(1);
    sim.advance(100);
    expect(collectMetrics(sim).churn.liveAtEnd).toBe(19);
  });

  it('fails loudly when a link back-end has no topology', () => {
    expect(() => new Simulation(toyFlood, { ...ringConfig(), topology: undefined as never })).toThrow(
      /topology/,
    );
  });
});

describe('churn', () => {
  it('Poisson joins, leaves and failures happen at their rates', async () => {
    const m = await runConfig(toyFlood, {
      ...idle(ringConfig({ nodes: 200, topology: { kind: 'regular', degree: 4 } }), 1_000_000),
      churn: {
        joinPerSec: 0.1,
        leavePerSec: 0.05,
        failPerSec: 0.05,
        startMs: 0,
        repair: true,
        repairDelayMs: 100,
      },
    });
    // expected 100 / 50 / 50 over 1000 s
    expect(m.churn.joins).toBeGreaterThan(75);
    expect(m.churn.joins).toBeLessThan(125);
    expect(m.churn.leaves).toBeGreaterThan(30);
    expect(m.churn.leaves).toBeLessThan(70);
    expect(m.churn.failures).toBeGreaterThan(30);
    expect(m.churn.failures).toBeLessThan(70);
    expect(m.churn.liveAtEnd).toBe(200 + m.churn.joins - m.churn.leaves - m.churn.failures);
  });

  it('a mass failure kills the fraction at the instant, and success over time shows it', async () => {
    const m = await runConfig(toyFlood, {
      ...ringConfig({ nodes: 400, topology: { kind: 'regular', degree: 4 }, params: { ttl: 6 } }),
      workload: {
        placement: { kind: 'replicas', files: 40, replicas: 2 },
        queries: 400,
        intervalMs: 500,
        startMs: 0,
        zipf: 0,
        timeoutMs: 400,
      },
      churn: {
        joinPerSec: 0,
        leavePerSec: 0,
        failPerSec: 0,
        startMs: 0,
        massFailure: { atMs: 100_000, fraction: 0.5 },
        repair: false,
        repairDelayMs: 0,
      },
      bucketMs: 50_000,
    });
    expect(m.churn.massFailed).toBe(200);
    expect(m.churn.liveAtEnd).toBe(200);
    const [before, after] = [m.successVsTime[0], m.successVsTime[3]];
    expect(before?.lookups).toBe(100);
    expect(before?.success ?? 0).toBeGreaterThan(0.9);
    expect(after?.success ?? 1).toBeLessThan((before?.success ?? 0) - 0.3);
  });

  it('sessions keep the population level; repair restores degrees after crashes', async () => {
    const sim = new Simulation(toyFlood, {
      ...idle(ringConfig({ nodes: 100, topology: { kind: 'regular', degree: 4 } }), 600_000),
      churn: {
        joinPerSec: 0,
        leavePerSec: 0,
        failPerSec: 0,
        sessionMeanMs: 300_000,
        startMs: 0,
        repair: true,
        repairDelayMs: 10,
      },
    });
    await sim.setup();
    sim.run();
    expect(sim.churnCounts.failures).toBeGreaterThan(100);
    expect(sim.churnCounts.joins).toBe(sim.churnCounts.failures);
    expect(sim.network.liveNodes()).toBe(100);
    let total = 0;
    for (let i = 0; i < sim.network.liveNodes(); i++)
      total += sim.network.neighbours(sim.network.liveAt(i)).length;
    // a crash leaves 4 free slots, repairs and the next join fill them: the mean degree stays ≈ 4
    expect(total / 100).toBeGreaterThan(3.6);
    expect(total / 100).toBeLessThan(4.4);
  });
});
