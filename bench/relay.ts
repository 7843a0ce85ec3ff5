/**
 * Issue figures for the servent's relay path:
 *  1. queries relayed per second through one servent between two peers on loopback, next
 *     to a plain TCP byte relay (socket.pipe) of the same byte stream; prints the ratio;
 *  2. memory per idle Gnutella connection;
 *  3. the seen-cache's heap after 10^6 unique GUIDs, next to its configured bound.
 *
 * Run: npm run bench -- relay   (node --expose-gc gives steadier memory figures)
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/core/clock.js';
import { encodeMessage } from '../src/protocol/encode.js';
import type { Message } from '../src/protocol/messages.js';
import {
  SEEN_CACHE_DEFAULTS,
  SeenCache,
  estimateSeenCacheBytes,
  guidTypeKey,
} from '../src/routing/seen-cache.js';
import { createTestnet } from '../src/testnet.js';

const QUERIES = Number(process.env['RELAY_QUERIES'] ?? 200_000);
const HELLO = 'GNUTELLA CONNECT/0.6\r\nUser-Agent: bench/1\r\nX-Ultrapeer: True\r\n\r\n';
const FINAL = 'GNUTELLA/0.6 200 OK\r\n\r\n';

function queryStream(n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const q: Message = {
      type: 'query',
      guid: randomBytes(16),
      ttl: 3,
      hops: 0,
      minSpeed: 0x0088,
      search: `bench keyword ${i % 1000}`,
      urns: [],
    };
    parts.push(encodeMessage(q));
  }
  return Buffer.concat(parts);
}

/** Connects as a 0.6 ultrapeer peer and returns the socket positioned after the handshake. */
function handshake(port: number): Promise<{ socket: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(HELLO));
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      if (!buf.toString('latin1', 0, 16).includes(' 200')) {
        reject(new Error(`refused: ${buf.toString('latin1', 0, 60)}`));
        return;
      }
      s.write(FINAL);
      resolve({ socket: s, rest: buf.subarray(end + 4) });
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}

/** Counts Gnutella queries arriving on a socket; resolves when `want` arrived or `ms` passed. */
function countQueries(
  s: net.Socket,
  first: Buffer,
  want: number,
  ms: number,
): Promise<{ n: number; at: number }> {
  return new Promise((resolve) => {
    let n = 0;
    let pending = first;
    let last = performance.now();
    const timer = setTimeout(() => resolve({ n, at: last }), ms);
    const scan = (): void => {
      let off = 0;
      while (pending.length - off >= 23) {
        const len = pending.readUInt32LE(off + 19);
        if (pending.length - off < 23 + len) break;
        if (pending[off + 16] === 0x80) n++;
        off += 23 + len;
      }
      pending = pending.subarray(off);
      last = performance.now();
      if (n >= want) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve({ n, at: last });
      }
    };
    const onData = (d: Buffer): void => {
      pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
      scan();
    };
    s.on('data', onData);
    scan();
  });
}

async function servent(stream: Buffer): Promise<{ rate: number; delivered: number; seconds: number }> {
  const tn = await createTestnet(1, { config: () => ({ compress: false, maxPerIp: 100 }) });
  try {
    const port = tn.servents[0]!.address().port;
    const b = await handshake(port);
    const a = await handshake(port);
    await new Promise((r) => setTimeout(r, 200));
    const counting = countQueries(b.socket, b.rest, QUERIES, 60_000);
    const t0 = performance.now();
    a.socket.write(stream);
    const { n, at } = await counting;
    const seconds = (at - t0) / 1000;
    a.socket.destroy();
    b.socket.destroy();
    return { rate: n / seconds, delivered: n / QUERIES, seconds };
  } finally {
    await tn.close();
  }
}

