import { describe, expect, it } from 'vitest';
import { QrpTable } from '../../src/protocol/index.js';
import type { Message, Qrp, Query } from '../../src/protocol/messages.js';
import { complianceFile } from '../compliance/router.js';
import { extra, guid, single } from './fake-transport.js';

const query = (search: string, over: Partial<Query> = {}): Query => ({
  type: 'query',
  guid: guid(),
  ttl: 4,
  hops: 1,
  minSpeed: 0,
  search,
  urns: [],
  ...over,
});

/** Rebuilds the table an ultrapeer would hold from the QRP messages it received. */
function tableFrom(msgs: readonly Message[]): QrpTable {
  const t = new QrpTable();
  for (const m of msgs) if (m.type === 'qrp') t.apply(m);
  return t;
}

const qrpTo = (sent: { to: string; msg: Message }[], to: string): Qrp[] =>
  sent.filter((s) => s.to === to && s.msg.type === 'qrp').map((s) => s.msg as Qrp);

describe('leaf mode', () => {
  it('sends its QRP table (RESET + 4-bit zlib PATCH) to the ultrapeer it is a leaf of', async () => {
    const { router, t } = await single({}, ['up1']);
    router.publish([complianceFile(1, 'Moonlight Sonata.mp3', 10)]);
    t.up('leafUp', { weAreLeaf: true, ultrapeer: true });
    const sent = t.take();
    const msgs = qrpTo(sent, 'leafUp');
    expect(msgs[0]).toMatchObject({ variant: 'reset', tableLength: 65536, infinity: 7, ttl: 1, hops: 0 });
    expect(msgs.slice(1).every((m) => m.variant === 'patch' && m.entryBits === 4 && m.compressor === 1)).toBe(
      true,
    );
    expect(qrpTo(sent, 'up1')).toEqual([]);
    const table = tableFrom(msgs);
    expect(table.ready).toBe(true);
    expect(table.matches(['moonlight', 'sonata'])).toBe(true);
    expect(table.containsWord('beethoven')).toBe(false);
    expect(extra(router, 'qrpSent')).toBe(msgs.length);
  });

  it('re-sends the table when the published keywords change, not when they stay the same', async () => {
    const { router, t } = await single({}, []);
    t.up('up', { weAreLeaf: true });
    t.take();
    router.publish([complianceFile(1, 'Moonlight Sonata.mp3', 10)]);
    expect(tableFrom(qrpTo(t.take(), 'up')).containsWord('moonlight')).toBe(true);
    router.publish([complianceFile(7, 'sonata moonlight.mp3', 99), complianceFile(8, 'MP3 Moonlight', 1)]);
    expect(t.take()).toEqual([]);
    router.publish([complianceFile(1, 'Night Train.mp3', 10)]);
    const table = tableFrom(qrpTo(t.take(), 'up'));
    expect(table.containsWord('train')).toBe(true);
    expect(table.containsWord('moonlight')).toBe(false);
  });

  it('sends the table on start() to leaf links that came up before', async () => {
    const { router, t } = await single({}, []);
    await router.stop();
    t.up('up', { weAreLeaf: true });
    expect(t.take()).toEqual([]);
    await router.start();
    expect(qrpTo(t.take(), 'up').length).toBeGreaterThanOrEqual(2);
  });

  it('does not relay queries, pings, hits or pushes, but answers queries itself', async () => {
    const { router, t } = await single({}, ['a']);
    t.up('up', { weAreLeaf: true });
    router.publish([complianceFile(1, 'Moonlight Sonata.mp3', 10)]);
    t.take();
    t.deliver('up', query('moonlight'));
    t.deliver('up', { type: 'ping', guid: guid(), ttl: 4, hops: 0 });
    t.deliver('up', {
      type: 'push',
      guid: guid(),
      ttl: 4,
      hops: 0,
      serventId: Buffer.alloc(16, 9),
      index: 1,
      ip: '127.0.0.2',
      port: 1,
    });
    const sent = t.take();
    expect(sent.filter((s) => s.to === 'a')).toEqual([]);
    expect(sent.map((s) => [s.to, s.msg.type])).toEqual([
      ['up', 'queryhit'],
      ['up', 'pong'],
    ]);
    expect(extra(router, 'notRelayedLeaf')).toBe(3);
  });

  it('does not route hits either, and relays again once the leaf link is gone', async () => {
    const { router, t } = await single({}, ['a', 'b']);
    const q = query('x y z');
    t.deliver('a', q); // seen as an ultrapeer: route to a
    t.take();
    t.up('up', { weAreLeaf: true });
    t.take();
    t.deliver('b', {
      type: 'queryhit',
      guid: q.guid,
      ttl: 3,
      hops: 0,
      port: 1,
      ip: '127.0.0.3',
      speed: 0,
      results: [],
      vendor: null,
      serventId: Buffer.alloc(16, 3),
    });
    expect(t.take()).toEqual([]);
    t.down('up');
    t.deliver('a', query('x y z'));
    expect(t.take().map((s) => s.to)).toEqual(['b']);
    expect(extra(router, 'notRelayedLeaf')).toBe(1);
  });

  it("role 'leaf' relays nothing even without a leaf link", async () => {
    const { t } = await single({ role: 'leaf' });
    t.deliver('a', query('x y z'));
    expect(t.take()).toEqual([]);
  });
});
