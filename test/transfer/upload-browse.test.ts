import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { buildHttpApp, verifyIndexedFile } from '../../src/transfer/index.js';
import { bytes, fakeLibrary, get, listen, RawClient, type Listener } from './upload-fixture.js';

// Stand-ins for encoded QueryHit descriptors: the app streams whatever the source yields.
const frames = [bytes(23 + 100, 1), bytes(23 + 4000, 2), bytes(23 + 70_000, 3)];
const all = Buffer.concat(frames);

let app: FastifyInstance;
let srv: Listener;

beforeAll(async () => {
  app = await buildHttpApp({
    library: fakeLibrary([]),
    serverName: 'servent/test',
    clock: createSystemClock(),
    log: silentLogger,
    verify: verifyIndexedFile,
    browse: async function* () {
      for (const f of frames) yield f;
    },
  });
  srv = await listen(app);
});

afterAll(async () => {
  await srv.close();
  await app.close();
});

describe('browse host (GET /)', () => {
  it('streams the descriptors, close-delimited, with the browse headers', async () => {
    const c = await RawClient.open(srv.port);
    c.send(get('/', ['Accept: application/x-gnutella-packets']));
    await c.closedPromise;
    const end = c.all.indexOf('\r\n\r\n');
    const head = c.all.subarray(0, end).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toContain('Content-Type: application/x-gnutella-packets');
    expect(head).toContain('X-Features: browse/1.0');
    expect(head).not.toMatch(/content-length|transfer-encoding/i);
    expect(c.all.subarray(end + 4).equals(all)).toBe(true);
  });

  it('deflates when asked (zlib stream)', async () => {
    const c = await RawClient.open(srv.port);
    c.send(get('/', ['Accept: text/html, application/x-gnutella-packets', 'Accept-Encoding: deflate']));
    await c.closedPromise;
    const end = c.all.indexOf('\r\n\r\n');
    expect(c.all.subarray(0, end).toString('latin1')).toContain('Content-Encoding: deflate');
    expect(inflateSync(c.all.subarray(end + 4)).equals(all)).toBe(true);
  });

  it('406 without the Accept, 404 when browsing is off', async () => {
    expect((await app.inject({ url: '/' })).statusCode).toBe(406);
    expect((await app.inject({ url: '/', headers: { accept: 'text/html' } })).statusCode).toBe(406);
    const off = await buildHttpApp({
      library: fakeLibrary([]),
      serverName: 's',
      clock: createSystemClock(),
      log: silentLogger,
    });
    const r = await off.inject({ url: '/', headers: { accept: 'application/x-gnutella-packets' } });
    expect(r.statusCode).toBe(404);
    await off.close();
  });

  it('HEAD: headers only', async () => {
    const r = await app.inject({
      method: 'HEAD',
      url: '/',
      headers: { accept: 'application/x-gnutella-packets' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-gnutella-packets');
    expect(r.rawPayload.length).toBe(0);
  });
});
