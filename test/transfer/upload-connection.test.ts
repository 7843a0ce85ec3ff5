import { createServer, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import {
  buildHttpApp,
  formatGivLine,
  handOff,
  serveAfterGiv,
  verifyIndexedFile,
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

let share: TempShare;
let app: FastifyInstance;
let srv: Listener;
let file: ReturnType<typeof addFile>;
const path = '/get/1/data.bin';

beforeAll(async () => {
  share = makeTempShare();
  file = addFile(share.root, 1, 'data.bin', bytes(2_000_000, 11));
  app = await buildHttpApp({
    library: fakeLibrary([file]),
    serverName: 'servent/test',
    clock: createSystemClock(),
    log: silentLogger,
    verify: verifyIndexedFile,
    chunkBytes: 64 * 1024,
  });
  srv = await listen(app);
});

afterAll(async () => {
  await srv.close();
  await app.close();
  share.cleanup();
});

describe('connections handed to the app', () => {
  it('HTTP/1.1 keep-alive: several range requests on one socket', async () => {
    const c = await RawClient.open(srv.port);
    for (const [a, b] of [
      [0, 1_048_575],
      [1_500_000, 1_999_999],
      [1_048_576, 1_499_999],
    ] as const) {
      c.send(get(path, [`Range: bytes=${a}-${b}`, 'Connection: Keep-Alive']));
      const r = await c.read();
      expect(r.status).toBe(206);
      expect(r.headers['content-range']).toBe(`bytes ${a}-${b}/2000000`);
      expect(r.body.equals(file.data.subarray(a, b + 1))).toBe(true);
    }
    expect(c.closed).toBe(false);
    c.close();
  });

  it('pipelined requests are answered in order', async () => {
    const c = await RawClient.open(srv.port);
    c.send(
      get(path, ['Range: bytes=0-9']) +
        get(path, ['Range: bytes=10-19'], 'HEAD') +
        get(path, ['Range: bytes=-5']),
    );
    const r1 = await c.read();
    const r2 = await c.read({ head: true });
    const r3 = await c.read();
    expect(r1.body.equals(file.data.subarray(0, 10))).toBe(true);
    expect(r2.headers['content-range']).toBe('bytes 10-19/2000000');
    expect(r3.body.equals(file.data.subarray(1_999_995))).toBe(true);
    c.close();
  });

  it('HTTP/1.0 without Keep-Alive: one response, then close', async () => {
    const c = await RawClient.open(srv.port);
    c.send(get(path, ['Range: bytes=0-99'], 'GET', '1.0'));
    const r = await c.read();
    expect(r.status).toBe(206);
    expect(r.headers['connection']?.toLowerCase()).toBe('close');
    await c.closedPromise;
  });

  it('HTTP/1.0 with Connection: Keep-Alive keeps the connection', async () => {
    const c = await RawClient.open(srv.port);
    for (let i = 0; i < 3; i++) {
      c.send(get(path, [`Range: bytes=${i * 100}-${i * 100 + 99}`, 'Connection: Keep-Alive'], 'GET', '1.0'));
      const r = await c.read();
      expect(r.status).toBe(206);
      expect(r.body.equals(file.data.subarray(i * 100, i * 100 + 100))).toBe(true);
    }
    expect(c.closed).toBe(false);
    c.close();
  });

  it('Connection: close on 1.1 closes after the body', async () => {
    const c = await RawClient.open(srv.port);
    c.send(get(path, ['Range: bytes=0-9', 'Connection: close']));
    expect((await c.read()).status).toBe(206);
    await c.closedPromise;
  });

  it('gnutella-bun-client request: 206 for bytes=0- with canonical header names', async () => {
    const c = await RawClient.open(srv.port);
    c.send(
      'GET /uri-res/N2R?' +
        file.urn +
        ' HTTP/1.1\r\nUser-Agent: Gnutella\r\nHost: 127.0.0.1:6346\r\nConnection: Keep-Alive\r\nRange: bytes=0-\r\n\r\n',
    );
    const r = await c.read();
    expect(r.status).toBe(206);
    expect(r.body.length).toBe(2_000_000);
    const names = r.rawHeaders.map((h) => h.slice(0, h.indexOf(':')));
    for (const n of ['Server', 'Content-Type', 'Content-Length', 'Content-Range', 'X-Gnutella-Content-URN']) {
      expect(names).toContain(n);
    }
    c.close();
  });

  it('handOff replays bytes the listener already read (split inside the request line)', async () => {
    const ownSrv = await listen(app, 7); // hands off after at least 7 bytes: 'GET /ge'
    const c = await RawClient.open(ownSrv.port);
    const req = get(path, ['Range: bytes=5-14']);
    c.send(req.slice(0, 7));
    await new Promise((r) => setTimeout(r, 20));
    c.send(req.slice(7));
    const r = await c.read();
    expect(r.body.equals(file.data.subarray(5, 15))).toBe(true);
    c.close();
    await ownSrv.close();
  });

  it('serveAfterGiv: writes GIV LF LF, then serves the GETs that come back', async () => {
    // The downloader is the TCP server here; we (the holder) connect to it.
    const done = new Promise<{ giv: string; body: Buffer; second: number }>((resolve, reject) => {
      const dl = createServer((sock: Socket) => {
        let buf = Buffer.alloc(0);
        let stage = 0;
        let giv = '';
        let first: Buffer = Buffer.alloc(0);
        sock.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (stage === 0) {
            const end = buf.indexOf('\n\n');
            if (end < 0) return;
            giv = buf.subarray(0, end + 2).toString('latin1');
            buf = buf.subarray(end + 2);
            stage = 1;
            sock.write(get(path, ['Range: bytes=0-999']));
          }
          const he = buf.indexOf('\r\n\r\n');
          if (stage === 1 && he >= 0 && buf.length >= he + 4 + 1000) {
            first = Buffer.from(buf.subarray(he + 4, he + 4 + 1000));
            buf = buf.subarray(he + 4 + 1000);
            stage = 2;
            sock.write(get('/get/9/none'));
          } else if (stage === 2 && he >= 0) {
            const status = Number(buf.subarray(0, he).toString('latin1').split(' ')[1]);
            sock.destroy();
            dl.close();
            resolve({ giv, body: first, second: status });
          }
        });
        sock.on('error', reject);
      });
      dl.listen(0, '127.0.0.1', () => {
        const addr = dl.address();
        if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
        const s = new Socket();
        s.connect(addr.port, '127.0.0.1', () => {
          void serveAfterGiv(app, s, formatGivLine(1, 'F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF', 'data.bin'));
        });
      });
    });
    const { giv, body, second } = await done;
    expect(giv).toBe('GIV 1:f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff/data.bin\n\n');
    expect(body.equals(file.data.subarray(0, 1000))).toBe(true);
    expect(second).toBe(404);
  });

  it('a header block over 16 KiB is refused by the HTTP parser (431) and the connection closed', async () => {
    const c = await RawClient.open(srv.port);
    c.send(get(path, [`X-Junk: ${'a'.repeat(20_000)}`]));
    await c.closedPromise;
    expect(c.all.toString('latin1')).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('a request target over 4096 characters is 404 without a lookup', async () => {
    const c = await RawClient.open(srv.port);
    c.send(get('/get/1/' + 'a'.repeat(4100)));
    expect((await c.read()).status).toBe(404);
    c.send(get(`/uri-res/N2R?${file.urn}&${'b'.repeat(4100)}`));
    expect((await c.read()).status).toBe(404);
    c.close();
  });

  it('formatGivLine: the §8.5 vector, and refuses bad input', () => {
    expect(formatGivLine(1, 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'Help.mp3')).toBe(
      'GIV 1:f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff/Help.mp3\n\n',
    );
    expect(Buffer.byteLength(formatGivLine(1, 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'Help.mp3'))).toBe(49);
    expect(formatGivLine(2, '00'.repeat(16), 'a\r\nb')).toBe(`GIV 2:${'00'.repeat(16)}/a%0D%0Ab\n\n`);
    expect(() => formatGivLine(-1, '00'.repeat(16), 'x')).toThrow();
    expect(() => formatGivLine(1, 'zz', 'x')).toThrow();
  });

  it('serveAfterGiv refuses a malformed GIV line', async () => {
    const s = new Socket();
    await expect(serveAfterGiv(app, s, 'GIV x\n\n')).rejects.toThrow();
    await expect(serveAfterGiv(app, s, 'GIV 1:' + '0'.repeat(32) + '/a\r\nX: y\n\n')).rejects.toThrow();
  });

  it('handOff waits for app.ready()', async () => {
    const a = await buildHttpApp({
      library: fakeLibrary([file]),
      serverName: 's',
      clock: createSystemClock(),
      log: silentLogger,
      verify: verifyIndexedFile,
    });
    const own = createServer((s) => void handOff(a, s));
    await new Promise<void>((r) => own.listen(0, '127.0.0.1', r));
    const addr = own.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    const c = await RawClient.open(addr.port);
    c.send(get(path, ['Range: bytes=0-0']));
    expect((await c.read()).body.equals(file.data.subarray(0, 1))).toBe(true);
    c.close();
    await a.close();
    own.close();
  });
});
