import { afterEach, describe, expect, it } from 'vitest';
import { kelipsMessageSize } from '../../src/protocol/kelips/index.js';
import type { KelipsMessage } from '../../src/protocol/kelips/index.js';
import { groupOf } from '../../src/routing/kelips/index.js';
import { file, installAll, installFile, nodeIn, nodeNotIn, search } from './kelips-helpers.js';
import { KelipsTestNet } from './kelips-net.js';

let net: KelipsTestNet | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

const SONATA = file(7, 'Moonlight Sonata Adagio.mp3', 4_356_789);

describe('Kelips: joining', () => {
  it('nodes joining through one introducer build complete views and c contacts per group', async () => {
    net = new KelipsTestNet({ size: 40, seed: 1, init: () => ({ expectedNodes: 36 }) });
    await net.startAll(200);
    net.advance(60_000);
    const k = net.node(0).groups;
    expect(k).toBe(6);
    for (let i = 0; i < 40; i++) {
      const n = net.node(i);
      const mates = net.addrs.filter((a, j) => j !== i && groupOf(a, k) === n.group);
      expect(new Set(n.viewAddresses())).toEqual(new Set(mates));
      for (let g = 0; g < k; g++) {
        if (g === n.group) continue;
        const size = net.addrs.filter((a) => groupOf(a, k) === g).length;
        const mine = n.contactAddresses().filter((a) => groupOf(a, k) === g);
        expect(mine.length).toBe(Math.min(2, size));
      }
    }
    expect(net.codecErrors).toEqual([]);
  });

  it('a node configured without k adopts the k of the overlay it joins', async () => {
    net = new KelipsTestNet({ size: 10, seed: 2, init: (i) => (i === 0 ? { groups: 3 } : {}) });
    expect(net.node(5).groups).toBe(0);
    expect(net.node(5).group).toBe(-1);
    await net.startAll(100);
    net.advance(20_000);
    for (const n of net.nodes) expect(n.groups).toBe(3);
    expect(net.node(5).viewSize() + net.node(5).contactCount()).toBeGreaterThan(0);
  });

  it('a joining node keeps retrying its introducers until one answers', async () => {
    net = new KelipsTestNet({
      size: 3,
      seed: 3,
      bootstrap: 'none',
      init: (i) =>
        i === 2
          ? { groups: 2, bootstrap: ['127.0.9.9:1', '127.0.0.1:7000'], joinRetryMs: 1000 }
          : { groups: 2 },
    });
    await net.startAll();
    net.advance(5000);
    expect(net.node(2).c.joinsSent).toBeGreaterThanOrEqual(2);
    expect(net.node(2).viewSize() + net.node(2).contactCount()).toBeGreaterThan(0);
  });

  it('drops messages of an overlay with another k', async () => {
    net = new KelipsTestNet({ size: 2, seed: 4, bootstrap: 'none', init: () => ({ groups: 4 }) });
    await net.startAll();
    net.inject(net.addrs[1] as string, 0, { type: 'ping', k: 5, rid: 1, hb: 1 });
    expect(net.node(0).c.wrongGroups).toBe(1);
    expect(net.node(0).viewSize() + net.node(0).contactCount()).toBe(0);
  });
});

