import { describe, expect, it } from 'vitest';
import type { Ping, Pong } from '../../src/protocol/messages.js';
import { markedKbytes } from '../../src/routing/flood/index.js';
import { complianceFile } from '../compliance/router.js';
import { extra, guid, SELF_ADDR, single } from './fake-transport.js';

const ping = (over: Partial<Ping> = {}): Ping => ({ type: 'ping', guid: guid(), ttl: 3, hops: 0, ...over });
const pongsTo = (sent: { to: string; msg: { type: string } }[], to: string): Pong[] =>
  sent.filter((s) => s.to === to && s.msg.type === 'pong').map((s) => s.msg as Pong);

describe('answering pings', () => {
  it('answers with our own Pong: our address, files, marked KB count, TTL = hops + 2', async () => {
    const { router, t } = await single();
    router.publish([complianceFile(1, 'a b.txt', 10 * 1024), complianceFile(2, 'c d.txt', 30 * 1024)]);
    const p = ping({ ttl: 2, hops: 1 });
    t.deliver('a', p);
    const [own] = pongsTo(t.take(), 'a');
    expect(own).toMatchObject({ guid: p.guid, ttl: 3, hops: 0, ...SELF_ADDR, files: 2, kbytes: 64 });
  });

  it('marks the KB count: ultrapeers a power of 2 ≥ 8, others never one', () => {
    expect(markedKbytes(40, true)).toBe(64);
    expect(markedKbytes(64, true)).toBe(64);
    expect(markedKbytes(0, true)).toBe(8);
    expect(markedKbytes(64, false)).toBe(65);
    expect(markedKbytes(40, false)).toBe(40);
    expect(markedKbytes(4, false)).toBe(4);
  });

  it('answers at most one ping per second per link', async () => {
    const { router, t, clock } = await single();
    t.deliver('a', ping());
    t.deliver('a', ping());
    t.deliver('b', ping());
    expect(pongsTo(t.take(), 'a')).toHaveLength(1);
    expect(extra(router, 'droppedPingRate')).toBe(1);
    clock.advance(1000);
    t.deliver('a', ping());
    expect(pongsTo(t.take(), 'a')).toHaveLength(1);
  });

  it('always answers an alive ping (TTL 1) with exactly one pong about ourselves, whatever the rate', async () => {
    const { router, t } = await single();
    t.deliver('a', ping({ ttl: 3 }));
    t.take();
    const alive = [ping({ ttl: 1 }), ping({ ttl: 1 }), ping({ ttl: 1 })];
    for (const p of alive) t.deliver('a', p);
    const pongs = pongsTo(t.take(), 'a');
    // gtk-gnutella closes a link after 6 unanswered alive pings (Bye 406)
    expect(pongs.map((p) => p.guid)).toEqual(alive.map((p) => p.guid));
    expect(pongs.every((p) => p.hops === 0)).toBe(true);
    expect(extra(router, 'droppedPingRate')).toBe(0);
  });

  it('floods pings with TTL > 1 when floodPings is on (default), not when off', async () => {
    const on = await single();
    on.t.deliver('a', ping({ ttl: 3 }));
    expect(
      on.t
        .take()
        .filter((s) => s.msg.type === 'ping')
        .map((s) => [s.to, s.msg.ttl, s.msg.hops]),
    ).toEqual([
      ['b', 2, 1],
      ['c', 2, 1],
    ]);
    const off = await single({ floodPings: false });
    off.t.deliver('a', ping({ ttl: 3 }));
    const sent = off.t.take();
    expect(sent.filter((s) => s.msg.type === 'ping')).toEqual([]);
    expect(pongsTo(sent, 'a')).toHaveLength(1);
  });
});

describe('pong cache', () => {
  const pongFrom = (p: Ping, n: number, hops = 0): Pong => ({
    type: 'pong',
    guid: p.guid,
    ttl: 3,
    hops,
    port: 7000 + n,
    ip: `127.0.1.${n}`,
    files: n,
    kbytes: n,
  });

  it('caches the pongs answering our ping(), tells onHost, and serves them to other links', async () => {
    const { router, t, hosts } = await single({ floodPings: false });
    expect(router.ping()).toBe(3);
    const pings = t.take();
    expect(pings.map((s) => [s.to, s.msg.type, s.msg.ttl, s.msg.hops])).toEqual([
      ['a', 'ping', 4, 0],
      ['b', 'ping', 4, 0],
      ['c', 'ping', 4, 0],
    ]);
    const ours = pings[0]?.msg as Ping;
    for (let n = 1; n <= 3; n++) t.deliver('b', pongFrom(ours, n, n - 1));
    t.deliver('c', pongFrom(ours, 9));
    expect(hosts).toEqual(['127.0.1.1:7001', '127.0.1.2:7002', '127.0.1.3:7003', '127.0.1.9:7009']);
    expect(t.take()).toEqual([]); // our own pongs are not relayed
    expect(extra(router, 'cachedPongs')).toBe(4);

    const p = ping({ hops: 1 });
    t.deliver('a', p);
    const answer = pongsTo(t.take(), 'a');
    // ours first, then cached ones round-robin over the other links, newest first
    expect(answer.map((x) => x.ip)).toEqual([
      SELF_ADDR.ip,
      '127.0.1.3',
      '127.0.1.9',
      '127.0.1.2',
      '127.0.1.1',
    ]);
    for (const x of answer) expect(x.guid).toEqual(p.guid);
    expect(answer[1]).toMatchObject({ hops: 3, ttl: 3, port: 7003, files: 3 });

    // link b is not served its own pongs back
    t.deliver('b', ping());
    expect(pongsTo(t.take(), 'b').map((x) => x.ip)).toEqual([SELF_ADDR.ip, '127.0.1.9']);
  });

  it('keeps at most pongsPerLink per link and sends at most pongsPerAnswer', async () => {
    const { router, t } = await single({ pongsPerLink: 4, pongsPerAnswer: 2 });
    router.ping();
    const ours = t.take()[0]?.msg as Ping;
    for (let n = 1; n <= 9; n++) t.deliver('b', pongFrom(ours, n));
    expect(extra(router, 'cachedPongs')).toBe(4);
    t.deliver('a', ping());
    expect(pongsTo(t.take(), 'a').map((x) => x.ip)).toEqual([SELF_ADDR.ip, '127.0.1.9', '127.0.1.8']);
  });

  it('pings every pingIntervalMs when asked to', async () => {
    const { router, t, clock } = await single({ pingIntervalMs: 60_000 });
    clock.advance(59_999);
    expect(t.take()).toEqual([]);
    clock.advance(1);
    expect(t.take().filter((s) => s.msg.type === 'ping')).toHaveLength(3);
    clock.advance(60_000);
    expect(t.take()).toHaveLength(3);
    await router.stop();
    clock.advance(600_000);
    expect(t.take()).toEqual([]);
  });
});
