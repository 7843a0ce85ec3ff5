import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng } from '../../src/core/rng.js';
import type { ChordMessage } from '../../src/protocol/chord/index.js';
import { createChordRouter } from '../../src/routing/chord/index.js';
import type { ChordInit, ChordRouter, LookupResult, NodeRef } from '../../src/routing/chord/index.js';
import type { TransportHandler } from '../../src/routing/types.js';

const SELF = '10.0.0.1:6346';

/** one real router; every other address is answered (or not) by `peer` */
function harness(
  init: Partial<ChordInit>,
  peer: (to: string, msg: ChordMessage, reply: (m: ChordMessage) => void) => void,
) {
  const clock = new ManualClock();
  let handler: TransportHandler<ChordMessage> | undefined;
  const router = createChordRouter(
    {
      clock,
      rng: createRng(1),
      log: silentLogger,
      transport: {
        localId: SELF,
        setHandler: (h) => (handler = h),
        send: (to, msg) => {
          peer(to, msg, (m) => clock.setTimeout(() => handler?.message(to, m), 5));
          return true;
        },
      },
    },
    { holder: { ip: '10.0.0.1', port: 6346, serventId: '1'.repeat(32) }, maintenance: false, ...init },
  );
  return { clock, router, deliver: (from: string, m: ChordMessage) => handler?.message(from, m) };
}

function lookup(clock: ManualClock, router: ChordRouter, key: string): LookupResult {
  let res: LookupResult | undefined;
  router.lookup(key, (r) => (res = r), { confirm: false });
  for (let i = 0; i < 10_000 && res === undefined; i++) clock.advance(10);
  if (res === undefined) throw new Error('lookup did not end');
  return res;
}

const hex = (v: bigint): string => v.toString(16).padStart(40, '0');

describe('chord publication pacing', () => {
  it('keeps at most publishConcurrency key publications in flight', async () => {
    const { ChordTestNet } = await import('./chord-testnet.js');
    const { keywords } = await import('../../src/core/keywords.js');
    const net = new ChordTestNet({
      seed: 3,
      init: { idBits: 32, maintenance: false, publishConcurrency: 2, replicas: 0 },
    });
    for (let i = 0; i < 32; i++) void net.add({ bootstrap: undefined }).start();
    const refs = net.liveRing();
    for (const n of net.nodes) n.installStable({ refs });
    const pub = net.nodes[5]!;
    const names = Array.from({ length: 30 }, (_, i) => `k${i}x`);
    pub.publish(names.map((n, i) => ({ index: i, name: n, size: 1, urn: undefined, keywords: keywords(n) })));
    const pending = (pub as unknown as { rpc: { size: number } }).rpc;
    let peak = 0;
    for (let t = 0; t < 500; t++) {
      peak = Math.max(peak, pending.size);
      net.advance(5);
    }
    expect(peak).toBe(2);
    expect(net.nodes.reduce((a, n) => a + n.storedPointers(), 0)).toBe(30);
  });
});

