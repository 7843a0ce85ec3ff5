import { createServer, type Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { TransferError } from '../../src/core/errors.js';
import { ProtocolError } from '../../src/core/errors.js';
import {
  HttpClientConnection,
  HttpStatusError,
  parseResponseHead,
} from '../../src/transfer/download/index.js';
import { parseContentRange, type ResponseHeadLimits } from '../../src/transfer/download/http-response.js';
import { tcpConnect } from '../../src/transfer/download/connect.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : 'not-a-protocol-error';
  }
  return undefined;
}

const small: ResponseHeadLimits = { maxLineBytes: 64, maxHeaders: 4, maxHeadBytes: 200 };

describe('parseResponseHead', () => {
  it('parses a 206 head and reports the bytes it used', () => {
    const text =
      'HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nContent-Range: bytes 0-9/100\r\n\r\nBODY';
    const r = parseResponseHead(Buffer.from(text));
    expect(r.kind).toBe('head');
    if (r.kind !== 'head') return;
    expect(r.head).toMatchObject({ version: '1.1', status: 206, reason: 'Partial Content' });
    expect(r.head.headers.get('content-range')).toBe('bytes 0-9/100');
    expect(text.slice(r.consumed)).toBe('BODY');
  });

  it.each([
    ['legacy status line without a version', 'HTTP 200 OK\n\n', 'legacy', 200],
    ['HTTP/1.0 with bare LFs', 'HTTP/1.0 404\nServer: x\n\n', '1.0', 404],
    ['blank lines before the status line', '\r\nHTTP/1.1 503 Busy\r\n\r\n', '1.1', 503],
  ])('accepts %s', (_what, text, version, status) => {
    const r = parseResponseHead(Buffer.from(text));
    expect(r.kind === 'head' && r.head.version).toBe(version);
    expect(r.kind === 'head' && r.head.status).toBe(status);
  });

  it('joins repeated headers and unfolds continuation lines', () => {
    const r = parseResponseHead(
      Buffer.from('HTTP/1.1 200 OK\r\nX-Alt: a\r\nX-Alt: b\r\nX-Long: one\r\n  two\r\n\r\n'),
    );
    expect(r.kind === 'head' && r.head.headers.get('x-alt')).toBe('a, b');
    expect(r.kind === 'head' && r.head.headers.get('x-long')).toBe('one two');
  });

  it('needs more until the blank line, at every split offset', () => {
    const text = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n');
    for (let i = 0; i < text.length; i++)
      expect(parseResponseHead(text.subarray(0, i)).kind).toBe('need-more');
    expect(parseResponseHead(text).kind).toBe('head');
  });

  it.each([
    ['a line over the cap', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(80)}\r\n\r\n`, 'E_HTTP_LINE_TOO_LONG'],
    ['an unterminated line over the cap', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(80)}`, 'E_HTTP_LINE_TOO_LONG'],
    ['too many headers', `HTTP/1.1 200 OK\r\n${'A: b\r\n'.repeat(5)}\r\n`, 'E_HTTP_TOO_MANY_HEADERS'],
    [
      'a head over the cap',
      `HTTP/1.1 200 OK\r\n${`X: ${'a'.repeat(50)}\r\n`.repeat(4)}`,
      'E_HTTP_HEAD_TOO_LARGE',
    ],
    ['a bad status line', 'HTTP/1.1 2xx OK\r\n\r\n', 'E_HTTP_BAD_STATUS'],
    ['not HTTP at all', 'GNUTELLA/0.6 200 OK\r\n\r\n', 'E_HTTP_BAD_STATUS'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n', 'E_HTTP_BAD_HEADER'],
  ])('rejects %s', (_what, text, code) => {
    expect(codeOf(() => parseResponseHead(Buffer.from(text), small))).toBe(code);
  });

  it('exactly at the caps is accepted', () => {
    const line = `X: ${'a'.repeat(61)}`; // 64 bytes
    const r = parseResponseHead(
      Buffer.from(`HTTP/1.1 200 OK\r\n${line}\r\nA: b\r\nC: d\r\nE: f\r\n\r\n`),
      small,
    );
    expect(r.kind).toBe('head');
  });

  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 0-9/100')).toEqual({ start: 0, endInclusive: 9, total: 100 });
    expect(parseContentRange('bytes 5-5/*')).toEqual({ start: 5, endInclusive: 5, total: undefined });
    expect(parseContentRange('bytes=1-2/3')).toEqual({ start: 1, endInclusive: 2, total: 3 });
    expect(parseContentRange('bytes 9-0/100')).toBeUndefined();
    expect(parseContentRange('bytes 0-100/100')).toBeUndefined();
    expect(parseContentRange('bytes */100')).toBeUndefined();
  });
});

