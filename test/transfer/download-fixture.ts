/**
 * Shared set-up for the download tests: a scriptable HTTP source on 127.0.0.1 (Range,
 * keep-alive, and misbehaviour on demand: cut the connection, answer 503, lie, throttle,
 * cap the first answer), temp folders, and a few helpers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger, type Logger } from '../../src/core/log.js';
import { startDownload } from '../../src/transfer/download/index.js';
import type { DownloadOptions, DownloadSource } from '../../src/transfer/download/index.js';
import { sha1Urn as urnOfDigest } from '../../src/share/base32.js';

export function urnOf(data: Buffer): string {
  return urnOfDigest(createHash('sha1').update(data).digest());
}

/** Deterministic pseudo-random content (seeded), so failures reproduce. */
export function content(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function tempDir(prefix = 'servent-dl-'): { dir: string; cleanup(): void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

export interface SourceBehaviour {
  /** destroy the connection after this many body bytes in total (once, then behave) */
  cutAfter?: number;
  /** answer 503 with this Retry-After (seconds) to the first `busyTimes` requests */
  busy?: { retryAfterS?: number; times: number };
  /** rewrite body bytes (offset = file offset of buf[0]) */
  lie?: (buf: Buffer, offset: number) => Buffer;
  /** wait before the response head */
  headDelayMs?: number;
  /** throttle: write `chunk` bytes, then wait `everyMs` */
  throttle?: { chunk: number; everyMs: number };
  /** the first answer on each connection is capped to this many bytes (gtk-gnutella: 512 KiB) */
  firstCap?: number;
  /** every answer is capped to this many bytes */
  cap?: number;
  /** answer 200 with the whole file whatever the Range */
  ignoreRange?: boolean;
  /** X-Gnutella-Content-URN sent with answers */
  urn?: string;
  /** status line override, e.g. 'HTTP 200 OK' */
  statusLine?: string;
  /** close the connection after each answer */
  close?: boolean;
  /** after the cut, refuse every further connection (the source is gone) */
  dieAfterCut?: boolean;
  /** answer every request with `HTTP/1.0 404` and no headers (as gnutella-bun-client does) */
  notFound?: boolean;
}

export interface SeenRequest {
  path: string;
  range: string | undefined;
  headers: Record<string, string>;
  at: number;
}

/** A minimal servent-like HTTP uploader for one file. */
export class FakeSource {
  readonly requests: SeenRequest[] = [];
  bodyBytesSent = 0;
  connections = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private cutDone = false;
  private busyLeft: number;
  port = 0;
  onRequest: ((r: SeenRequest) => void) | undefined;

  constructor(
    readonly data: Buffer,
    readonly behaviour: SourceBehaviour = {},
  ) {
    this.busyLeft = behaviour.busy?.times ?? 0;
  }

  async start(): Promise<this> {
    this.server = createServer((s) => this.serve(s));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    return this;
  }

  /** A direct source naming this server. */
  source(path = '/get/1/file.bin'): DownloadSource {
    return { kind: 'direct', host: '127.0.0.1', port: this.port, path };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Serves HTTP on a socket (also used on a socket we dialled after a GIV). */
  serve(socket: Socket): void {
    this.connections++;
    if (this.cutDone && this.behaviour.dieAfterCut === true) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let first = true;
    let busy = false;
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      void pump();
    };
    const pump = async (): Promise<void> => {
      if (busy) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      buf = buf.subarray(end + 4);
      busy = true;
      try {
        await this.answer(socket, head, first);
      } finally {
        first = false;
        busy = false;
      }
      if (!socket.destroyed) void pump();
    };
    socket.on('data', onData);
  }

  private async answer(socket: Socket, head: string, first: boolean): Promise<void> {
    const [reqLine, ...lines] = head.split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const path = (reqLine ?? '').split(' ')[1] ?? '';
    this.requests.push({ path, range: headers.range, headers, at: Date.now() });
    this.onRequest?.(this.requests[this.requests.length - 1] as SeenRequest);
    const b = this.behaviour;
    if (b.headDelayMs !== undefined) await sleep(b.headDelayMs);
    if (socket.destroyed) return;
    if (this.busyLeft > 0) {
      this.busyLeft--;
      const ra = b.busy?.retryAfterS !== undefined ? `Retry-After: ${b.busy.retryAfterS}\r\n` : '';
      socket.end(`HTTP/1.1 503 Busy\r\n${ra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    if (b.notFound === true) {
      socket.end('HTTP/1.0 404 Not Found\r\n\r\n');
      return;
    }
    const size = this.data.length;
    let start = 0;
    let end = size - 1;
    let partial = false;
    const m = /^bytes=(\d+)-(\d*)$/.exec(headers.range ?? '');
    if (m !== null && b.ignoreRange !== true) {
      start = Number(m[1]);
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (start >= size || end < start) {
        socket.write(
          `HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */${size}\r\nContent-Length: 0\r\n\r\n`,
        );
        return;
      }
      if (first && b.firstCap !== undefined) end = Math.min(end, start + b.firstCap - 1);
      if (b.cap !== undefined) end = Math.min(end, start + b.cap - 1);
      partial = !(start === 0 && end === size - 1);
    }
    const len = end - start + 1;
    const status = b.statusLine ?? (partial ? 'HTTP/1.1 206 Partial Content' : 'HTTP/1.1 200 OK');
    const hdr = [
      status,
      'Server: FakeSource',
      'Content-Type: application/binary',
      `Content-Length: ${len}`,
      ...(partial ? [`Content-Range: bytes ${start}-${end}/${size}`] : []),
      ...(b.urn !== undefined ? [`X-Gnutella-Content-URN: ${b.urn}`] : []),
      ...(b.close === true ? ['Connection: close'] : []),
    ].join('\r\n');
    socket.write(`${hdr}\r\n\r\n`);
    let body = this.data.subarray(start, end + 1);
    if (b.lie) body = b.lie(Buffer.from(body), start);
    let sent = 0;
    const step = b.throttle?.chunk ?? 64 * 1024;
    while (sent < body.length) {
      if (socket.destroyed) return;
      let n = Math.min(step, body.length - sent);
      if (b.cutAfter !== undefined && !this.cutDone) {
        const allowed = b.cutAfter - this.bodyBytesSent;
        if (allowed <= 0 || n >= allowed) {
          if (allowed > 0) {
            socket.write(body.subarray(sent, sent + allowed));
            this.bodyBytesSent += allowed;
          }
          this.cutDone = true;
          await sleep(5);
          socket.destroy();
          return;
        }
        n = Math.min(n, allowed);
      }
      const ok = socket.write(body.subarray(sent, sent + n));
      sent += n;
      this.bodyBytesSent += n;
      if (b.throttle !== undefined) await sleep(b.throttle.everyMs);
      else if (!ok) await new Promise<void>((r) => socket.once('drain', r));
    }
    if (b.close === true) socket.end();
  }
}

/** A logger that keeps every record (objects merged with their message) for assertions. */
export function captureLogger(): Logger & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const rec =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      records.push(typeof obj === 'string' ? { level, msg: obj } : { level, ...obj, msg });
    };
  const log: Logger & { records: Record<string, unknown>[] } = {
    records,
    trace: rec('trace'),
    debug: rec('debug'),
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    child: () => log,
  };
  return log;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Download options with real time, a silent logger and small segments for small test files. */
export function testOptions(
  over: Partial<DownloadOptions> & Pick<DownloadOptions, 'sources' | 'outDir'>,
): DownloadOptions {
  return {
    name: 'file.bin',
    clock: createSystemClock(),
    log: silentLogger,
    ...over,
    limits: {
      segmentBytes: 64 * 1024,
      minSegmentBytes: 16 * 1024,
      checkpointBytes: 32 * 1024,
      checkpointMs: 50,
      backoffBaseMs: 50,
      busyRetryMs: 200,
      ...over.limits,
    },
  };
}

export { startDownload, randomBytes };
