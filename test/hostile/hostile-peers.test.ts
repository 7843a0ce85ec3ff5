import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage } from '../../src/protocol/encode.js';
import type { Message, QueryHitResult } from '../../src/protocol/messages.js';
import { SEEN_CACHE_DEFAULTS } from '../../src/routing/seen-cache.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';
import { rawPeer } from './raw-peer.js';

let tn: Testnet;
let port: number;

const query = (search: string, over: Partial<Message> = {}): Message =>
  ({
    type: 'query',
    guid: randomBytes(16),
    ttl: 3,
    hops: 0,
    minSpeed: 0x0080,
    search,
    urns: [],
    ...over,
  }) as Message;

/** After every attack: a well-behaved peer connects, searches and gets its hit. */
async function stillServes(): Promise<void> {
  const good = await rawPeer(port);
  expect(good.reply).toMatch(/^GNUTELLA\/0\.6 200/);
  const q = query('canary');
  good.send(q);
  const hit = await good.waitFor((m) => m.type === 'queryhit' && m.guid.equals(q.guid), 3000);
  good.close();
  expect(hit?.type).toBe('queryhit');
}

beforeAll(async () => {
  tn = await createTestnet(1, {
    files: () => ({ 'canary song.mp3': 'tweet' }),
    config: () => ({ compress: false, handshakeTimeoutMs: 1000, maxPeers: 64, maxPerIp: 64 }),
  });
  port = tn.servents[0]!.address().port;
});
afterAll(async () => {
  await tn.close();
});

