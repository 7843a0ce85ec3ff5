/**
 * Slot rules over real loopback sockets, each client from its own 127.0.0.x address;
 * the slot policy runs on a ManualClock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createSystemClock, ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import {
  buildHttpApp,
  uploadStats,
  verifyIndexedFile,
  type HttpAppOptions,
} from '../../src/transfer/index.js';
import {
  addFile,
  bytes,
  fakeLibrary,
  get,
  listen,
  makeTempShare,
  RawClient,
  type Listener,
  type TempShare,
} from './upload-fixture.js';

const path = '/get/1/f.bin';
const SIZE = 1_000_000;

interface Env {
  app: FastifyInstance;
  srv: Listener;
  share: TempShare;
  clock: ManualClock;
  file: ReturnType<typeof addFile>;
  clients: RawClient[];
  open(host: number): Promise<RawClient>;
}

let env: Env | undefined;

async function setup(over: Partial<HttpAppOptions> = {}): Promise<Env> {
  const share = makeTempShare();
  const file = addFile(share.root, 1, 'f.bin', bytes(SIZE, 5));
  const clock = new ManualClock(1_000_000);
  const app = await buildHttpApp({
    library: fakeLibrary([file]),
    serverName: 'servent/test',
    clock,
    log: silentLogger,
    verify: verifyIndexedFile,
    uploadSlots: 2,
    retryAfterS: 30,
    rotationMs: 60_000,
    slotIdleMs: 5_000,
    graceMs: 40_000,
    ...over,
  });
  const srv = await listen(app);
  const clients: RawClient[] = [];
  const e: Env = {
    app,
    srv,
    share,
    clock,
    file,
    clients,
    open: async (host) => {
      const c = await RawClient.open(srv.port, `127.0.0.${host}`);
      clients.push(c);
      return c;
    },
  };
  env = e;
  return e;
}

afterEach(async () => {
  if (env === undefined) return;
  for (const c of env.clients) c.close();
  await env.srv.close();
  await env.app.close();
  env.share.cleanup();
  env = undefined;
});

async function fetchRange(c: RawClient, range = 'bytes=0-99', method = 'GET') {
  c.send(get(path, [`Range: ${range}`], method));
  return c.read({ head: method === 'HEAD' });
}

describe('upload slots on live connections', () => {
  it('503 with Retry-After when every slot is taken; HEAD needs no slot', async () => {
    const e = await setup();
    const a = await e.open(2);
    const b = await e.open(3);
    const c = await e.open(4);
    expect((await fetchRange(a)).status).toBe(206);
    expect((await fetchRange(b)).status).toBe(206);
    const busy = await fetchRange(c);
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('30');
    expect(busy.headers['content-length']).toBe('0');
    const head = await fetchRange(c, 'bytes=0-99', 'HEAD');
    expect(head.status).toBe(206);
    // the holders keep their slot across requests on their connection
    expect((await fetchRange(a, 'bytes=100-199')).status).toBe(206);
    expect(uploadStats(e.app)?.slots).toMatchObject({ active: 2, queued: 1 });
  });

  it('one slot per remote IP', async () => {
    const e = await setup({ uploadSlots: 4 });
    const a1 = await e.open(2);
    const a2 = await e.open(2);
    expect((await fetchRange(a1)).status).toBe(206);
    const r = await fetchRange(a2);
    expect(r.status).toBe(503);
    a1.close();
    await a1.closedPromise;
    await new Promise((r) => setTimeout(r, 20));
    expect((await fetchRange(a2)).status).toBe(206);
  });

  it('a queued peer gets the freed slot; newcomers are refused meanwhile', async () => {
    const e = await setup();
    const a = await e.open(2);
    const b = await e.open(3);
    const waiting = await e.open(4);
    expect((await fetchRange(a)).status).toBe(206);
    expect((await fetchRange(b)).status).toBe(206);
    expect((await fetchRange(waiting)).status).toBe(503);
    a.close();
    await a.closedPromise;
    await new Promise((r) => setTimeout(r, 20));
    const newcomer = await e.open(5);
    expect((await fetchRange(newcomer)).status).toBe(503);
    expect((await fetchRange(waiting)).status).toBe(206);
  });

  it('a slot left idle on a keep-alive connection is released after slotIdleMs', async () => {
    const e = await setup({ uploadSlots: 1 });
    const a = await e.open(2);
    const b = await e.open(3);
    expect((await fetchRange(a)).status).toBe(206);
    expect((await fetchRange(b)).status).toBe(503);
    e.clock.advance(4_999);
    expect((await fetchRange(b)).status).toBe(503);
    e.clock.advance(5_001);
    expect((await fetchRange(b)).status).toBe(206);
    // a's connection is still open; its next request queues like anyone else's
    expect(a.closed).toBe(false);
    expect((await fetchRange(a)).status).toBe(503);
  });

  it('rotation at a request boundary: the long holder gets 503, the waiting peer the slot', async () => {
    const e = await setup({ uploadSlots: 1, slotIdleMs: 10_000 });
    const a = await e.open(2);
    const b = await e.open(3);
    expect((await fetchRange(a)).status).toBe(206);
    expect((await fetchRange(b)).status).toBe(503);
    e.clock.advance(3_000);
    expect((await fetchRange(a, 'bytes=100-199')).status).toBe(206); // not held long enough
    e.clock.advance(4_000); // b polls again, staying in the queue
    expect((await fetchRange(b)).status).toBe(503);
    for (let t = 0; t < 52_000; t += 4_000) {
      e.clock.advance(4_000);
      expect((await fetchRange(a, 'bytes=100-199')).status).toBe(206);
    }
    expect(e.clock.now() - 1_000_000).toBe(59_000); // held exactly 59 s so far
    e.clock.advance(2_000); // held > 60 s while b waits
    const cut = await fetchRange(a, 'bytes=200-299');
    expect(cut.status).toBe(503);
    expect((await fetchRange(b)).status).toBe(206);
    expect(uploadStats(e.app)?.slots.choked).toBe(1);
  });

  it('rotation mid-response: the holder is cut after the current chunk', async () => {
    // A 64 KiB/s bucket on the manual clock holds the stream still between chunks.
    const e = await setup({ uploadSlots: 1, maxUploadRate: 64 * 1024 });
    const a = await e.open(2);
    const b = await e.open(3);
    a.send(get(path));
    let head = -1;
    await waitFor(() => (head = a.all.indexOf('\r\n\r\n')) >= 0 && a.all.length > head + 4);
    expect((await fetchRange(b)).status).toBe(503);
    e.clock.advance(61_000);
    await a.closedPromise;
    const received = a.all.length - head - 4;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(SIZE);
    // what was sent is the file's prefix: the downloader can resume with Range
    expect(a.all.subarray(head + 4).equals(e.file.data.subarray(0, received))).toBe(true);
    expect((await fetchRange(b, 'bytes=0-9')).status).toBe(206);
    expect(uploadStats(e.app)?.uploads.choked).toBe(1);
  });
});

describe('stalled connections', () => {
  it('silent connections are closed (idleTimeoutMs mid-request, keepAliveTimeoutMs between requests)', async () => {
    const e = await setup({ uploadSlots: 1, idleTimeoutMs: 300, keepAliveTimeoutMs: 300 });
    const a = await e.open(2);
    expect((await fetchRange(a)).status).toBe(206);
    const t0 = performance.now();
    const stalled = await e.open(3);
    stalled.send('GET /get/1/f.bin HTTP/1.1\r\n'); // and never the rest
    await Promise.all([a.closedPromise, stalled.closedPromise]);
    expect(performance.now() - t0).toBeLessThan(3_000);
    const b = await e.open(4);
    expect((await fetchRange(b)).status).toBe(206);
  });
});

describe('shared upload rate limit', () => {
  it('two concurrent downloads share one bucket (coarse, real clock)', async () => {
    const e = await setup({ clock: createSystemClock(), maxUploadRate: 1024 * 1024 });
    const a = await e.open(2);
    const b = await e.open(3);
    const t0 = performance.now();
    const [ra, rb] = await Promise.all([
      fetchRange(a, 'bytes=0-299999'),
      fetchRange(b, 'bytes=300000-599999'),
    ]);
    const elapsed = performance.now() - t0;
    expect(ra.body.equals(e.file.data.subarray(0, 300_000))).toBe(true);
    expect(rb.body.equals(e.file.data.subarray(300_000, 600_000))).toBe(true);
    // 600 kB at 1 MiB/s with a ~100 kB burst: at least ~0.47 s; unlimited takes a few ms
    expect(elapsed).toBeGreaterThan(400);
    expect(elapsed).toBeLessThan(5_000);
  });
});

async function waitFor(pred: () => boolean, ms = 5_000): Promise<void> {
  const until = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > until) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
}
