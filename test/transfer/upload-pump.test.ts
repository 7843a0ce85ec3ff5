import { openSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { BufferPool, pumpRange, type PumpOptions, type PumpOutcome } from '../../src/transfer/upload/pump.js';
import { TokenBucket } from '../../src/transfer/index.js';
import { bytes, makeTempShare, RawClient, type TempShare } from './upload-fixture.js';

/** Counts buffers handed out and not yet given back. */
class CountingPool extends BufferPool {
  outstanding = 0;
  maxOutstanding = 0;
  taken = 0;
  override take(): Buffer {
    this.outstanding++;
    this.taken++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    return super.take();
  }
  override give(buf: Buffer): void {
    this.outstanding--;
    super.give(buf);
  }
}

let share: TempShare | undefined;
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server?.closeAllConnections();
  server = undefined;
  share?.cleanup();
  share = undefined;
});

async function serve(
  data: Buffer,
  opts: Partial<PumpOptions> & { pool: BufferPool },
  beforePump?: (path: string) => void,
): Promise<{ port: number; outcome: Promise<PumpOutcome> }> {
  share = makeTempShare();
  const path = join(share.root, 'f.bin');
  writeFileSync(path, data);
  let resolve: (o: PumpOutcome) => void = () => {};
  const outcome = new Promise<PumpOutcome>((r) => (resolve = r));
  server = createServer((_req, res) => {
    const fd = openSync(path, 'r');
    beforePump?.(path);
    res.writeHead(200, { 'Content-Length': String(data.length) });
    pumpRange(res, { fd, start: 0, end: data.length - 1, ...opts }, resolve);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { port: addr.port, outcome };
}

describe('pumpRange', () => {
  it('sends the range exactly and reuses its buffers', async () => {
    const data = bytes(5 * 65536 + 123, 9);
    const pool = new CountingPool(65536, 4);
    const { port, outcome } = await serve(data, { pool });
    const c = await RawClient.open(port);
    c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await c.read();
    expect(r.body.equals(data)).toBe(true);
    expect(await outcome).toEqual({ ok: true, sent: data.length });
    expect(pool.outstanding).toBe(0);
    expect(pool.maxOutstanding).toBeLessThanOrEqual(2);
    c.close();
  });

  it('a reader that stops reading stops the disk reads (no unbounded buffering)', async () => {
    const data = Buffer.alloc(48 * 1024 * 1024, 1);
    const pool = new CountingPool(256 * 1024, 4);
    const { port } = await serve(data, { pool });
    const c = await RawClient.open(port);
    c.socket.pause();
    c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 400));
    const readSoFar = pool.taken * pool.size;
    // what sits in the kernel's loopback buffers plus at most two chunks of ours
    expect(readSoFar).toBeLessThan(24 * 1024 * 1024);
    expect(pool.outstanding).toBeLessThanOrEqual(2);
    c.close();
  });

  it('a file that got shorter cuts the connection (FILE_SHRANK)', async () => {
    const data = bytes(300_000, 4);
    const pool = new BufferPool(65536, 4);
    const { port, outcome } = await serve(data, { pool }, (path) => truncateSync(path, 100_000));
    const c = await RawClient.open(port);
    c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.closedPromise;
    const o = await outcome;
    expect(o.ok).toBe(false);
    expect(!o.ok && (o.error as { code?: string }).code).toBe('FILE_SHRANK');
    expect(o.sent).toBe(100_000);
  });

  it('shouldStop between chunks cuts the response (UPLOAD_CHOKED)', async () => {
    const data = bytes(10 * 65536, 2);
    const pool = new BufferPool(65536, 4);
    let chunks = 0;
    const { port, outcome } = await serve(data, { pool, shouldStop: () => ++chunks > 3 });
    const c = await RawClient.open(port);
    c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.closedPromise;
    const o = await outcome;
    expect(!o.ok && (o.error as { code?: string }).code).toBe('UPLOAD_CHOKED');
    expect(o.sent).toBe(3 * 65536);
  });

  it('reads no faster than the token bucket allows (manual clock)', async () => {
    const clock = new ManualClock();
    const data = bytes(100_000, 3);
    const bucket = new TokenBucket({ clock, rate: 10_000, burst: 10_000 });
    const pool = new BufferPool(65536, 4);
    const { port, outcome } = await serve(data, { pool, bucket });
    const c = await RawClient.open(port);
    c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    // the burst only: one 10 kB chunk (+ the header block)
    expect(c.all.length).toBeLessThan(10_000 + 200);
    for (let i = 0; i < 9; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await outcome).toEqual({ ok: true, sent: 100_000 });
  });
});
