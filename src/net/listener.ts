/**
 * The servent's one TCP port. Real servents serve Gnutella handshakes, HTTP file
 * transfer and GIV callbacks on the same port (a downloader connects to the IP:port
 * printed in a QueryHit), so the listener reads the first bytes and hands the socket on.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/log.js';

export type FirstBytesKind = 'gnutella' | 'http' | 'giv' | 'unknown' | 'need-more';

const PREFIXES: ReadonlyArray<readonly [string, Exclude<FirstBytesKind, 'unknown' | 'need-more'>]> = [
  ['GNUTELLA CONNECT/', 'gnutella'],
  ['GET ', 'http'],
  ['HEAD ', 'http'],
  ['GIV ', 'giv'],
];

/** Longest prefix we need to see before deciding. */
export const MAX_PREFIX = Math.max(...PREFIXES.map(([p]) => p.length));

/** Classifies the first bytes of an inbound connection. */
export function classifyFirstBytes(buf: Buffer): FirstBytesKind {
  let couldMatch = false;
  for (const [prefix, kind] of PREFIXES) {
    const n = Math.min(prefix.length, buf.length);
    if (buf.toString('latin1', 0, n) !== prefix.slice(0, n)) continue;
    if (buf.length >= prefix.length) return kind;
    couldMatch = true;
  }
  return couldMatch ? 'need-more' : 'unknown';
}

export interface ListenerHandlers {
  gnutella(socket: Duplex, peeked: Buffer): void;
  http(socket: Duplex, peeked: Buffer): void;
  giv(socket: Duplex, peeked: Buffer): void;
}

export interface DispatchOptions {
  /** close a connection that has not said what it is within this time (default 10 s) */
  firstBytesTimeoutMs?: number;
  log: Logger;
  handlers: ListenerHandlers;
}

/**
 * Reads the first bytes of an inbound stream (TCP or in-memory), then hands it to the
 * matching handler with the bytes read so far; anything else, or silence, is closed.
 * `onDecided` runs once, when the stream was handed on or closed.
 */
export function dispatchByFirstBytes(socket: Duplex, opts: DispatchOptions, onDecided?: () => void): void {
  const timeoutMs = opts.firstBytesTimeoutMs ?? 10_000;
  let buf: Buffer = Buffer.alloc(0);
  let decided = false;
  const finish = (): void => {
    if (decided) return;
    decided = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', finish);
    onDecided?.();
  };
  const timer = setTimeout(() => {
    finish();
    opts.log.debug('no greeting in time; closing');
    socket.destroy();
  }, timeoutMs);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const kind = classifyFirstBytes(buf);
    if (kind === 'need-more') return;
    finish();
    socket.pause();
    if (kind === 'unknown') {
      opts.log.debug({ first: buf.subarray(0, 16).toString('hex') }, 'unknown greeting');
      socket.destroy();
      return;
    }
    opts.handlers[kind](socket, buf);
  };
  socket.on('error', () => {});
  socket.on('data', onData);
  socket.once('close', finish);
}

export interface ListenerOptions extends DispatchOptions {
  host: string;
  port: number;
  /** concurrent connections still being classified (default 256): slowloris bound */
  maxPending?: number;
}

export interface Listener {
  readonly address: { host: string; port: number };
  readonly server: net.Server;
  close(): Promise<void>;
}

export async function listen(opts: ListenerOptions): Promise<Listener> {
  const maxPending = opts.maxPending ?? 256;
  let pending = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (pending >= maxPending) {
      socket.destroy();
      return;
    }
    pending++;
    dispatchByFirstBytes(socket, opts, () => pending--);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  return {
    address: { host: addr.address, port: addr.port },
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
