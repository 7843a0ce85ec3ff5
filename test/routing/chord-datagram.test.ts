import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng } from '../../src/core/rng.js';
import { keywords } from '../../src/core/keywords.js';
import { createDatagramTransport } from '../../src/net/datagram-transport.js';
import type { DatagramTransport } from '../../src/net/datagram-transport.js';
import { decodeChordMessage, encodeChordMessage } from '../../src/protocol/chord/index.js';
import type { ChordMessage } from '../../src/protocol/chord/index.js';
import { createChordRouter } from '../../src/routing/chord/index.js';
import type { ChordRouter } from '../../src/routing/chord/index.js';
import type { SearchHit } from '../../src/routing/types.js';

const idBits = 160;
const codec = {
  encode: (m: ChordMessage) => encodeChordMessage(m, { idBits }),
  decode: (b: Buffer) => decodeChordMessage(b, { idBits }),
};
const open: { close(): Promise<void> }[] = [];

async function transport(): Promise<DatagramTransport<ChordMessage>> {
  const t = await createDatagramTransport<ChordMessage>({
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    ...codec,
  });
  open.push(t);
  return t;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

const ENV = { rid: 9, srcId: '12'.repeat(20), srcVn: 0, dstVn: 0 };

describe('datagram transport (127.0.0.1)', () => {
  it('carries one message per datagram, with the sender as "ip:port"', async () => {
    const a = await transport();
    const b = await transport();
    expect(a.localId).toBe(`127.0.0.1:${a.address.port}`);
    const got: [string, ChordMessage][] = [];
    b.setHandler({ message: (from, m) => got.push([from, m]) });
    expect(a.send(b.localId, { type: 'ping', ...ENV })).toBe(true);
    await until(() => got.length === 1);
    expect(got[0]).toEqual([a.localId, { type: 'ping', ...ENV }]);
    expect(a.stats()).toMatchObject({ sent: 1, bytesSent: 32 });
    expect(b.stats()).toMatchObject({ received: 1, bytesReceived: 32 });
  });

  it('drops and counts undecodable and oversized datagrams', async () => {
    const b = await transport();
    let calls = 0;
    b.setHandler({ message: () => calls++ });
    const raw = createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const send = (buf: Buffer): Promise<void> =>
      new Promise((r) => raw.send(buf, b.address.port, '127.0.0.1', () => r()));
    await send(Buffer.from('GNUTELLA CONNECT/0.6\r\n\r\n'));
    await send(Buffer.alloc(1300, 0x43));
    await send(encodeChordMessage({ type: 'pong', ...ENV }, { idBits }));
    await until(() => b.stats().dropped === 2 && calls === 1);
    raw.close();
  });

  it('refuses broadcast, multicast, malformed destinations and messages too large', async () => {
    const a = await transport();
    for (const to of [
      '255.255.255.255:6346',
      '224.0.0.1:6346',
      '0.0.0.0:6346',
      'localhost:1',
      '127.0.0.1:0',
      '1.2.3:4',
    ]) {
      expect(a.send(to, { type: 'ping', ...ENV })).toBe(false);
    }
    const small = await createDatagramTransport<ChordMessage>({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      ...codec,
      maxDatagram: 40,
    });
    open.push(small);
    expect(small.send(a.localId, { type: 'find', ...ENV, bg: false, key: ENV.srcId, exclude: [] })).toBe(
      false,
    );
    expect(a.stats().refused).toBe(6);
    expect(small.stats().refused).toBe(1);
  });

  it('three Chord routers over UDP: join, stabilise, publish, search', async () => {
    const clock = createSystemClock();
    const rng = createRng(99);
    const routers: ChordRouter[] = [];
    let first = '';
    for (let i = 0; i < 3; i++) {
      const t = await transport();
      const r = createChordRouter(
        { clock, rng: rng.fork(), log: silentLogger, transport: t },
        {
          holder: { ip: '127.0.0.1', port: t.address.port, serventId: String(i).repeat(32) },
          ...(i > 0 ? { bootstrap: first } : {}),
          stabilizeMs: 40,
          fixFingersMs: 40,
          checkPredecessorMs: 100,
          rpcTimeoutMs: 300,
          joinRetryMs: 100,
        },
      );
      if (i === 0) first = t.localId;
      await r.start();
      routers.push(r);
    }
    open.unshift({ close: async () => Promise.all(routers.map((r) => r.stop())).then(() => undefined) });
    await until(() =>
      routers.every((r) => r.snapshot()[0]!.pred !== undefined && r.snapshot()[0]!.succs.length === 2),
    );
    const name = 'udp ring test.ogg';
    routers[2]!.publish([{ index: 4, name, size: 77, urn: undefined, keywords: keywords(name) }]);
    await until(() => routers.reduce((n, r) => n + r.storedPointers(), 0) >= 3);
    const hits: SearchHit[] = [];
    const ac = new AbortController();
    for await (const h of routers[1]!.search({ text: 'ring ogg' }, ac.signal)) hits.push(h);
    expect(hits.map((h) => [h.file.name, h.holder.port])).toEqual([
      [name, routers[2]!.vnodes[0]!.addr.split(':').map(Number)[1]],
    ]);
  });
});
