/**
 * Interop with real servents, proven on their captured traffic: a live servent is fed the
 * exact bytes gtk-gnutella 1.2.3 and gnutella-bun-client 1.2 sent (fixtures/captures,
 * fixtures/handshakes) and must answer the way those clients require (interop.md).
 */
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Message } from '../../src/protocol/messages.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

const FIX = join(import.meta.dirname, '../../fixtures/captures');
const gtk = (f: string): Buffer => readFileSync(join(FIX, 'gtk-gnutella/s1-ultra-plain', f));
const bun = (scenario: string, f: string): Buffer =>
  readFileSync(join(FIX, 'gnutella-bun-client', scenario, f));

interface Conversation {
  reply: string;
  messages: Message[];
  closed: boolean;
}

/**
 * Plays `hello`, waits for our reply, plays `rest` (already framed/compressed; a number is
 * a pause in ms), collects what we send.
 */
function converse(
  port: number,
  hello: Buffer,
  rest: Array<Buffer | number>,
  opts: { inflate?: boolean; ms?: number } = {},
): Promise<Conversation> {
  return new Promise((resolve) => {
    const conv: Conversation = { reply: '', messages: [], closed: false };
    const decoder = new FrameDecoder();
    const inflate = opts.inflate === true ? zlib.createInflate() : undefined;
    inflate?.on('data', (d: Buffer) => {
      for (const r of decoder.push(d)) if (r.ok) conv.messages.push(r.message);
    });
    let buf = Buffer.alloc(0);
    let binary = false;
    const s = net.connect(port, '127.0.0.1', () => s.write(hello));
    s.on('error', () => {});
    s.on('close', () => {
      conv.closed = true;
    });
    s.on('data', (d: Buffer) => {
      if (binary) {
        if (inflate !== undefined) inflate.write(d);
        else for (const r of decoder.push(d)) if (r.ok) conv.messages.push(r.message);
        return;
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      conv.reply = buf.toString('latin1', 0, end + 4);
      binary = true;
      const after = buf.subarray(end + 4);
      if (after.length > 0) {
        if (inflate !== undefined) inflate.write(after);
        else for (const r of decoder.push(after)) if (r.ok) conv.messages.push(r.message);
      }
      void (async () => {
        for (const chunk of rest) {
          if (typeof chunk === 'number') await new Promise((r) => setTimeout(r, chunk));
          else if (!s.destroyed) s.write(chunk);
        }
      })();
    });
    setTimeout(() => {
      s.destroy();
      resolve(conv);
    }, opts.ms ?? 800);
  });
}

const header = (reply: string, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}:\\s*([^\\r]*)\\r\\n`, 'i').exec(reply)?.[1];

let tn: Testnet;
let port: number;
beforeAll(async () => {
  tn = await createTestnet(1, {
    files: () => ({ 'beatles penny lane.mp3': 'la la la' }),
    config: () => ({ maxPerIp: 100 }),
  });
  port = tn.servents[0]!.address().port;
});
afterAll(async () => {
  await tn.close();
});

describe('gtk-gnutella 1.2.3 (ultrapeer) dialing us, replayed from its capture', () => {
  it('accepts its hello, answers its pings with pongs of the same GUID, tolerates QRP, vendor messages and HSEP', async () => {
    const dir = join(FIX, 'gtk-gnutella/s1-ultra-plain');
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
      items: Array<{
        file: string;
        kind: string;
        connection: string;
        direction?: string;
        type?: string;
        guid?: string;
      }>;
    };
    // everything gtk (client of connection tcp0) sent after its handshake, in order
    const all = index.items.filter(
      (it) =>
        it.connection === 's1-ultra-plain.pcap#tcp0' &&
        it.direction === 'client->server' &&
        it.kind === 'descriptor',
    );
    // its last descriptor is its Bye: played on its own below
    const sent = all.filter((it) => it.type !== 'bye');
    const bye = all.find((it) => it.type === 'bye');
    expect(bye).toBeDefined();
    expect(sent.length).toBeGreaterThan(5);
    // gtk pings about every 20 s (pong-cache refresh, TTL 4) and we answer at most one
    // ping per second per link (0.6 rule): replay three of them 1.1 s apart
    const pings = sent.filter((it) => it.type === 'ping').slice(0, 3);
    const others = sent.filter((it) => it.type !== 'ping');
    const conv = await converse(
      port,
      gtk('0001-handshake-client-hello.txt'),
      [
        gtk('0003-handshake-client-ack.txt'),
        ...others.map((it) => gtk(it.file)),
        ...pings.flatMap((it) => [gtk(it.file), 1100]),
      ],
      { ms: 4000 },
    );
    expect(conv.reply).toMatch(/^GNUTELLA\/0\.6 200 /);
    // what gtk-gnutella needs of an ultrapeer peer (interop.md)
    expect(header(conv.reply, 'X-Ultrapeer')).toBe('True');
    expect(Number(header(conv.reply, 'X-Degree'))).toBeGreaterThanOrEqual(16);
    expect(header(conv.reply, 'X-Dynamic-Querying')).toBeDefined();
    expect(conv.closed).toBe(false);
    const pongGuids = conv.messages.filter((m) => m.type === 'pong').map((m) => m.guid.toString('hex'));
    for (const it of pings) expect(pongGuids).toContain(it.guid);

    // its Bye: we close at once and do not answer with a Bye of our own
    const withBye = await converse(port, gtk('0001-handshake-client-hello.txt'), [
      gtk('0003-handshake-client-ack.txt'),
      gtk(bye!.file),
    ]);
    expect(withBye.closed).toBe(true);
    expect(withBye.messages.filter((m) => m.type === 'bye')).toEqual([]);
  });
});

describe('gnutella-bun-client 1.2 (leaf) dialing us, replayed from its captures', () => {
  for (const scenario of ['02_leaf_up_plain', '01_leaf_up_deflate'] as const) {
    it(`${scenario}: 200 as an ultrapeer, pong for its ping, a hit for its "penny" query`, async () => {
      const dir = join(FIX, 'gnutella-bun-client', scenario);
      const files = readdirSync(dir).sort();
      const hello = bun(
        scenario,
        files.find((f) => f.endsWith('_hs1_connect.txt'))!,
      );
      const final = bun(
        scenario,
        files.find((f) => f.endsWith('_hs3_final.txt'))!,
      );
      // what B (the leaf) sent to A (the ultrapeer), in order
      const descriptors = files
        .filter((f) => /^d\d+_c\d+_\w+_B-to-A\.bin$/.test(f))
        .filter((f) => !f.includes('BYE'));
      const bodies = descriptors.map((f) => bun(scenario, f));
      const deflate = scenario.includes('deflate');
      let stream: Buffer[];
      if (deflate) {
        // its stream after the final block is one zlib stream, sync-flushed per descriptor
        const z = zlib.createDeflate();
        const out: Buffer[] = [];
        z.on('data', (d: Buffer) => out.push(d));
        for (const b of bodies) {
          z.write(b);
          await new Promise<void>((r) => z.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
        }
        stream = [final, Buffer.concat(out)];
      } else {
        stream = [final, ...bodies];
      }
      const conv = await converse(port, hello, stream, { inflate: deflate });
      expect(conv.reply).toMatch(/^GNUTELLA\/0\.6 200 /);
      // a leaf-mode bun client accepts only ultrapeers
      expect(header(conv.reply, 'X-Ultrapeer')).toBe('True');
      expect(conv.reply).not.toMatch(/foxy/i);
      if (deflate) expect(header(conv.reply, 'Content-Encoding')).toBe('deflate');
      else expect(header(conv.reply, 'Content-Encoding')).toBeUndefined();
      const ping = descriptors.find((f) => f.includes('PING'))!;
      const pingGuid = bun(scenario, ping).subarray(0, 16).toString('hex');
      expect(conv.messages.some((m) => m.type === 'pong' && m.guid.toString('hex') === pingGuid)).toBe(true);
      const query = descriptors.find((f) => f.includes('QUERY'))!;
      const qGuid = bun(scenario, query).subarray(0, 16).toString('hex');
      const hit = conv.messages.find((m) => m.type === 'queryhit' && m.guid.toString('hex') === qGuid);
      expect(hit?.type === 'queryhit' && hit.results.map((r) => r.name)).toEqual(['beatles penny lane.mp3']);
      expect(conv.closed).toBe(false);
    });
  }
});

describe('our hello, as real servents judge it', () => {
  it('meets gtk-gnutella leaf and ultrapeer acceptance rules and bun’s strict first line', async () => {
    const hellos: string[] = [];
    const server = net.createServer((s) => {
      s.once('data', (d: Buffer) => {
        hellos.push(d.toString('latin1'));
        s.destroy();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const p = (server.address() as net.AddressInfo).port;
    const leafNet = await createTestnet(1, { config: () => ({ leaf: true }) });
    try {
      await tn.servents[0]!.connect('127.0.0.1', p);
      await leafNet.servents[0]!.connect('127.0.0.1', p);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      server.close();
      await leafNet.close();
    }
    const [up, leaf] = hellos as [string, string];
    for (const h of [up, leaf]) {
      expect(h.startsWith('GNUTELLA CONNECT/0.6\r\n')).toBe(true);
      expect(Number(header(h, 'X-Degree'))).toBeGreaterThanOrEqual(16);
      expect(header(h, 'X-Dynamic-Querying')).toBeDefined();
      expect(Number(header(h, 'X-Max-TTL'))).toBeLessThan(5);
      expect(header(h, 'Accept-Encoding')).toBe('deflate');
      expect(h).not.toMatch(/foxy/i);
      expect(h).not.toMatch(/X-Ultrapeer-Query-Routing/i);
    }
    expect(header(up, 'X-Ultrapeer')).toBe('True');
    expect(header(leaf, 'X-Ultrapeer')).toBe('False');
  });
});
