import { KelipsTestNet } from '../routing/kelips-net.js';
import type { ComplianceNetFactory } from './harness.js';
import { routerCompliance } from './router.js';

// The Kelips router over the ManualClock test network of test/routing/kelips-net.ts:
// every message goes through the wire codec, 5–40 ms per-pair latencies, nodes join
// through node 0. Soft state: tuples live 4 s unless re-announced every 1 s.
const factory: ComplianceNetFactory = async ({ size, seed }) => {
  const net = new KelipsTestNet({
    size,
    seed,
    init: () => ({
      groups: 4,
      roundMs: 500,
      republishMs: 1000,
      tupleTimeoutMs: 4000,
      sweepMs: 250,
      rpcTimeoutMs: 200,
    }),
  });
  await net.startAll(20);
  net.advance(20_000);
  return {
    size,
    router: (i) => net.node(i),
    holderOf: (i) => net.holderOf(i),
    advance: async (ms) => {
      net.advance(ms);
      await Promise.resolve();
    },
    kill: (i) => net.kill(i),
    messagesSent: () => net.sent,
    close: () => net.close(),
  };
};

routerCompliance('kelips over a ManualClock datagram network (through the codec)', factory, {
  softStateExpiryMs: 4500,
  settleMs: 2000,
  searchMs: 1000,
});
