/**
 * An in-process network of byte streams: servents "listen" on an address in the
 * registry and "connect" by getting one end of an in-memory duplex pair whose other end
 * is dispatched to the listener exactly like a TCP socket. The whole stack above the
 * socket (handshake, framing, compression, HTTP) runs unchanged.
 */
import { Duplex } from 'node:stream';
import type { Logger } from '../core/log.js';
import { dispatchByFirstBytes } from './listener.js';
import type { ListenerHandlers } from './listener.js';

/** The parts of `net.Socket` that the HTTP server and our code use, on an in-memory stream. */
export type MemorySocket = Duplex & {
  remoteAddress: string;
  remotePort: number;
  setTimeout(ms: number, cb?: () => void): MemorySocket;
  setNoDelay(): MemorySocket;
  setKeepAlive(): MemorySocket;
};

/** Two connected in-memory sockets; what one writes, the other reads. */
export function memorySocketPair(
  a: { ip: string; port: number },
  b: { ip: string; port: number },
): [MemorySocket, MemorySocket] {
  const ends: { left?: MemorySocket; right?: MemorySocket } = {};
  const make = (peer: () => MemorySocket | undefined, remote: { ip: string; port: number }): MemorySocket => {
    const d = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const p = peer();
        if (p !== undefined && !p.destroyed) p.push(chunk);
        cb();
      },
      final(cb) {
        peer()?.push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (p !== undefined && !p.destroyed) p.destroy();
        cb(err);
      },
    }) as MemorySocket;
    d.remoteAddress = remote.ip;
    d.remotePort = remote.port;
    // idle timeouts are the HTTP server's business on TCP; an in-memory stream has none
    d.setTimeout = () => d;
    d.setNoDelay = () => d;
    d.setKeepAlive = () => d;
    return d;
  };
  const left = make(() => ends.right, b);
  const right = make(() => ends.left, a);
  ends.left = left;
  ends.right = right;
  return [left, right];
}

export class MemoryNetwork {
  private readonly listeners = new Map<string, ListenerHandlers>();
  private nextEphemeral = 40_000;

  constructor(private readonly log: Logger) {}

  listen(address: { ip: string; port: number }, handlers: ListenerHandlers): () => void {
    const key = `${address.ip}:${address.port}`;
    this.listeners.set(key, handlers);
    return () => {
      if (this.listeners.get(key) === handlers) this.listeners.delete(key);
    };
  }

  /** Connects to a registered address; rejects like ECONNREFUSED when nobody listens. */
  connect(host: string, port: number, from = '127.0.0.1'): Promise<MemorySocket> {
    const handlers = this.listeners.get(`${host}:${port}`);
    if (handlers === undefined) return Promise.reject(new Error(`connect ECONNREFUSED ${host}:${port}`));
    const [client, server] = memorySocketPair({ ip: from, port: this.nextEphemeral++ }, { ip: host, port });
    dispatchByFirstBytes(server, { log: this.log, handlers });
    return Promise.resolve(client);
  }
}
