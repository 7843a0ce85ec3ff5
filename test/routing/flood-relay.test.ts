import { describe, expect, it } from 'vitest';
import type { Ping, Pong, Push, Query, QueryHit } from '../../src/protocol/messages.js';
import { extra, guid, SELF_ID, single } from './fake-transport.js';

const query = (over: Partial<Query> = {}): Query => ({
  type: 'query',
  guid: guid(),
  ttl: 4,
  hops: 0,
  minSpeed: 0,
  search: 'nothing here',
  urns: [],
  ...over,
});

const hitFor = (q: { guid: Buffer }, over: Partial<QueryHit> = {}): QueryHit => ({
  type: 'queryhit',
  guid: q.guid,
  ttl: 5,
  hops: 1,
  port: 6346,
  ip: '127.0.0.20',
  speed: 100,
  results: [{ index: 1, size: 10, name: 'x.txt', urns: [] }],
  vendor: 'TEST',
  serventId: Buffer.alloc(16, 0x42),
  ...over,
});

describe('flood relaying: TTL and hops', () => {
  it('forwards a query to every other link with TTL−1, hops+1', async () => {
    const { router, t } = await single();
    t.deliver('a', query({ ttl: 4, hops: 1 }));
    const out = t.take();
    expect(out.map((s) => s.to).sort()).toEqual(['b', 'c']);
    for (const s of out) expect({ ttl: s.msg.ttl, hops: s.msg.hops }).toEqual({ ttl: 3, hops: 2 });
    expect(extra(router, 'queriesHandled')).toBe(1);
  });

  it('does not forward a TTL 1 query (new TTL would be 0), but still handles it', async () => {
    const { router, t } = await single();
    t.deliver('a', query({ ttl: 1, hops: 3 }));
    expect(t.take()).toEqual([]);
    expect(extra(router, 'queriesHandled')).toBe(1);
  });

  it('drops TTL 0 and TTL > 15', async () => {
    const { router, t } = await single();
    t.deliver('a', query({ ttl: 0, hops: 2 }));
    t.deliver('a', query({ ttl: 16, hops: 0 }));
    t.deliver('a', { type: 'ping', guid: guid(), ttl: 200, hops: 0 });
    expect(t.take()).toEqual([]);
    expect(extra(router, 'droppedTtl')).toBe(3);
    expect(extra(router, 'queriesHandled')).toBe(0);
  });

  it('lowers the TTL so that TTL + hops = maxTtl', async () => {
    const { router, t } = await single({ maxTtl: 7 });
    t.deliver('a', query({ ttl: 10, hops: 2 }));
    const out = t.take();
    expect(out).toHaveLength(2);
    // handled with TTL 5 (5 + 2 = 7), forwarded with 4 / 3
    for (const s of out) expect({ ttl: s.msg.ttl, hops: s.msg.hops }).toEqual({ ttl: 4, hops: 3 });
    expect(extra(router, 'ttlLowered')).toBe(1);
  });

  it('honours a smaller maxTtl and drops what has already travelled maxTtl hops', async () => {
    const { router, t } = await single({ maxTtl: 4 });
    t.deliver('a', query({ ttl: 3, hops: 4 }));
    expect(t.take()).toEqual([]);
    expect(extra(router, 'droppedTtl')).toBe(1);
    t.deliver('a', query({ ttl: 7, hops: 0 }));
    for (const s of t.take()) expect({ ttl: s.msg.ttl, hops: s.msg.hops }).toEqual({ ttl: 3, hops: 1 });
  });

  it('drops duplicate queries and pings silently, counting them', async () => {
    const { router, t, clock } = await single();
    const q = query();
    t.deliver('a', q);
    t.deliver('b', { ...q, ttl: 3, hops: 1 });
    const p: Ping = { type: 'ping', guid: guid(), ttl: 3, hops: 0 };
    t.deliver('a', p);
    clock.advance(5000);
    t.deliver('b', p);
    t.take();
    expect(extra(router, 'duplicates')).toBe(2);
    expect(extra(router, 'queriesHandled')).toBe(1);
  });

  it('keeps a Query and a Ping with the same GUID apart (dedup is per type)', async () => {
    const { router, t } = await single();
    const g = guid();
    t.deliver('a', query({ guid: g }));
    t.deliver('a', { type: 'ping', guid: g, ttl: 3, hops: 0 });
    expect(extra(router, 'duplicates')).toBe(0);
    expect(t.take().some((s) => s.msg.type === 'ping')).toBe(true);
  });
});

