/**
 * The Router compliance suite's `ComplianceNet` on top of the simulator: any registered
 * back-end, a small network, time advanced by the scheduler. A back-end runs the suite
 * in the simulator with
 *
 *   routerCompliance('chord in the simulator', simComplianceFactory(chordBackend, { … }), opts)
 *
 * Holders are identified by the simulator's conventions: ip = simIp(i), port 6346,
 * serventId = simServentId(i) in hex (back-ends should advertise those).
 */
import { toHex } from '../../src/core/bytes.js';
import type { Router } from '../../src/routing/types.js';
import { SIM_PORT, simIp, simServentId } from '../../src/sim/address.js';
import type { SimBackend, SimParams } from '../../src/sim/backend.js';
import { DEFAULT_NETWORK, type LatencySpec } from '../../src/sim/config.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { TopologySpec } from '../../src/sim/topology.js';
import type { ComplianceNet, ComplianceNetFactory } from '../compliance/harness.js';

export interface SimComplianceOptions {
  readonly params?: SimParams;
  /** link back-ends (default: random 4-regular) */
  readonly topology?: TopologySpec;
  readonly latency?: LatencySpec;
  /** time simulated after setup before the suite starts (joins, stabilisation) */
  readonly warmupMs?: number;
}

export function simComplianceFactory<M>(
  backend: SimBackend<M>,
  o: SimComplianceOptions = {},
): ComplianceNetFactory {
  return async ({ size, seed }) => {
    const sim = new Simulation(backend, {
      routing: backend.name,
      seed,
      nodes: size,
      params: o.params ?? {},
      ...(backend.mode === 'link' ? { topology: o.topology ?? { kind: 'regular', degree: 4 } } : {}),
      network: { ...DEFAULT_NETWORK, latency: o.latency ?? { kind: 'uniform', minMs: 1, maxMs: 5 } },
      durationMs: Number.MAX_SAFE_INTEGER,
      bucketMs: 10_000,
      trace: false,
    });
    await sim.setup();
    if (o.warmupMs !== undefined) sim.advance(o.warmupMs);
    const router = (i: number): Router => {
      const r = sim.router(i);
      if (r === undefined) throw new RangeError(`node ${i} is not running`);
      return r;
    };
    const net: ComplianceNet = {
      size,
      router,
      holderOf: (i) => ({ ip: simIp(i), port: SIM_PORT, serventId: toHex(simServentId(i)) }),
      advance: async (ms) => {
        sim.advance(ms);
        // let async consumers (search() iterators) see what the events delivered
        await Promise.resolve();
      },
      kill: async (i) => sim.kill(i),
      messagesSent: () => sim.network.totals.lookupMessages + sim.network.totals.backgroundMessages,
      close: async () => {
        for (let i = 0; i < size; i++) await sim.router(i)?.stop();
      },
    };
    return net;
  };
}