describe('Kelips: inserts and lookups', () => {
  it('finds a published file with one request to a contact of the key’s group, with its facts', async () => {
    net = new KelipsTestNet({ size: 30, seed: 5, bootstrap: 'none', init: () => ({ groups: 5 }) });
    installAll(net);
    await net.startAll();
    const holder = 3;
    net.node(holder).publish([SONATA]);
    net.advance(20_000);
    const g = groupOf('moonlight', 5);
    const searcher = nodeNotIn(net, g, [holder]);
    const r = search(net, searcher, 'moonlight sonata');
    expect(r.end).toBe('complete');
    expect(r.hits).toHaveLength(1);
    const h = r.hits[0];
    expect(h?.holder).toEqual({
      ip: '127.0.0.4',
      port: 8003,
      serventId: net.holderOf(holder).serventId,
      needsPush: false,
    });
    expect(h?.file).toEqual({ index: 7, name: SONATA.name, size: SONATA.size, urn: SONATA.urn });
    expect(h?.backend).toBe('kelips');
    expect(h?.hops).toBe(1);
    expect(net.node(searcher).c.lookupRequests).toBe(1);
  });

  it('a bare lookup reports the tuples under a key and the requests it took', async () => {
    net = new KelipsTestNet({
      size: 20,
      seed: 18,
      bootstrap: 'none',
      init: () => ({ groups: 4, gossip: false }),
    });
    installAll(net);
    await net.startAll();
    const g = groupOf('moonlight', 4);
    installFile(net, nodeNotIn(net, g), SONATA);
    const from = nodeNotIn(net, g);
    const results: { ok: boolean; rpcs: number; names: string[] }[] = [];
    net
      .node(from)
      .lookup('moonlight', [], (r) =>
        results.push({ ok: r.ok, rpcs: r.rpcs, names: r.tuples.map((t) => t.name) }),
      );
    net
      .node(from)
      .lookup('nothinghere', [], (r) =>
        results.push({ ok: r.ok, rpcs: r.rpcs, names: r.tuples.map((t) => t.name) }),
      );
    net.advance(3000);
    expect(results).toContainEqual({ ok: true, rpcs: 1, names: [SONATA.name] });
    // an unknown key: answered (empty) by the key's group after its one walk step
    const empty = results.find((r) => r.names.length === 0);
    expect(empty?.ok).toBe(true);
    expect(empty?.rpcs).toBeGreaterThanOrEqual(groupOf('nothinghere', 4) === net.node(from).group ? 1 : 2);
  });

  it('hashes the longest word, filters by every word, and searches by urn', async () => {
    net = new KelipsTestNet({ size: 30, seed: 6, bootstrap: 'none', init: () => ({ groups: 5 }) });
    installAll(net);
    await net.startAll();
    net.node(2).publish([file(1, 'Blue Danube Waltz.ogg')]);
    net.node(9).publish([file(2, 'Blue Monday Remix.ogg')]);
    net.advance(20_000);
    const names = (text: string): string[] =>
      search(net as KelipsTestNet, 0, text)
        .hits.map((h) => h.file.name)
        .sort();
    expect(names('blue')).toEqual(['Blue Danube Waltz.ogg', 'Blue Monday Remix.ogg']);
    expect(names('blue danube')).toEqual(['Blue Danube Waltz.ogg']);
    expect(names('blue danube remix')).toEqual([]);
    const byUrn = search(net, 0, '', 5000, file(2, 'Blue Monday Remix.ogg').urn);
    expect(byUrn.hits.map((h) => h.file.index)).toEqual([2]);
  });

  it('answers from its own tuples (0 requests) when the key is in its own group', async () => {
    net = new KelipsTestNet({ size: 20, seed: 7, bootstrap: 'none', init: () => ({ groups: 4 }) });
    installAll(net);
    await net.startAll();
    net.node(1).publish([SONATA]);
    net.advance(30_000);
    const g = groupOf('moonlight', 4);
    const searcher = nodeIn(net, g, [1]);
    const sent = net.sent;
    const r = search(net, searcher, 'moonlight', 100);
    expect(r.hits.map((h) => h.hops)).toEqual([0]);
    expect(net.node(searcher).c.lookupsLocal).toBe(1);
    expect(net.sent - sent).toBeLessThan(40); // background only
  });

  it('does not report the searcher’s own files (unless includeOwnFiles)', async () => {
    net = new KelipsTestNet({
      size: 12,
      seed: 8,
      bootstrap: 'none',
      init: (i) => ({ groups: 3, includeOwnFiles: i === 0 }),
    });
    installAll(net);
    await net.startAll();
    net.node(0).publish([SONATA]);
    net.node(1).publish([SONATA]);
    net.advance(20_000);
    expect(search(net, 1, 'sonata').hits).toHaveLength(1);
    expect(search(net, 0, 'sonata').hits).toHaveLength(2);
  });

  it('a dead contact costs one timeout: the next contact answers and the dead one is dropped', async () => {
    net = new KelipsTestNet({
      size: 30,
      seed: 9,
      bootstrap: 'none',
      init: () => ({ groups: 3, rpcTimeoutMs: 500, gossip: false }),
    });
    installAll(net);
    await net.startAll();
    const g = groupOf('moonlight', 3);
    const holder = nodeNotIn(net, g);
    installFile(net, holder, SONATA);
    const searcher = nodeNotIn(net, g, [holder]);
    const contacts = net
      .node(searcher)
      .contactAddresses()
      .filter((a) => groupOf(a, 3) === g);
    expect(contacts).toHaveLength(2);
    // kill whichever contact the searcher would ask first
    const hops: number[] = [];
    for (const a of contacts) {
      const i = net.indexOf(a);
      const r = search(net, searcher, 'moonlight');
      hops.push(r.hits[0]?.hops ?? -1);
      await net.kill(i);
    }
    expect(hops[0]).toBe(1);
    const r = search(net, searcher, 'moonlight');
    // both contacts dead: the lookup goes through a member of our own view, which relays
    expect(r.hits).toHaveLength(1);
    expect(r.hits[0]?.hops).toBeGreaterThanOrEqual(2);
    expect(net.node(searcher).c.suspected).toBeGreaterThanOrEqual(1);
    expect(net.node(searcher).c.lookupTimeouts).toBeGreaterThanOrEqual(1);
    expect(
      net
        .node(searcher)
        .contactAddresses()
        .filter((a) => contacts.includes(a)).length,
    ).toBeLessThan(2);
  });

  it('a member with no match walks the lookup on inside its group', async () => {
    net = new KelipsTestNet({
      size: 24,
      seed: 10,
      bootstrap: 'none',
      init: () => ({ groups: 2, gossip: false, walkTtl: 2 }),
    });
    installAll(net);
    await net.startAll();
    const g = groupOf('moonlight', 2);
    const holder = nodeNotIn(net, g);
    // only one member of the group holds the tuple (gossip off)
    const keeper = nodeIn(net, g);
    const [t] = net
      .node(holder)
      .tuplesFor([SONATA])
      .filter((x) => x.key === 'moonlight');
    expect(net.node(keeper).installTuples([t as never])).toBe(1);
    net.node(holder).adopt([SONATA]);
    let found = 0;
    let walked = 0;
    for (let s = 0; s < 24; s++) {
      if (net.node(s).group === g) continue;
      const r = search(net, s, 'moonlight', 3000);
      if (r.hits.length > 0) found++;
    }
    for (const n of net.nodes) walked += n.c.lookupsWalked;
    expect(walked).toBeGreaterThan(0);
    expect(found).toBeGreaterThan(0);
  });

  it('a lookup with nobody to ask fails at once; cancel stops its traffic and its callbacks', async () => {
    net = new KelipsTestNet({ size: 6, seed: 11, bootstrap: 'none', init: () => ({ groups: 3 }) });
    await net.startAll();
    expect(search(net, 0, 'moonlight', 10).end).toBe('failed');
    installAll(net);
    const g = groupOf('moonlight', 3);
    const from = nodeNotIn(net, g);
    let calls = 0;
    const c = net.node(from).c;
    const h = net.node(from).startSearch({ text: 'moonlight' }, { hit: () => calls++, end: () => calls++ });
    expect(c.lookupRequests).toBe(1);
    h.cancel();
    h.cancel();
    net.advance(20_000);
    expect(calls).toBe(0);
    // no retry, no second request after the timer would have fired
    expect(c.lookupRequests).toBe(1);
    expect(c.lookupTimeouts).toBe(0);
  });

  it('stop() ends running searches with "aborted" and is idempotent', async () => {
    net = new KelipsTestNet({ size: 6, seed: 12, bootstrap: 'none', init: () => ({ groups: 3 }) });
    installAll(net);
    await net.startAll();
    const from = nodeNotIn(net, groupOf('moonlight', 3));
    const ends: string[] = [];
    net.node(from).startSearch({ text: 'moonlight' }, { hit: () => {}, end: (r) => ends.push(r) });
    await net.node(from).stop();
    await net.node(from).stop();
    expect(ends).toEqual(['aborted']);
    const sent = net.node(from).c.messagesSent;
    net.advance(30_000);
    expect(net.node(from).c.messagesSent).toBe(sent);
  });

  it('inserts to a dead contact are retried elsewhere and acknowledged', async () => {
    net = new KelipsTestNet({
      size: 30,
      seed: 13,
      bootstrap: 'none',
      init: () => ({ groups: 3, rpcTimeoutMs: 500, gossip: false }),
    });
    installAll(net);
    await net.startAll();
    const g = groupOf('moonlight', 3);
    const holder = nodeNotIn(net, g);
    for (const a of net
      .node(holder)
      .contactAddresses()
      .filter((x) => groupOf(x, 3) === g))
      await net.kill(net.indexOf(a));
    net.node(holder).publish([SONATA]);
    net.advance(10_000);
    const c = net.node(holder).c;
    expect(c.storeRetries).toBeGreaterThanOrEqual(1);
    expect(c.storesAcked).toBeGreaterThanOrEqual(1);
    const members = net.nodes.filter((n, i) => n.group === g && !net?.isDead(i));
    expect(members.some((n) => n.tupleCount() > 0)).toBe(true);
  });
});