describe('flood relaying: reverse paths', () => {
  it('routes hits back to the link the query came from, TTL−1 / hops+1', async () => {
    const { router, t } = await single();
    const q = query({ ttl: 4, hops: 0 });
    t.deliver('a', q);
    t.take();
    t.deliver('b', hitFor(q, { ttl: 5, hops: 1 }));
    const out = t.take();
    expect(out).toHaveLength(1);
    expect(out[0]?.to).toBe('a');
    expect({ ttl: out[0]?.msg.ttl, hops: out[0]?.msg.hops }).toEqual({ ttl: 4, hops: 2 });
    expect(extra(router, 'hitsRouted')).toBe(1);
  });

  it('never dedups replies by GUID: two hits for one query are both routed', async () => {
    const { router, t } = await single();
    const q = query();
    t.deliver('a', q);
    t.take();
    t.deliver('b', hitFor(q));
    t.deliver('c', hitFor(q, { serventId: Buffer.alloc(16, 0x43) }));
    t.deliver('b', hitFor(q)); // even the very same hit again
    expect(t.take().map((s) => s.to)).toEqual(['a', 'a', 'a']);
    expect(extra(router, 'hitsRouted')).toBe(3);
  });

  it('drops replies for unknown GUIDs (and does not broadcast them)', async () => {
    const { router, t } = await single();
    t.deliver('b', hitFor({ guid: guid() }));
    const pong: Pong = {
      type: 'pong',
      guid: guid(),
      ttl: 3,
      hops: 0,
      port: 1,
      ip: '127.0.0.3',
      files: 0,
      kbytes: 0,
    };
    t.deliver('b', pong);
    expect(t.take()).toEqual([]);
    expect(extra(router, 'droppedNoRoute')).toBe(2);
  });

  it('drops a hit whose reverse link has gone, and a hit with TTL 1', async () => {
    const { router, t } = await single();
    const q1 = query();
    const q2 = query();
    t.deliver('a', q1);
    t.deliver('c', q2);
    t.take();
    t.down('a');
    t.deliver('b', hitFor(q1));
    t.deliver('b', hitFor(q2, { ttl: 1 }));
    expect(t.take()).toEqual([]);
    expect(extra(router, 'droppedNoRoute')).toBe(1);
    expect(extra(router, 'droppedTtl')).toBe(1);
  });

  it('routes pongs back along the ping’s path', async () => {
    const { t, hosts } = await single();
    const p: Ping = { type: 'ping', guid: guid(), ttl: 3, hops: 0 };
    t.deliver('a', p);
    t.take();
    t.deliver('b', {
      type: 'pong',
      guid: p.guid,
      ttl: 3,
      hops: 0,
      port: 7000,
      ip: '127.0.0.7',
      files: 1,
      kbytes: 2,
    });
    const out = t.take();
    expect(out.map((s) => [s.to, s.msg.type, s.msg.ttl, s.msg.hops])).toEqual([['a', 'pong', 2, 1]]);
    expect(hosts).toEqual(['127.0.0.7:7000']);
  });

  it('a reverse route expires with the seen-cache', async () => {
    const { router, t, clock } = await single({ seenMaxAgeMs: 60_000 });
    const q = query();
    t.deliver('a', q);
    t.take();
    clock.advance(70_000);
    t.deliver('b', hitFor(q));
    expect(t.take()).toEqual([]);
    expect(extra(router, 'droppedNoRoute')).toBe(1);
  });
});

