import { afterEach, describe, expect, it } from 'vitest';
import type { KelipsTuple } from '../../src/protocol/kelips/index.js';
import { groupOf, MEMBER_STATE_BYTES, tupleStateBytes } from '../../src/routing/kelips/index.js';
import { resolveKelipsConfig } from '../../src/routing/kelips/config.js';
import { snapshotPart } from '../../src/routing/kelips/join.js';
import { file, installAll, installFile, search } from './kelips-helpers.js';
import { KelipsTestNet, serventIdOf } from './kelips-net.js';

let net: KelipsTestNet | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

/** an address of group `g` (k groups) that no node of the net uses */
function strangerIn(g: number, k: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const a = `10.9.${(i >> 8) & 255}.${(i & 255) + 1}:${9000 + (i % 1000)}`;
    if (groupOf(a, k) === g) out.push(a);
  }
  return out;
}

function tuple(key: string, i: number, hb = 1): KelipsTuple {
  return {
    key,
    name: `${key} ${i}.mp3`,
    size: i,
    urn: undefined,
    index: i,
    ip: '10.8.0.1',
    port: 6346,
    serventId: serventIdOf(i),
    hb,
  };
}

describe('Kelips soft state', () => {
  it('a crashed node leaves every view within memberTimeoutMs (+ a sweep) and is not gossiped back', async () => {
    net = new KelipsTestNet({ size: 30, seed: 20, bootstrap: 'none', init: () => ({ groups: 3 }) });
    installAll(net);
    await net.startAll();
    net.advance(20_000);
    const victim = 4;
    const addr = net.addrs[victim] as string;
    const timeout = net.node(0).cfg?.memberTimeoutMs as number;
    await net.kill(victim);
    const holding = (): number =>
      net?.nodes.filter((n, i) => !net?.isDead(i) && n.viewAddresses().includes(addr)).length ?? 0;
    expect(holding()).toBeGreaterThan(0);
    net.advance(timeout + 2 * 2 * 2000);
    expect(holding()).toBe(0);
    // tombstones: the stale heartbeat still circulating does not bring it back
    net.advance(3 * timeout);
    expect(holding()).toBe(0);
    expect(net.nodes.reduce((s, n) => s + n.c.memberTimeouts, 0)).toBeGreaterThan(0);
  });

  it('live members never time out in steady state', async () => {
    net = new KelipsTestNet({ size: 32, seed: 21, bootstrap: 'none', init: () => ({ groups: 3 }) });
    installAll(net);
    await net.startAll();
    net.advance(200_000);
    for (const n of net.nodes) {
      expect(n.c.memberTimeouts).toBe(0);
      expect(n.c.contactTimeouts).toBe(0);
    }
  });

  it('a stopped holder’s tuples expire everywhere after tupleTimeoutMs; a live one’s are re-announced', async () => {
    net = new KelipsTestNet({
      size: 24,
      seed: 22,
      bootstrap: 'none',
      init: () => ({ groups: 3, republishMs: 10_000, tupleTimeoutMs: 30_000 }),
    });
    installAll(net);
    await net.startAll();
    net.node(1).publish([file(1, 'alpha beta.mp3')]);
    net.node(2).publish([file(2, 'alpha gamma.mp3')]);
    net.advance(20_000);
    expect(
      search(net, 5, 'alpha')
        .hits.map((h) => h.file.index)
        .sort(),
    ).toEqual([1, 2]);
    await net.node(1).stop();
    net.advance(30_000 + 10_000);
    expect(search(net, 5, 'alpha').hits.map((h) => h.file.index)).toEqual([2]);
    net.advance(120_000);
    expect(search(net, 5, 'alpha').hits.map((h) => h.file.index)).toEqual([2]);
    expect(net.nodes.reduce((s, n) => s + n.c.tupleTimeouts, 0)).toBeGreaterThan(0);
  });

  it('stateBytes follows the stated model: 18 B a member or contact, 62 B + key + name a tuple', async () => {
    net = new KelipsTestNet({
      size: 20,
      seed: 23,
      bootstrap: 'none',
      init: () => ({ groups: 4, gossip: false }),
    });
    installAll(net);
    installFile(net, 3, file(9, 'Some Song.ogg'));
    const n = net.node(0);
    let tuples = 0;
    for (const t of net.node(3).tuplesFor([file(9, 'Some Song.ogg')]))
      if (groupOf(t.key, 4) === n.group) tuples += tupleStateBytes(t);
    expect(n.stats().stateBytes).toBe(MEMBER_STATE_BYTES * (n.viewSize() + n.contactCount()) + tuples);
    expect(tupleStateBytes(tuple('abc', 1))).toBe(62 + 3 + 'abc 1.mp3'.length);
  });
});