describe('hostile peers over real sockets', () => {
  it('an oversize length field closes that connection before the payload is buffered', async () => {
    const p = await rawPeer(port);
    const header = Buffer.alloc(23);
    randomBytes(16).copy(header);
    header[16] = 0x80;
    header[17] = 3;
    header.writeUInt32LE(0xfffffff0, 19);
    p.send(header);
    await new Promise((r) => setTimeout(r, 300));
    expect(p.closed).toBe(true);
    await stillServes();
  });

  it('a truncated frame then silence is dropped as a dead peer, without blocking others', async () => {
    const p = await rawPeer(port);
    p.send(encodeMessage(query('canary')).subarray(0, 30));
    await stillServes();
    p.close();
  });

  it('garbage instead of a handshake, and garbage right after one, close the connection', async () => {
    const before = await rawPeer(port, { handshake: false });
    before.send(randomBytes(64));
    const after = await rawPeer(port);
    after.send(Buffer.from('HTTP/1.1 200 OK\r\n\r\nthis is not a descriptor stream at all..............'));
    await new Promise((r) => setTimeout(r, 300));
    expect(before.closed).toBe(true);
    expect(after.closed).toBe(true);
    await stillServes();
  });

  it('thousands of idle half-open handshakes (slowloris) neither exhaust it nor linger', async () => {
    const socks: net.Socket[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = net.connect(port, '127.0.0.1', () => s.write('GNUTELLA CONNECT/0.6\r\nUser-Agent: slow'));
      s.on('error', () => {});
      s.resume();
      socks.push(s);
    }
    await new Promise((r) => setTimeout(r, 500));
    const manager = tn.servents[0]!.connections;
    // the oldest half-open handshakes make room: at most the cap is ever in progress
    expect(manager.handshakesInProgress).toBeLessThanOrEqual(64);
    expect(manager.refusedHandshakes).toBeGreaterThan(0);
    // a well-behaved peer gets through during the attack
    await stillServes();
    // the handshake deadline (1 s here) closes the ones still admitted
    for (let i = 0; i < 100 && (manager.handshakesInProgress > 0 || socks.some((s) => !s.destroyed)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const open = socks.filter((s) => !s.destroyed).length;
    expect({ inProgress: manager.handshakesInProgress, open }).toEqual({ inProgress: 0, open: 0 });
    for (const s of socks) s.destroy();
    expect(open).toBe(0);
  });

  it('a flood of 10^6 unique-GUID queries keeps the seen-cache within its bound; others are still answered', async () => {
    const p = await rawPeer(port);
    // one template frame; each copy gets a unique GUID (bytes 0-7 = a counter)
    const template = encodeMessage(query('flood of queries'));
    const chunk = 50_000;
    const block = Buffer.alloc(template.length * chunk);
    for (let sent = 0; sent < 1_000_000; sent += chunk) {
      for (let i = 0; i < chunk; i++) {
        const off = i * template.length;
        template.copy(block, off);
        block.writeUInt32LE(sent + i, off);
        block.writeUInt32LE(0x5eed, off + 4);
      }
      const ok = p.socket.write(Buffer.from(block));
      if (!ok) await new Promise((r) => p.socket.once('drain', r));
    }
    for (let i = 0; i < 300 && tn.servents[0]!.router.stats().messagesReceived < 1_000_000; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    await stillServes();
    const stats = tn.servents[0]!.router.stats();
    expect(stats.messagesReceived).toBeGreaterThan(900_000);
    expect(stats.extra?.['seenEntries']).toBeLessThanOrEqual(SEEN_CACHE_DEFAULTS.maxEntries);
    expect(stats.extra?.['seenEvicted']).toBeGreaterThan(800_000);
    expect(process.memoryUsage().heapUsed).toBeLessThan(1.5e9);
    p.close();
  }, 180_000);

  it('TTL 255 / hops 255, replies for unknown GUIDs and Pushes for unknown servents are dropped', async () => {
    const p = await rawPeer(port);
    p.send(query('canary', { ttl: 255, hops: 255 } as Partial<Message>));
    p.send({
      type: 'pong',
      guid: randomBytes(16),
      ttl: 1,
      hops: 0,
      port: 6346,
      ip: '127.0.0.9',
      files: 1,
      kbytes: 1,
    });
    p.send({
      type: 'queryhit',
      guid: randomBytes(16),
      ttl: 3,
      hops: 0,
      port: 6346,
      ip: '127.0.0.9',
      speed: 1,
      results: [{ index: 1, size: 1, name: 'x', urns: [] }],
      vendor: 'EVIL',
      serventId: randomBytes(16),
    });
    p.send({
      type: 'push',
      guid: randomBytes(16),
      ttl: 3,
      hops: 0,
      serventId: randomBytes(16),
      index: 1,
      ip: '127.0.0.1',
      port: 1,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(p.messages.filter((m) => m.type === 'queryhit')).toEqual([]);
    expect(p.closed).toBe(false);
    await stillServes();
    p.close();
  });

  it('a QueryHit with 255 results and huge names is bounded (dropped, not routed, not fatal)', async () => {
    const p = await rawPeer(port);
    const results: QueryHitResult[] = Array.from({ length: 255 }, (_, i) => ({
      index: i,
      size: 1,
      name: 'n'.repeat(1000),
      urns: [],
    }));
    p.send({
      type: 'queryhit',
      guid: randomBytes(16),
      ttl: 3,
      hops: 0,
      port: 6346,
      ip: '127.0.0.9',
      speed: 1,
      results,
      vendor: 'EVIL',
      serventId: randomBytes(16),
    });
    await new Promise((r) => setTimeout(r, 300));
    await stillServes();
    p.close();
  });

  it('a GIV nobody asked for is closed', async () => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GIV 1:${'ab'.repeat(16)}/file.mp3\n\n`));
    s.on('error', () => {});
    const closed = await new Promise<boolean>((r) => {
      s.on('close', () => r(true));
      setTimeout(() => r(false), 2000);
    });
    expect(closed).toBe(true);
    await stillServes();
  });

  it('a peer that never reads: our queue towards it stays bounded and the servent goes on', async () => {
    const p = await rawPeer(port, { read: false });
    await new Promise((r) => setTimeout(r, 100));
    const conn = tn.servents[0]!.connections.list().find((c) => c.info.remote.port === p.socket.localPort);
    expect(conn).toBeDefined();
    // make the servent produce more replies than the kernel's socket buffers can absorb:
    // 200,000 matching queries (unique GUIDs patched into one template frame)
    let maxQueued = 0;
    const template = encodeMessage(query('canary'));
    const block = Buffer.alloc(template.length * 10_000);
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10_000; i++) {
        template.copy(block, i * template.length);
        block.writeUInt32LE(round * 10_000 + i, i * template.length);
      }
      p.send(Buffer.from(block));
      await new Promise((r) => setTimeout(r, 20));
      maxQueued = Math.max(maxQueued, conn!.queuedBytes);
    }
    await new Promise((r) => setTimeout(r, 1000));
    maxQueued = Math.max(maxQueued, conn!.queuedBytes);
    // bounded: the queue never exceeds its hard limit; past it the link is closed (Bye 502)
    expect(maxQueued).toBeLessThanOrEqual(1024 * 1024);
    expect(maxQueued > 0 || conn!.state === 'closed').toBe(true);
    await stillServes();
    p.close();
  });
});
