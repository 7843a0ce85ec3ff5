/**
 * A ComplianceNet of real servents on the in-memory network: handshakes, framing,
 * deflate, connection manager and router all run; only the kernel's TCP is missing.
 * Time is real (the servents use the system clock), so `advance` sleeps.
 */
import type { Servent } from '../../src/servent.js';
import { createTestnet } from '../../src/testnet.js';
import type { ComplianceNet, ComplianceNetFactory } from './harness.js';

export const serventNetFactory: ComplianceNetFactory = async ({ size, seed }) => {
  const tn = await createTestnet(size, { transport: 'memory', topology: 'random', degree: 3, seed });
  await tn.waitConnected();
  const dead = new Set<number>();
  const sentByDead = new Map<number, number>();
  const s = (i: number): Servent => tn.servents[i] as Servent;
  const net: ComplianceNet = {
    size,
    router: (i) => s(i).router,
    holderOf: (i) => ({ ...s(i).address(), serventId: s(i).serventIdHex }),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    async kill(i) {
      if (dead.has(i)) return;
      dead.add(i);
      sentByDead.set(i, s(i).router.stats().messagesSent);
      // a crash: links drop without a Bye
      for (const c of s(i).connections.list()) c.destroy('crashed');
      await s(i).stop();
    },
    messagesSent: () =>
      tn.servents.reduce(
        (sum, sv, i) => sum + (dead.has(i) ? (sentByDead.get(i) ?? 0) : sv.router.stats().messagesSent),
        0,
      ),
    close: () => tn.close(),
  };
  return net;
};