describe('chord limits against hostile peers', () => {
  it('a peer that keeps handing out ever-closer fake nodes is cut off at maxLookupHops', () => {
    const key = 1n << 159n;
    let answered = 0;
    const { clock, router } = harness({ maxLookupHops: 10 }, (to, msg, reply) => {
      if (msg.type !== 'find') return;
      answered++;
      // the responder's id halves its distance to the key: always "closer", never done
      const at = BigInt(`0x${msg.key}`) - (1n << BigInt(150 - answered));
      const next: NodeRef = {
        id: hex(at + (1n << BigInt(148 - answered))),
        addr: `10.9.${answered}.1:6346`,
        vn: 0,
      };
      reply({
        type: 'found',
        rid: msg.rid,
        srcId: hex(at),
        srcVn: 0,
        dstVn: msg.srcVn,
        bg: msg.bg,
        done: false,
        hops: 0,
        timeouts: 0,
        refs: [next],
      });
    });
    void router.start();
    const self = router.vnodes[0]!;
    const first: NodeRef = { id: hex(key - (1n << 155n)), addr: '10.9.0.1:6346', vn: 0 };
    router.installStable({ refs: [self, first].sort((a, b) => (a.id < b.id ? -1 : 1)) });
    const r = lookup(clock, router, hex(key));
    expect(r.ok).toBe(false);
    expect(r.hops).toBe(10);
    expect(answered).toBe(10);
  });

  it('lookups never keep more than maxPendingRpcs requests outstanding', () => {
    const { clock, router } = harness({ maxPendingRpcs: 5, rpcTimeoutMs: 1000 }, () => {});
    void router.start();
    const refs: NodeRef[] = [router.vnodes[0]!];
    for (let i = 0; i < 30; i++)
      refs.push({ id: hex(BigInt(i + 1) << 150n), addr: `10.8.0.${i + 2}:6346`, vn: 0 });
    router.installStable({ refs: refs.sort((a, b) => (a.id < b.id ? -1 : 1)) });
    let ended = 0;
    for (let i = 0; i < 20; i++)
      router.lookup(hex((BigInt(i) << 151n) + 12345n), () => ended++, { confirm: false });
    const pending = (router as unknown as { rpc: { size: number } }).rpc;
    for (let t = 0; t < 200; t++) {
      expect(pending.size).toBeLessThanOrEqual(5);
      clock.advance(50);
    }
    expect(router.stats().extra?.['rpcRefused']).toBeGreaterThan(0);
    for (let t = 0; t < 2000 && ended < 20; t++) clock.advance(100);
    expect(ended).toBe(20);
  });

  it('a STORE flood fills the store only up to its caps', () => {
    const { router, deliver } = harness({ maxPointers: 50, maxPointersPerKey: 20 }, () => {});
    void router.start();
    const self = router.vnodes[0]!;
    const ptr = (i: number) => ({
      name: `junk${i}.bin`,
      size: 1,
      urn: undefined,
      index: i,
      ip: '10.7.0.1',
      port: 1,
      serventId: '0'.repeat(32),
      ttlMs: 60_000,
    });
    for (let batch = 0; batch < 20; batch++) {
      const items = Array.from({ length: 10 }, (_, k) => ({
        key: hex(BigInt(batch % 4)),
        pointer: ptr(batch * 10 + k),
      }));
      deliver('10.7.0.1:1', {
        type: 'store',
        rid: 0,
        srcId: hex(7n),
        srcVn: 0,
        dstVn: self.vn,
        replicate: true,
        items,
      });
    }
    expect(router.storedPointers()).toBe(50);
    expect(router.stats().extra?.['pointersRefused']).toBe(150);
  });

  it('RFIND forwarding is refused while maxPendingRpcs are outstanding', () => {
    const { clock, router, deliver } = harness({ maxPendingRpcs: 3 }, () => {});
    void router.start();
    const refs: NodeRef[] = [router.vnodes[0]!];
    for (let i = 0; i < 10; i++)
      refs.push({ id: hex(BigInt(i + 1) << 152n), addr: `10.6.0.${i + 2}:6346`, vn: 0 });
    router.installStable({ refs: refs.sort((a, b) => (a.id < b.id ? -1 : 1)) });
    for (let i = 0; i < 20; i++) {
      deliver('10.6.1.1:6346', {
        type: 'rfind',
        rid: i + 1,
        srcId: hex(3n),
        srcVn: 0,
        dstVn: 0,
        bg: false,
        key: hex((9n << 152n) + BigInt(i)),
        origin: { addr: '10.6.1.1:6346', vn: 0 },
        originRid: 99,
        hops: 0,
        timeouts: 0,
      });
    }
    clock.advance(1);
    expect((router as unknown as { rpc: { size: number } }).rpc.size).toBeLessThanOrEqual(3);
    expect(router.stats().extra?.['dropped']).toBeGreaterThan(0);
  });
});