describe('Kelips: gossip', () => {
  it('never sends a gossip message over its size bound or its rations, even with long names', async () => {
    net = new KelipsTestNet({ size: 40, seed: 14, init: () => ({ expectedNodes: 36 }) });
    let gossips = 0;
    net.tap = (_f, _t, m: KelipsMessage) => {
      if (m.type !== 'gossip') return;
      gossips++;
      expect(kelipsMessageSize(m)).toBeLessThanOrEqual(272);
      expect(m.members.length).toBeLessThanOrEqual(20);
      expect(m.tuples.length).toBeLessThanOrEqual(2);
    };
    await net.startAll(50);
    const long = 'x'.repeat(150);
    net.nodes.forEach((n, i) =>
      n.publish([file(i, `${long} track ${i}.mp3`), file(100 + i, `short ${i}.ogg`)]),
    );
    net.advance(60_000);
    expect(gossips).toBeGreaterThan(40 * 25);
  });

  it('sends 6 gossip messages a round (3 in-group, 3 to contacts) once views are full', async () => {
    net = new KelipsTestNet({
      size: 50,
      seed: 15,
      bootstrap: 'none',
      init: () => ({ groups: 5, probesPerRound: 0, refreshPerRound: 0 }),
    });
    installAll(net);
    await net.startAll();
    net.advance(4000);
    const before = net.node(0).c.gossipSent;
    net.advance(20_000);
    expect(net.node(0).c.gossipSent - before).toBe(60);
  });

  it('spreads a new tuple to every member of its group in O(log n) rounds', async () => {
    net = new KelipsTestNet({ size: 64, seed: 16, bootstrap: 'none', init: () => ({ groups: 2 }) });
    installAll(net);
    await net.startAll();
    net.advance(4000);
    const g = groupOf('moonlight', 2);
    const holder = nodeNotIn(net, g);
    net.node(holder).publish([SONATA]);
    const members = net.nodes.filter((n) => n.group === g);
    let t = 0;
    while (t < 60_000 && members.some((n) => n.tupleCount() === 0)) {
      net.advance(2000);
      t += 2000;
    }
    expect(members.every((n) => n.tupleCount() > 0)).toBe(true);
    // 32 members: log2(32) = 5; a few rounds of slack for rations
    expect(t / 2000).toBeLessThanOrEqual(15);
  });

  it('is deterministic: same seed, same traffic', async () => {
    const run = async (): Promise<string> => {
      const n = new KelipsTestNet({ size: 20, seed: 17, init: () => ({ expectedNodes: 16 }) });
      await n.startAll(100);
      n.node(3).publish([SONATA]);
      n.advance(30_000);
      const r = search(n, 9, 'sonata');
      await n.close();
      return JSON.stringify([n.sent, [...n.byType], r.hits]);
    };
    expect(await run()).toBe(await run());
  });
});