async function pipe(stream: Buffer): Promise<{ rate: number; seconds: number }> {
  // A relay that copies bytes from one peer's socket to the other's: the floor of what
  // any relay on this machine can do with the same stream.
  let inbound: net.Socket | undefined;
  let outbound: net.Socket | undefined;
  let sender: net.Socket | undefined;
  let receiver: net.Socket | undefined;
  let closeServer = (): void => {};
  const ready = new Promise<void>((resolve) => {
    const server = net.createServer((s) => {
      if (outbound === undefined) outbound = s;
      else {
        inbound = s;
        inbound.pipe(outbound);
        resolve();
      }
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      receiver = net.connect(port, '127.0.0.1', () => {
        sender = net.connect(port, '127.0.0.1');
      });
    });
    closeServer = () => server.close();
  });
  await ready;
  const counting = countQueries(receiver!, Buffer.alloc(0), QUERIES, 60_000);
  const t0 = performance.now();
  sender!.write(stream);
  const { n, at } = await counting;
  sender!.destroy();
  receiver!.destroy();
  closeServer();
  return { rate: n / ((at - t0) / 1000), seconds: (at - t0) / 1000 };
}

async function idleConnections(count: number): Promise<number> {
  const tn = await createTestnet(1, {
    config: () => ({ maxPeers: count + 10, maxPerIp: count + 10, compress: false }),
  });
  try {
    const port = tn.servents[0]!.address().port;
    globalThis.gc?.();
    globalThis.gc?.();
    const before = process.memoryUsage();
    const socks: net.Socket[] = [];
    for (let i = 0; i < count; i++) socks.push((await handshake(port)).socket);
    await new Promise((r) => setTimeout(r, 300));
    globalThis.gc?.();
    globalThis.gc?.();
    const after = process.memoryUsage();
    for (const s of socks) s.destroy();
    // both ends live in this process: halve the socket-side cost is not possible to
    // separate, so this is an upper bound (servent side + the test peer's socket)
    return (after.heapUsed + after.external - before.heapUsed - before.external) / count;
  } finally {
    await tn.close();
  }
}

function seenCache(): { bytes: number; bound: number; size: number } {
  const clock = new ManualClock();
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const cache = new SeenCache<number>(clock);
  const guid = Buffer.alloc(16);
  for (let i = 0; i < 1_000_000; i++) {
    guid.writeUInt32LE(i, 0);
    guid.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, 4);
    cache.add(guidTypeKey(guid, 0x80), 1);
    if (i % 1000 === 0) clock.advance(1);
  }
  globalThis.gc?.();
  const bytes = process.memoryUsage().heapUsed - before;
  return { bytes, bound: estimateSeenCacheBytes(SEEN_CACHE_DEFAULTS.maxEntries), size: cache.size };
}

const perConn = await idleConnections(500);
process.stdout.write(
  `idle connections: ${(perConn / 1024).toFixed(1)} KiB per connection (500 open, both ends in-process)\n`,
);
const sc = seenCache();
process.stdout.write(
  `seen-cache after 10^6 unique GUIDs: ${sc.size.toLocaleString('en')} entries, ` +
    `${(sc.bytes / 1e6).toFixed(1)} MB heap; configured bound ${SEEN_CACHE_DEFAULTS.maxEntries.toLocaleString('en')} entries ≈ ` +
    `${(sc.bound / 1e6).toFixed(1)} MB ${sc.bytes <= sc.bound * 1.2 ? '(within bound)' : '(OVER bound)'}\n`,
);

const stream = queryStream(QUERIES);
process.stdout.write(`relay: ${QUERIES} queries, ${(stream.length / 1e6).toFixed(1)} MB stream\n`);
// best of three alternating runs of each, so that both see the same machine load
let p = { rate: 0, seconds: 0 };
let s = { rate: 0, delivered: 0, seconds: 0 };
for (let round = 0; round < 3; round++) {
  const pr = await pipe(stream);
  if (pr.rate > p.rate) p = pr;
  const sr = await servent(stream);
  if (sr.rate > s.rate) s = sr;
}
process.stdout.write(
  `  plain TCP pipe   ${Math.round(p.rate).toLocaleString('en')} queries/s (${p.seconds.toFixed(2)} s, best of 3)\n` +
    `  servent relay    ${Math.round(s.rate).toLocaleString('en')} queries/s (${s.seconds.toFixed(2)} s, ` +
    `${(s.delivered * 100).toFixed(1)}% delivered, best of 3)\n` +
    `  ratio servent/pipe = ${(s.rate / p.rate).toFixed(2)} (goal ≥ 0.8)\n`,
);
