import type { ChordRouter } from '../../src/routing/chord/index.js';
import { ChordTestNet } from '../routing/chord-testnet.js';
import type { ComplianceNet, ComplianceNetFactory } from './harness.js';
import { routerCompliance } from './router.js';

// Chord over the in-process test network: every message goes through the binary codec,
// nodes join one after another through node 0, then stabilise for 10 s of fake time.
const factory: ComplianceNetFactory = async ({ size, seed }) => {
  const net = new ChordTestNet({
    seed,
    wire: true,
    init: {
      stabilizeMs: 100,
      fixFingersMs: 100,
      checkPredecessorMs: 200,
      rpcTimeoutMs: 100,
      joinRetryMs: 100,
      republishMs: 1000,
      pointerTtlMs: 4000,
      sweepMs: 250,
    },
  });
  for (let i = 0; i < size; i++) {
    await net.add().start();
    net.advance(100);
  }
  net.advance(10_000);
  const router = (i: number): ChordRouter => net.nodes[i] as ChordRouter;
  const cnet: ComplianceNet = {
    size,
    router,
    holderOf: (i) => router(i).holder,
    advance: async (ms) => {
      net.advance(ms);
      await Promise.resolve();
    },
    kill: async (i) => net.kill(i),
    messagesSent: () => net.messages,
    close: async () => {
      for (const n of net.nodes) await n.stop();
    },
  };
  return cnet;
};

routerCompliance('chord over an in-process network (codec on every message)', factory, {
  softStateExpiryMs: 4500,
  settleMs: 1000,
  searchMs: 1000,
});