describe('HttpClientConnection', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** A server that answers each request with the next canned response. */
  async function canned(responses: string[]): Promise<{ port: number; requests: string[] }> {
    const requests: string[] = [];
    const server = createServer((s: Socket) => {
      s.on('data', (d: Buffer) => {
        requests.push(d.toString('latin1'));
        const next = responses.shift();
        if (next !== undefined) s.write(next);
        else s.end();
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    return { port: (server.address() as { port: number }).port, requests };
  }

  /** A socket stand-in: reads `response` (then EOF when `end`), swallows what we write. */
  function fake(response = '', end = true): Duplex {
    const incoming = new PassThrough();
    if (response !== '') incoming.write(response);
    if (end) incoming.end();
    const sink = new PassThrough();
    sink.resume();
    return Duplex.from({ readable: incoming, writable: sink });
  }

  function client(socket: Duplex, clock = new ManualClock()): HttpClientConnection {
    return new HttpClientConnection(socket, {
      clock,
      hostHeader: '127.0.0.1:1',
      userAgent: 'servent-test',
      firstByteTimeoutMs: 1000,
      idleTimeoutMs: 1000,
      drainBytes: 16,
      maxRetryAfterMs: 3_600_000,
    });
  }

  async function collect(
    c: HttpClientConnection,
    start: number,
    end: number | undefined,
  ): Promise<{ body: Buffer; offsets: number[] }> {
    const parts: Buffer[] = [];
    const offsets: number[] = [];
    await c.fetch(
      { path: '/get/1/a', start, endInclusive: end, urn: 'urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB' },
      () => {},
      async (chunk, off) => {
        parts.push(chunk);
        offsets.push(off);
        return 'more';
      },
    );
    return { body: Buffer.concat(parts), offsets };
  }

  it('sends the request headers and reads two keep-alive answers on one connection', async () => {
    const srv = await canned([
      'HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-4/10\r\nContent-Length: 5\r\n\r\nhello',
      'HTTP/1.1 206 Partial\r\nContent-Range: bytes 5-9/10\r\nContent-Length: 5\r\n\r\nworld',
    ]);
    const c = client(await tcpConnect('127.0.0.1', srv.port));
    expect((await collect(c, 0, 4)).body.toString()).toBe('hello');
    const second = await collect(c, 5, 9);
    expect(second.body.toString()).toBe('world');
    expect(second.offsets[0]).toBe(5);
    expect(c.usable()).toBe(true);
    c.close();
    expect(srv.requests[0]).toBe(
      'GET /get/1/a HTTP/1.1\r\nHost: 127.0.0.1:1\r\nUser-Agent: servent-test\r\nRange: bytes=0-4\r\n' +
        'Connection: Keep-Alive\r\nX-Gnutella-Content-URN: urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB\r\n\r\n',
    );
  });

  it.each([
    ['no Content-Length', 'HTTP/1.1 200 OK\r\n\r\nabc', 'E_HTTP_NO_LENGTH'],
    [
      'chunked encoding',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc',
      'E_HTTP_ENCODING',
    ],
    [
      'a 206 for another range',
      'HTTP/1.1 206 P\r\nContent-Range: bytes 1-3/10\r\nContent-Length: 3\r\n\r\nabc',
      'E_HTTP_BAD_RANGE',
    ],
    [
      'a 206 longer than asked',
      'HTTP/1.1 206 P\r\nContent-Range: bytes 0-9/10\r\nContent-Length: 10\r\n\r\n',
      'E_HTTP_BAD_RANGE',
    ],
    [
      'length and range disagree',
      'HTTP/1.1 206 P\r\nContent-Range: bytes 0-2/10\r\nContent-Length: 2\r\n\r\nab',
      'E_HTTP_BAD_RANGE',
    ],
    [
      'two different lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc',
      'E_HTTP_BAD_LENGTH',
    ],
    ['a 404 as gnutella-bun-client sends it', 'HTTP/1.0 404\r\n\r\n', 'E_HTTP_NOT_FOUND'],
    ['a 416', 'HTTP/1.1 416 Range\r\nContent-Range: bytes */3\r\n\r\n', 'E_HTTP_RANGE_UNSATISFIABLE'],
    ['a 500', 'HTTP/1.1 500 Oops\r\n\r\n', 'E_HTTP_STATUS'],
    ['a close before the head ends', 'HTTP/1.1 200 OK\r\n', 'E_CONN_CLOSED'],
    [
      'a close inside the body',
      'HTTP/1.1 206 P\r\nContent-Range: bytes 0-4/10\r\nContent-Length: 5\r\n\r\nab',
      'E_CONN_CLOSED',
    ],
  ])('fails on %s with %s and closes', async (_what, response, code) => {
    const c = client(fake(response));
    const err = (await collect(c, 0, 4).catch((e: unknown) => e)) as TransferError;
    expect(err.code).toBe(code);
    expect(c.usable()).toBe(false);
  });

  it('a 503 carries Retry-After (seconds, clamped)', async () => {
    const s = fake('HTTP/1.1 503 Busy\r\nRetry-After: 120\r\n\r\n');
    const err = (await collect(client(s), 0, 4).catch((e: unknown) => e)) as HttpStatusError;
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err).toMatchObject({ code: 'E_HTTP_BUSY', status: 503, retryAfterMs: 120_000 });
  });

  it('a 200 answers only a request starting at 0', async () => {
    const s = fake('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
    const err = (await collect(client(s), 1, 2).catch((e: unknown) => e)) as TransferError;
    expect(err.code).toBe('E_HTTP_IGNORED_RANGE');
  });

  it('Connection: close and HTTP/1.0 without keep-alive end reuse', async () => {
    for (const head of ['HTTP/1.1 200 OK\r\nConnection: close', 'HTTP/1.0 200 OK', 'HTTP 200 OK']) {
      const c = client(fake(`${head}\r\nContent-Length: 3\r\n\r\nabc`, false));
      expect((await collect(c, 0, undefined)).body.toString()).toBe('abc');
      expect(c.usable()).toBe(false);
    }
    const c = client(
      fake('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\nabc', false),
    );
    await collect(c, 0, undefined);
    expect(c.usable()).toBe(true);
  });

  it('times out waiting for the head and for body bytes (injected clock)', async () => {
    const clock = new ManualClock();
    const p1 = collect(client(fake('', false), clock), 0, 4).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 1));
    clock.advance(1000);
    expect(((await p1) as TransferError).code).toBe('E_TIMEOUT_FIRST_BYTE');
    const s2 = fake('HTTP/1.1 206 P\r\nContent-Range: bytes 0-4/10\r\nContent-Length: 5\r\n\r\nab', false);
    const p2 = collect(client(s2, clock), 0, 4).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 1));
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 1));
    clock.advance(1);
    expect(((await p2) as TransferError).code).toBe('E_TIMEOUT_IDLE');
  });

  it('stopping early drains a short rest (connection kept) or closes on a long one', async () => {
    // the head and 10 body bytes first, the rest a moment later, so the handler can stop in between
    const mk = (len: number): Duplex => {
      const incoming = new PassThrough();
      incoming.write(
        `HTTP/1.1 206 P\r\nContent-Range: bytes 0-${len - 1}/100\r\nContent-Length: ${len}\r\n\r\n`,
      );
      incoming.write('x'.repeat(10));
      setTimeout(() => incoming.write('y'.repeat(len - 10)), 20);
      const sink = new PassThrough();
      sink.resume();
      return Duplex.from({ readable: incoming, writable: sink });
    };
    for (const [len, keep] of [
      [20, true],
      [60, false],
    ] as const) {
      const c = client(mk(len));
      let got = 0;
      await c.fetch(
        { path: '/x', start: 0, endInclusive: len - 1 },
        () => {},
        async (chunk) => {
          got += chunk.length;
          return 'stop';
        },
      );
      expect(got).toBeGreaterThan(0);
      expect(c.usable()).toBe(keep);
    }
  });

  it('refuses a request path with spaces or line breaks', async () => {
    const c = client(fake('', false));
    const err = (await c
      .fetch(
        { path: '/a b\r\nX: y', start: 0, endInclusive: 1 },
        () => {},
        async () => 'more',
      )
      .catch((e: unknown) => e)) as TransferError;
    expect(err.code).toBe('E_BAD_PATH');
  });
});
