import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import type { PeerId, TransportHandler } from '../../src/routing/types.js';
import { simAddress, simIndexOf } from '../../src/sim/address.js';
import { constantLatency, type DeliveryModel, uniformLatency, withLoss } from '../../src/sim/latency.js';
import { SimNetwork } from '../../src/sim/network.js';
import { Scheduler } from '../../src/sim/scheduler.js';

type Ev = [number, string, string, string?];

function setup(mode: 'link' | 'addressed', model: DeliveryModel = constantLatency(10), n = 4, detect = 0) {
  const s = new Scheduler();
  const net = new SimNetwork<string>(s, {
    mode,
    model,
    failureDetectionMs: detect,
    hooks: { sizeOf: (m) => m.length, classify: (m) => (m.startsWith('q') ? 'lookup' : 'background') },
  });
  const log: Ev[] = [];
  const transports = [];
  for (let i = 0; i < n; i++) {
    const idx = net.addNode();
    const t = net.transport(idx);
    const h: TransportHandler<string> = {
      message: (from: PeerId, m: string) => log.push([s.now(), `${idx}<-${simIndexOf(from)}`, m]),
      peerUp: (p) => log.push([s.now(), `${idx} up ${simIndexOf(p.id)}`, p.address?.ip ?? '']),
      peerDown: (id) => log.push([s.now(), `${idx} down ${simIndexOf(id)}`, '']),
    };
    t.setHandler(h);
    transports.push(t);
  }
  return { s, net, log, t: transports };
}

describe('addresses', () => {
  it('index ↔ "10.a.b.c:6346" is a bijection', () => {
    for (const i of [0, 1, 254, 255, 256, 65535, 65536, 999_999, (1 << 24) - 3]) {
      expect(simIndexOf(simAddress(i))).toBe(i);
    }
    expect(simAddress(0)).toBe('10.0.0.1:6346');
    expect(simAddress(256)).toBe('10.0.1.1:6346');
    for (const bad of [
      '',
      '10.0.0.0:6346',
      '11.0.0.1:6346',
      '10.0.0.1:80',
      '10.0.0:6346',
      '10.0.0.256',
      '10.0.0.1x',
    ]) {
      expect(simIndexOf(bad)).toBe(-1);
    }
    expect(simIndexOf('10.0.0.5')).toBe(4);
  });
});

