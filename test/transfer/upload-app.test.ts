import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { buildHttpApp, verifyIndexedFile } from '../../src/transfer/index.js';
import { addFile, bytes, fakeLibrary, makeTempShare, type TempShare } from './upload-fixture.js';

let share: TempShare;
let app: FastifyInstance;
let big: ReturnType<typeof addFile>;
let small: ReturnType<typeof addFile>;
let empty: ReturnType<typeof addFile>;
let unhashed: ReturnType<typeof addFile>;
let accented: ReturnType<typeof addFile>;

beforeAll(async () => {
  share = makeTempShare();
  big = addFile(share.root, 1, 'big file #1.bin', bytes(300_000, 7));
  small = addFile(share.root, 2, 'small.txt', Buffer.from('hello, gnutella\n'));
  empty = addFile(share.root, 3, 'empty.dat', Buffer.alloc(0));
  unhashed = addFile(share.root, 4, 'fresh.bin', bytes(1000, 3), { hashed: false });
  // NFC "é" on disk; a request may spell it decomposed (NFD)
  accented = addFile(share.root, 5, 'caf\u00e9.txt', Buffer.from('coffee'));
  app = await buildHttpApp({
    library: fakeLibrary([big, small, empty, unhashed, accented]),
    serverName: 'servent/test',
    clock: createSystemClock(),
    log: silentLogger,
    verify: verifyIndexedFile,
    uploadSlots: 64,
  });
});

afterAll(async () => {
  await app.close();
  share.cleanup();
});

// Every inject comes from its own address, so the one-slot-per-IP rule stays out of the way.
let nextIp = 1;
function inject(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET') {
  return app.inject({ method, url, headers, remoteAddress: `10.1.${nextIp >> 8}.${nextIp++ & 255}` });
}