describe('flood relaying: Push', () => {
  const push = (serventId: Buffer, over: Partial<Push> = {}): Push => ({
    type: 'push',
    guid: guid(),
    ttl: 5,
    hops: 0,
    serventId,
    index: 1,
    ip: '127.0.0.30',
    port: 7777,
    ...over,
  });

  it('routes a Push to the link the target’s hits came from', async () => {
    const { router, t } = await single();
    const q = query();
    t.deliver('a', q);
    t.deliver('c', hitFor(q, { serventId: Buffer.alloc(16, 0x55) }));
    t.take();
    t.deliver('a', push(Buffer.alloc(16, 0x55)));
    const out = t.take();
    expect(out.map((s) => [s.to, s.msg.ttl, s.msg.hops])).toEqual([['c', 4, 1]]);
    expect(extra(router, 'pushesRouted')).toBe(1);
  });

  it('drops a Push for an unknown servent ID, and duplicates by the Push GUID', async () => {
    const { router, t } = await single();
    const p = push(Buffer.alloc(16, 0x66));
    t.deliver('a', p);
    t.deliver('b', p);
    expect(t.take()).toEqual([]);
    expect(extra(router, 'droppedPushNoRoute')).toBe(1);
    expect(extra(router, 'duplicates')).toBe(1);
  });

  it('keeps at most pushRouteMaxEntries routes, forgetting the oldest', async () => {
    const { router, t } = await single({ pushRouteMaxEntries: 1 });
    const q = query();
    t.deliver('a', q);
    t.deliver('b', hitFor(q, { serventId: Buffer.alloc(16, 0x01) }));
    t.deliver('c', hitFor(q, { serventId: Buffer.alloc(16, 0x02) }));
    t.take();
    t.deliver('a', push(Buffer.alloc(16, 0x01)));
    t.deliver('a', push(Buffer.alloc(16, 0x02)));
    expect(t.take().map((s) => s.to)).toEqual(['c']);
    expect(extra(router, 'droppedPushNoRoute')).toBe(1);
    expect(extra(router, 'pushRoutes')).toBe(1);
  });

  it('hands a Push addressed to our servent ID to onPush, without relaying it', async () => {
    const { router, t, pushes } = await single();
    const p = push(SELF_ID);
    t.deliver('a', p);
    expect(t.take()).toEqual([]);
    expect(pushes).toEqual([p]);
    expect(extra(router, 'pushesReceived')).toBe(1);
  });
});

describe('flood lifecycle', () => {
  it('ignores messages before start and after stop; start/stop are idempotent', async () => {
    const { router, t, clock } = await single({ pingIntervalMs: 1000 });
    await router.start();
    await router.stop();
    await router.stop();
    expect(clock.pendingTimers()).toBe(0);
    t.deliver('a', query());
    expect(t.take()).toEqual([]);
    expect(router.stats().messagesReceived).toBe(0);
    await router.start();
    t.deliver('a', query());
    expect(t.take()).toHaveLength(2);
  });

  it('stop() ends running searches with "aborted" and clears every timer', async () => {
    const { router, clock } = await single({ pingIntervalMs: 5000 });
    const ends: string[] = [];
    router.startSearch({ text: 'some words' }, { hit: () => {}, end: (r) => ends.push(r) });
    expect(clock.pendingTimers()).toBe(2);
    await router.stop();
    expect(ends).toEqual(['aborted']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('counts messages and bytes both ways, with the encoded sizes', async () => {
    const { router, t } = await single();
    const q = query({ search: 'abc' });
    t.deliver('a', q);
    const s = router.stats();
    // header 23 + flags 2 + "abc" 3 + NUL 1 = 29 bytes
    expect(s.messagesReceived).toBe(1);
    expect(s.bytesReceived).toBe(29);
    expect(s.messagesSent).toBe(2);
    expect(s.bytesSent).toBe(58);
  });

  it('counts a send the transport refused', async () => {
    const { router, t } = await single();
    t.refuse.add('b');
    t.deliver('a', query());
    expect(t.take().map((s) => s.to)).toEqual(['c']);
    expect(extra(router, 'sendFailed')).toBe(1);
  });
});

describe('links', () => {
  it('drops a message from a peer that is not (or no longer) a link, without adopting it', async () => {
    const { router, t } = await single();
    t.down('c');
    t.deliver('c', query());
    t.deliver('zz', query());
    expect(t.take()).toEqual([]);
    expect(extra(router, 'droppedUnknownLink')).toBe(2);
    t.deliver('a', query());
    expect(t.take().map((s) => s.to)).toEqual(['b']);
    expect(extra(router, 'links')).toBe(2);
  });
});