describe('Kelips caps (hostile peers)', () => {
  it('the view holds at most maxView entries', async () => {
    net = new KelipsTestNet({
      size: 1,
      seed: 24,
      bootstrap: 'none',
      init: () => ({ groups: 2, maxView: 10 }),
    });
    await net.startAll();
    const g = net.node(0).group;
    const fakes = strangerIn(g, 2, 30);
    net.inject(fakes[0] as string, 0, {
      type: 'gossip',
      k: 2,
      rid: 0,
      hb: 1,
      ts: 1,
      echoTs: 0,
      echoHeldMs: 0,
      members: fakes.slice(1).map((addr) => ({ addr, hb: 1, ageS: 0 })),
      tuples: [],
    });
    expect(net.node(0).viewSize()).toBe(10);
  });

  it('contacts: at most c per group; a nearer candidate replaces the farthest', async () => {
    net = new KelipsTestNet({
      size: 1,
      seed: 25,
      bootstrap: 'none',
      init: () => ({ groups: 2, contactsPerGroup: 2 }),
    });
    await net.startAll();
    const other = 1 - net.node(0).group;
    const [a, b, c] = strangerIn(other, 2, 3) as [string, string, string];
    net.node(0).installMembers([
      { addr: a, hb: 1, ageS: 0 },
      { addr: b, hb: 1, ageS: 0 },
      { addr: c, hb: 1, ageS: 0 },
    ]);
    expect(net.node(0).contactAddresses()).toEqual([a, b]);
    // c answers a probe quickly: RTT known, contacts a and b unmeasured → c replaces one
    const mem = net.node(0).mem;
    expect(mem?.learn(c, 2, net.clock.now(), true, 5)).toBe('replaced');
    expect(net.node(0).contactAddresses()).toHaveLength(2);
    expect(net.node(0).contactAddresses()).toContain(c);
    // a farther candidate does not
    const [d] = strangerIn(other, 2, 4).slice(3) as [string];
    mem
      ?.get(
        net
          .node(0)
          .contactAddresses()
          .find((x) => x !== c) as string,
      )
      ?.sampleRtt(50);
    expect(mem?.learn(d, 1, net.clock.now(), true, 45)).toBe('refused');
  });

  it('tuples: at most maxTuples, maxTuplesPerKey a key; tuples of other groups are refused', async () => {
    net = new KelipsTestNet({
      size: 1,
      seed: 26,
      bootstrap: 'none',
      init: () => ({ groups: 2, maxTuples: 20, maxTuplesPerKey: 5 }),
    });
    await net.startAll();
    const n = net.node(0);
    const mine: string[] = [];
    const theirs: string[] = [];
    for (let i = 0; mine.length < 10 || theirs.length < 1; i++) {
      const w = `word${i}`;
      (groupOf(w, 2) === n.group ? mine : theirs).push(w);
    }
    expect(n.installTuples(Array.from({ length: 9 }, (_, i) => tuple(mine[0] as string, i)))).toBe(5);
    expect(n.installTuples([tuple(theirs[0] as string, 1)])).toBe(0);
    expect(n.c.tuplesMisplaced).toBe(1);
    for (const w of mine.slice(1)) n.installTuples([tuple(w, 1), tuple(w, 2)]);
    expect(n.tupleCount()).toBe(20);
    expect(n.c.tuplesRejected).toBeGreaterThan(0);
    // a newer version of a stored tuple is still accepted
    expect(n.installTuples([tuple(mine[0] as string, 0, 2)])).toBe(1);
  });

  it('forwards and third-party answers are limited to relayPerSec', async () => {
    net = new KelipsTestNet({
      size: 2,
      seed: 27,
      bootstrap: 'none',
      init: () => ({ groups: 1, relayPerSec: 3 }),
    });
    installAll(net);
    await net.startAll();
    const victim = '10.7.7.7:7';
    const before = net.node(0).c.messagesSent;
    for (let i = 0; i < 10; i++) {
      net.inject(net.addrs[1] as string, 0, {
        type: 'lookup',
        k: 1,
        rid: i + 1,
        hb: 1,
        origin: victim,
        ttl: 0,
        hops: 1,
        maxResults: 8,
        key: 'abc',
        words: [],
        urn: undefined,
      });
    }
    expect(net.node(0).c.messagesSent - before).toBe(3);
    expect(net.node(0).c.relayLimited).toBe(7);
  });

  it('ignores answers nobody asked for (unknown rid, snapshot from a node we did not ask)', async () => {
    net = new KelipsTestNet({ size: 2, seed: 28, bootstrap: 'none', init: () => ({ groups: 1 }) });
    await net.startAll();
    net.inject('10.1.1.1:1', 0, {
      type: 'lookup-reply',
      k: 1,
      rid: 99,
      hb: 1,
      hops: 1,
      tuples: [tuple('abc', 1)],
    });
    net.inject('10.1.1.1:1', 0, {
      type: 'snapshot',
      k: 1,
      rid: 98,
      hb: 1,
      part: 0,
      last: true,
      members: [{ addr: '10.1.1.2:1', hb: 5, ageS: 0 }],
      tuples: [],
    });
    expect(net.node(0).tupleCount()).toBe(0);
    expect(net.node(0).viewAddresses()).toEqual(['10.1.1.1:1']); // the sender itself spoke
  });
});