describe('SimNetwork, link mode', () => {
  it('immediate links raise peerUp at once, send goes over the link with the model delay', () => {
    const { s, net, log, t } = setup('link');
    net.link(0, 1, true);
    expect(log).toEqual([
      [0, '0 up 1', '10.0.0.2'],
      [0, '1 up 0', '10.0.0.1'],
    ]);
    expect(t[0]?.localId).toBe('10.0.0.1:6346');
    expect(t[0]?.send(simAddress(1), 'q-hello')).toBe(true);
    expect(t[0]?.send(simAddress(2), 'q-nolink')).toBe(false);
    expect(t[0]?.send('garbage', 'q')).toBe(false);
    s.runUntil(100);
    expect(log.slice(2)).toEqual([[10, '1<-0', 'q-hello']]);
    expect(net.totals.lookupMessages).toBe(1);
    expect(net.totals.lookupBytes).toBe(7);
    expect(net.sent(0)).toEqual({ messages: 1, bytes: 7, background: 0, received: 0 });
    expect(net.sent(1).received).toBe(1);
  });

  it('rejects self links and duplicates; delayed links announce peerUp via events', () => {
    const { s, net, log } = setup('link');
    expect(net.link(0, 0)).toBe(false);
    expect(net.link(0, 1)).toBe(true);
    expect(net.link(1, 0)).toBe(false);
    expect(log).toEqual([]);
    s.runUntil(0);
    expect(log.map((e) => e[1])).toEqual(['0 up 1', '1 up 0']);
    expect(net.neighbours(0)).toEqual([1]);
  });

  it('keeps each link FIFO even when the latency model would reorder', () => {
    const { s, net, log, t } = setup('link', uniformLatency(1, 500, createRng(9)));
    net.link(0, 1, true);
    for (let i = 0; i < 200; i++) t[0]?.send(simAddress(1), `q${i}`);
    s.runUntil(10_000);
    const got = log.filter((e) => e[1] === '1<-0').map((e) => e[2]);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => `q${i}`));
  });

  it('a crash closes its links: neighbours see peerDown after the detection delay, in-flight messages die', () => {
    const { s, net, log, t } = setup('link', constantLatency(10), 4, 250);
    net.link(0, 1, true);
    net.link(0, 2, true);
    log.length = 0;
    t[0]?.send(simAddress(1), 'q-in-flight');
    t[1]?.send(simAddress(0), 'q-to-dead');
    s.runUntil(5);
    net.kill(0, false);
    expect(net.isAlive(0)).toBe(false);
    expect(net.liveNodes()).toBe(3);
    expect(t[1]?.send(simAddress(0), 'q-after')).toBe(false);
    s.runUntil(1000);
    expect(log).toEqual([
      [255, '1 down 0', ''],
      [255, '2 down 0', ''],
    ]);
    expect(net.totals.undeliverable).toBe(2);
    expect(net.neighbours(1)).toEqual([]);
  });

  it('a graceful leave still delivers what was sent before it, then peerDown', () => {
    const { s, net, log, t } = setup('link', constantLatency(10));
    net.link(0, 1, true);
    log.length = 0;
    t[0]?.send(simAddress(1), 'bye');
    net.kill(0, true);
    s.runUntil(100);
    expect(log).toEqual([
      [10, '1<-0', 'bye'],
      [10, '1 down 0', ''],
    ]);
  });

  it('unlink closes one link at both ends', () => {
    const { s, net, log } = setup('link');
    net.link(2, 3, true);
    log.length = 0;
    expect(net.unlink(2, 3, 7)).toBe(true);
    expect(net.unlink(2, 3)).toBe(false);
    s.runUntil(10);
    expect(log.map((e) => [e[0], e[1]])).toEqual([
      [7, '2 down 3'],
      [7, '3 down 2'],
    ]);
  });

  it('counts model losses separately and never delivers them', () => {
    const { s, net, log, t } = setup('link', withLoss(constantLatency(1), 1, createRng(1)));
    net.link(0, 1, true);
    log.length = 0;
    t[0]?.send(simAddress(1), 'ping');
    s.runUntil(10);
    expect(log).toEqual([]);
    expect(net.totals.lost).toBe(1);
    expect(net.totals.backgroundMessages).toBe(1);
    expect(net.sent(0).background).toBe(1);
  });
});

describe('SimNetwork, addressed mode', () => {
  it('any node reaches any address; messages to dead or unknown nodes are silently lost', () => {
    const { s, net, log, t } = setup('addressed');
    expect(t[0]?.send(simAddress(3), 'q1')).toBe(true);
    expect(t[0]?.send(simAddress(0), 'q-self')).toBe(true);
    net.kill(3, false);
    expect(t[1]?.send(simAddress(3), 'q-dead')).toBe(true);
    expect(t[1]?.send(simAddress(77), 'q-unknown')).toBe(true);
    expect(t[1]?.send('not-an-address', 'q')).toBe(false);
    s.runUntil(100);
    expect(log).toEqual([[10, '0<-0', 'q-self']]);
    expect(net.totals.undeliverable).toBe(3);
    expect(() => net.link(0, 1)).toThrow(/link-mode/);
  });

  it('a dead node sends nothing and gets nothing delivered', () => {
    const { s, net, log, t } = setup('addressed');
    t[0]?.send(simAddress(1), 'q');
    net.kill(1, false);
    expect(t[1]?.send(simAddress(0), 'q')).toBe(false);
    s.runUntil(100);
    expect(log).toEqual([]);
  });

  it('picks live nodes from a dense list that survives removals', () => {
    const { net } = setup('addressed', constantLatency(1), 6);
    net.kill(2, false);
    net.kill(0, true);
    const live = Array.from({ length: net.liveNodes() }, (_, i) => net.liveAt(i)).sort();
    expect(live).toEqual([1, 3, 4, 5]);
  });
});
