import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMessage } from '../../src/protocol/encode.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Message } from '../../src/protocol/messages.js';
import { QrpTable } from '../../src/protocol/qrp-table.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

/** A scripted ultrapeer: accepts one servent, answers 200 as an ultrapeer, records what it sends. */
async function fakeUltrapeer(): Promise<{
  port: number;
  messages: Message[];
  send(m: Message): void;
  close(): void;
}> {
  const messages: Message[] = [];
  let sock: net.Socket | undefined;
  const server = net.createServer((s) => {
    sock = s;
    let stage = 0;
    let buf = Buffer.alloc(0);
    const decoder = new FrameDecoder();
    s.on('data', (d: Buffer) => {
      if (stage === 2) {
        for (const r of decoder.push(d)) if (r.ok) messages.push(r.message);
        return;
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const rest = buf.subarray(end + 4);
      buf = Buffer.alloc(0);
      if (stage === 0) {
        stage = 1;
        s.write(
          'GNUTELLA/0.6 200 OK\r\nUser-Agent: up/1\r\nX-Ultrapeer: True\r\nX-Query-Routing: 0.1\r\n\r\n',
        );
        if (rest.length > 0) buf = rest;
      } else {
        stage = 2;
        for (const r of decoder.push(rest)) if (r.ok) messages.push(r.message);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    messages,
    send: (m) => sock?.write(encodeMessage(m)),
    close: () => {
      sock?.destroy();
      server.close();
    },
  };
}

let tn: Testnet | undefined;
afterEach(async () => {
  await tn?.close();
  tn = undefined;
});

describe('a leaf servent under an ultrapeer', () => {
  it('announces X-Ultrapeer: False, sends a QRP table of its keywords, and relays nothing', async () => {
    tn = await createTestnet(1, {
      config: () => ({ leaf: true, compress: false }),
      files: () => ({ 'Penny Lane.mp3': 'x', 'jazz/Blue Train.flac': 'y' }),
    });
    const up = await fakeUltrapeer();
    const up2 = await fakeUltrapeer();
    try {
      expect(await tn.servents[0]!.connect('127.0.0.1', up.port)).toBe(true);
      expect(await tn.servents[0]!.connect('127.0.0.1', up2.port)).toBe(true);
      const conn = tn.servents[0]!.connections.list()[0]!;
      expect(conn.info.weAreLeaf).toBe(true);
      for (let i = 0; i < 100 && !up.messages.some((m) => m.type === 'qrp' && m.variant === 'patch'); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const qrp = up.messages.filter((m) => m.type === 'qrp');
      expect(qrp[0]).toMatchObject({ type: 'qrp', variant: 'reset', ttl: 1, hops: 0 });
      const table = new QrpTable();
      for (const m of qrp) if (m.type === 'qrp') table.apply(m);
      expect(table.ready).toBe(true);
      for (const w of ['penny', 'lane', 'blue', 'train', 'jazz']) expect(table.containsWord(w)).toBe(true);
      expect(table.matches(['penny', 'lane'])).toBe(true);
      expect(table.matches(['nonexistentword'])).toBe(false);
      for (const m of qrp) if (m.type === 'qrp' && m.variant === 'patch') expect(m.entryBits).toBe(4);

      // a query from one ultrapeer: a leaf does not relay it to the other one, and
      // answers only for its own files
      const before = up.messages.length;
      up.send({
        type: 'query',
        guid: Buffer.alloc(16, 3),
        ttl: 3,
        hops: 1,
        minSpeed: 0x0080,
        search: 'nothing here',
        urns: [],
      });
      up.send({
        type: 'query',
        guid: Buffer.alloc(16, 4),
        ttl: 3,
        hops: 1,
        minSpeed: 0x0080,
        search: 'penny',
        urns: [],
      });
      await new Promise((r) => setTimeout(r, 300));
      const after = up.messages.slice(before).filter((m) => m.type !== 'ping' && m.type !== 'pong');
      expect(after.map((m) => m.type)).toEqual(['queryhit']);
      expect(up2.messages.filter((m) => m.type === 'query')).toEqual([]);
    } finally {
      up.close();
      up2.close();
    }
  });
});