describe('Kelips snapshots and configuration', () => {
  it('snapshot parts: members first, then tuples, every part within the datagram cap', () => {
    const members = Array.from({ length: 250 }, (_, i) => ({
      addr: `10.0.${i >> 8}.${(i & 255) + 1}:1`,
      hb: i,
      ageS: 0,
    }));
    const tuples = Array.from({ length: 40 }, (_, i) => tuple('abc', i));
    const parts = [];
    for (let p = 0; ; p++) {
      const s = snapshotPart(members, tuples, p, 1200);
      parts.push(s);
      if (s.last) break;
      expect(p).toBeLessThan(20);
    }
    expect(parts.flatMap((p) => p.members)).toEqual(members);
    expect(parts.flatMap((p) => p.tuples)).toEqual(tuples);
    expect(parts[0]?.members).toHaveLength(98);
    expect(snapshotPart(members, tuples, 200, 1200)).toEqual({ members: [], tuples: [], last: true });
  });

  it('k = round(√expectedNodes); timeouts grow with the expected group size', () => {
    const holder = { ip: '1.2.3.4', port: 1, serventId: '0'.repeat(32) };
    const small = resolveKelipsConfig({ holder, expectedNodes: 1000 }, 32);
    const large = resolveKelipsConfig({ holder, expectedNodes: 100_000 }, 316);
    expect(small.memberTimeoutMs).toBe(80_000);
    expect(large.memberTimeoutMs).toBeGreaterThan(small.memberTimeoutMs);
    expect(large.contactTimeoutMs).toBeGreaterThan(small.contactTimeoutMs);
    expect(() => resolveKelipsConfig({ holder, gossipBytes: 20 }, 4)).toThrow(/gossipBytes/);
  });
});

describe('Kelips caps on our own work', () => {
  it('a joiner fetches at most maxSnapshotParts parts', async () => {
    net = new KelipsTestNet({
      size: 2,
      seed: 30,
      bootstrap: 'none',
      init: (i) => ({
        groups: 1,
        maxView: 1000,
        ...(i === 1 ? { bootstrap: '127.0.0.1:7000', maxSnapshotParts: 1 } : {}),
      }),
    });
    const many = Array.from({ length: 300 }, (_, i) => ({
      addr: `10.5.${i >> 8}.${(i & 255) + 1}:1`,
      hb: 1,
      ageS: 0,
    }));
    net.node(0).installMembers(many);
    await net.startAll();
    net.advance(1000);
    expect(net.node(1).c.snapshotsReceived).toBe(1);
    expect(net.node(1).viewSize()).toBe(98 + 1);
  });

  it('at most maxPublished tuples are announced; files with unusable names are skipped', async () => {
    net = new KelipsTestNet({
      size: 1,
      seed: 31,
      bootstrap: 'none',
      init: () => ({ groups: 1, maxPublished: 5 }),
    });
    const n = net.node(0);
    const files = [file(1, 'one two three.mp3'), file(2, 'four five.mp3'), { ...file(3, 'x'), name: '' }];
    expect(n.tuplesFor(files)).toHaveLength(5);
    expect(
      n.tuplesFor([{ ...file(3, 'x'), name: 'a\0b' }, file(4, 'ok name.ogg')]).map((t) => t.index),
    ).toEqual([4, 4, 4, 4]);
  });

  it('more than maxActiveSearches searches at once: the extra one fails at once; searchTimeoutMs ends the others', async () => {
    net = new KelipsTestNet({
      size: 6,
      seed: 32,
      bootstrap: 'none',
      init: () => ({ groups: 3, maxActiveSearches: 2, searchTimeoutMs: 3000, rpcTimeoutMs: 10_000 }),
    });
    installAll(net);
    await net.startAll();
    // everybody else is dead: nothing answers, so the searches stay open until their timeout
    const from = 0;
    for (let i = 1; i < 6; i++) await net.kill(i);
    const ends: string[] = [];
    for (let i = 0; i < 3; i++)
      net.node(from).startSearch({ text: `word${i}x` }, { hit: () => {}, end: (r) => ends.push(r) });
    expect(ends).toEqual(['failed']);
    net.advance(3500);
    expect(ends).toEqual(['failed', 'timeout', 'timeout']);
  });
});
