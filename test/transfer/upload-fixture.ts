/**
 * Shared set-up for the upload tests: a temporary share (plus a secret file outside it),
 * a fake library over it, a listener that hands sockets to the app like the servent's
 * one port does, and a small raw HTTP client that reads responses by Content-Length.
 */
import { mkdtempSync, realpathSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { handOff } from '../../src/transfer/index.js';
import type { UploadFile, UploadLibrary } from '../../src/transfer/index.js';

export const SECRET_MARKER = 'SECRET-MARKER-7f3a9c-DO-NOT-SERVE';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function sha1Urn(data: Buffer): string {
  const digest = createHash('sha1').update(data).digest();
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of digest) {
    buffer = ((buffer << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >>> bits) & 31];
    }
  }
  return `urn:sha1:${out}`;
}

export interface TempShare {
  /** real path of the temp dir */
  base: string;
  /** real path of the share root */
  root: string;
  /** real path of the secret file outside the share */
  secret: string;
  cleanup(): void;
}

export function makeTempShare(): TempShare {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'servent-upload-')));
  const root = join(base, 'share');
  mkdirSync(root);
  const secret = join(base, 'secret.txt');
  writeFileSync(secret, `${SECRET_MARKER}\n`.repeat(4));
  return { base, root, secret, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** Writes `data` at `root/name` and returns its library entry. */
export function addFile(
  root: string,
  index: number,
  name: string,
  data: Buffer,
  opts: { hashed?: boolean } = {},
): UploadFile & { data: Buffer } {
  const path = join(root, name);
  writeFileSync(path, data);
  const st = statSync(path);
  return {
    index,
    name,
    size: st.size,
    urn: opts.hashed === false ? undefined : sha1Urn(data),
    path: realpathSync(path),
    root,
    mtimeMs: st.mtimeMs,
    data,
  };
}

export function fakeLibrary(files: readonly UploadFile[]): UploadLibrary {
  return {
    byIndex: (i) => files.find((f) => f.index === i),
    byUrn: (u) => files.find((f) => f.urn !== undefined && f.urn.toUpperCase() === u.toUpperCase()),
  };
}

/** Pseudo-random but reproducible bytes. */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

export interface Listener {
  port: number;
  close(): Promise<void>;
}

/**
 * A loopback listener that peeks at the first chunk and hands the socket to the app,
 * as the servent's listener does. `peekBytes` hands off after at least that many bytes.
 */
export async function listen(app: FastifyInstance, peekBytes = 1): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      if (seen.length < peekBytes) return;
      socket.off('data', onData);
      socket.pause();
      void handOff(app, socket, seen);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return {
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  status: number;
  statusLine: string;
  /** lower-case names */
  headers: Record<string, string>;
  /** header lines as received (case preserved) */
  rawHeaders: string[];
  body: Buffer;
}

/** A raw HTTP/1.x client on one socket; reads responses by Content-Length. */
export class RawClient {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  /** every byte received, for leak checks */
  all = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.all = Buffer.concat([this.all, c]);
      this.waiter?.();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        this.waiter?.();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static open(port: number, localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', ...(localAddress !== undefined ? { localAddress } : {}) });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  private async until(pred: () => boolean): Promise<void> {
    while (!pred()) {
      if (this.closed) throw new Error(`connection closed (${this.buf.length} bytes pending)`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  /** Reads one response; `head` = it answers a HEAD (no body whatever Content-Length says). */
  async read(opts: { head?: boolean } = {}): Promise<RawResponse> {
    let end = -1;
    await this.until(() => (end = this.buf.indexOf('\r\n\r\n')) >= 0);
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const statusLine = lines[0] ?? '';
    const headers: Record<string, string> = {};
    const rawHeaders = lines.slice(1);
    for (const l of rawHeaders) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = opts.head === true ? 0 : Number(headers['content-length'] ?? '0');
    const start = end + 4;
    await this.until(() => this.buf.length >= start + len);
    const body = Buffer.from(this.buf.subarray(start, start + len));
    this.buf = this.buf.subarray(start + len);
    return { status: Number(statusLine.split(' ')[1]), statusLine, headers, rawHeaders, body };
  }

  /** Waits for the server to close, returning every byte that came after the last read. */
  async rest(): Promise<Buffer> {
    await this.closedPromise;
    return this.buf;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `GET <target> HTTP/1.1` with Host and extra header lines. */
export function get(target: string, extra: string[] = [], method = 'GET', version = '1.1'): string {
  return [`${method} ${target} HTTP/${version}`, 'Host: 127.0.0.1', ...extra, '', ''].join('\r\n');
}