describe('GET /get/<index>/<name>', () => {
  it('200 with the whole file and the Gnutella headers', async () => {
    const r = await inject('/get/1/big%20file%20%231.bin');
    expect(r.statusCode).toBe(200);
    expect(r.rawPayload.equals(big.data)).toBe(true);
    expect(r.headers['content-length']).toBe(String(big.size));
    expect(r.headers['content-type']).toBe('application/binary');
    expect(r.headers['x-gnutella-content-urn']).toBe(big.urn);
    expect(r.headers['x-content-urn']).toBe(big.urn);
    expect(r.headers['server']).toBe('servent/test');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['last-modified']).toBe(new Date(big.mtimeMs).toUTCString());
    expect(r.headers['content-range']).toBeUndefined();
  });

  it('accepts the 0.4 trailing slash', async () => {
    const r = await inject('/get/2/small.txt/');
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('hello, gnutella\n');
  });

  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=1000-', 1000, 299_999],
    ['bytes=-512', 299_488, 299_999],
    ['bytes=299990-400000', 299_990, 299_999],
    ['bytes=0-299999', 0, 299_999],
    ['bytes=10-19,100-199', 10, 19],
  ])('Range %s → 206 %i-%i', async (range, start, end) => {
    const r = await inject('/get/1/big%20file%20%231.bin', { range });
    expect(r.statusCode).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/${big.size}`);
    expect(r.headers['content-length']).toBe(String(end - start + 1));
    expect(r.rawPayload.equals(big.data.subarray(start, end + 1))).toBe(true);
  });

  it.each(['bytes=300000-', 'bytes=5-1', 'bytes=x-y', 'bytes=-0', 'lines=1-2'])(
    'Range %s → 416 with bytes */size',
    async (range) => {
      const r = await inject('/get/1/big%20file%20%231.bin', { range });
      expect(r.statusCode).toBe(416);
      expect(r.headers['content-range']).toBe(`bytes */${big.size}`);
      expect(r.headers['content-length']).toBe('0');
      expect(r.rawPayload.length).toBe(0);
    },
  );

  it('zero-length file: 200 empty without Range, 416 with one', async () => {
    const r = await inject('/get/3/empty.dat');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    const r2 = await inject('/get/3/empty.dat', { range: 'bytes=0-' });
    expect(r2.statusCode).toBe(416);
    expect(r2.headers['content-range']).toBe('bytes */0');
  });

  it('no URN headers for a file not hashed yet', async () => {
    const r = await inject('/get/4/fresh.bin');
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-gnutella-content-urn']).toBeUndefined();
    expect(r.rawPayload.equals(unhashed.data)).toBe(true);
  });

  it('the name must match the index (exactly or after NFC)', async () => {
    expect((await inject('/get/2/other.txt')).statusCode).toBe(404);
    expect((await inject('/get/2/SMALL.TXT')).statusCode).toBe(404);
    expect((await inject('/get/1/small.txt')).statusCode).toBe(404);
    expect((await inject('/get/5/caf%C3%A9.txt')).statusCode).toBe(200);
    expect((await inject('/get/5/cafe%CC%81.txt')).statusCode).toBe(200); // NFD spelling
    expect((await inject('/get/99/small.txt')).statusCode).toBe(404);
  });

  it('unknown index → 404 with Content-Length 0', async () => {
    const r = await inject('/get/4294967295/x');
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-length']).toBe('0');
    expect((await inject('/get/4294967296/x')).statusCode).toBe(404);
  });
});

describe('GET /uri-res/N2R', () => {
  it('serves by urn:sha1, base32 in any case', async () => {
    const urn = big.urn ?? '';
    const r = await inject(`/uri-res/N2R?${urn}`, { range: 'bytes=0-1048575' });
    expect(r.statusCode).toBe(206);
    expect(r.rawPayload.equals(big.data)).toBe(true);
    const lower = `/uri-res/N2R?urn:sha1:${urn.slice(9).toLowerCase()}`;
    expect((await inject(lower)).statusCode).toBe(200);
    expect((await inject(`/uri-res/N2R?${encodeURIComponent(urn)}`)).statusCode).toBe(200);
  });

  it('downconverts urn:bitprint', async () => {
    const r = await inject(`/uri-res/N2R?urn:bitprint:${(small.urn ?? '').slice(9)}.${'A'.repeat(39)}`);
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('hello, gnutella\n');
  });

  it('unknown or malformed urn → 404 with Content-Length 0', async () => {
    for (const q of [
      'urn:sha1:' + 'A'.repeat(32),
      'urn:sha1:ABC',
      'urn:md5:x',
      '',
      'urn:sha1:' + '1'.repeat(32),
    ]) {
      const r = await inject(`/uri-res/N2R?${q}`);
      expect(r.statusCode).toBe(404);
      expect(r.headers['content-length']).toBe('0');
    }
    expect((await inject('/uri-res/N2R')).statusCode).toBe(404);
  });
});

describe('HEAD and other methods', () => {
  it('HEAD: the GET headers, no body', async () => {
    const r = await inject('/get/1/big%20file%20%231.bin', {}, 'HEAD');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-length']).toBe(String(big.size));
    expect(r.rawPayload.length).toBe(0);
    const r2 = await inject(`/uri-res/N2R?${big.urn}`, { range: 'bytes=-10' }, 'HEAD');
    expect(r2.statusCode).toBe(206);
    expect(r2.headers['content-range']).toBe(`bytes 299990-299999/${big.size}`);
  });

  it('anything else is 404, other methods are refused', async () => {
    expect((await inject('/')).statusCode).toBe(404);
    expect((await inject('/index.html')).statusCode).toBe(404);
    expect((await inject('/get/1')).statusCode).toBe(404);
    expect((await inject('/get/1/big%20file%20%231.bin', {}, 'POST')).statusCode).toBe(404);
  });
});

describe('verification', () => {
  it('a file that changed since indexing is refused', async () => {
    const lib = fakeLibrary([{ ...small, size: small.size + 1 }]);
    const a = await buildHttpApp({
      library: lib,
      serverName: 's',
      clock: createSystemClock(),
      log: silentLogger,
      verify: verifyIndexedFile,
    });
    const r = await a.inject({ url: '/get/2/small.txt' });
    expect(r.statusCode).toBe(404);
    await a.close();
  });

  it('the default verifier (share library) refuses files it did not hand out', async () => {
    const a = await buildHttpApp({
      library: fakeLibrary([small]),
      serverName: 's',
      clock: createSystemClock(),
      log: silentLogger,
    });
    expect((await a.inject({ url: '/get/2/small.txt' })).statusCode).toBe(404);
    await a.close();
  });
});
