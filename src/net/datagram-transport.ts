/**
 * A message transport over UDP datagrams for the DHT back-ends (Chord, Kelips): one
 * message per datagram, request/response RPCs with the back-end's own timeouts, so no
 * connection state. Bound to the servent's host and the same port number as its TCP
 * listener (UDP and TCP ports are separate namespaces). The peer id of a datagram is its
 * source "ip:port". Undecodable or oversized datagrams are dropped and counted.
 * IPv4 unicast only: broadcast, multicast, reserved and unspecified destinations are
 * refused (and the socket never enables SO_BROADCAST).
 */
import { isUnicastIpv4 } from '../core/bytes.js';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { ProtocolError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Transport, TransportHandler } from '../routing/types.js';

/** a datagram larger than this is neither sent nor decoded (fits a 1280-byte IPv6 path, too) */
export const DEFAULT_MAX_DATAGRAM = 1200;

export interface DatagramTransportOptions<M> {
  readonly host: string;
  /** 0 = ephemeral (tests) */
  readonly port: number;
  encode(m: M): Buffer;
  decode(b: Buffer): M;
  readonly log: Logger;
  readonly maxDatagram?: number;
  /** the address peers should use when bound to 0.0.0.0 (default: the bound address) */
  readonly advertiseIp?: string;
  /** destinations allowed (default: IPv4 unicast, see isUnicastIpv4) */
  readonly allowAddress?: (ip: string) => boolean;
}

export interface DatagramStats {
  sent: number;
  received: number;
  bytesSent: number;
  bytesReceived: number;
  /** received datagrams that failed to decode or were too large */
  dropped: number;
  /** sends refused: bad or forbidden destination, encoding error, too large */
  refused: number;
  /** socket-level send errors */
  sendErrors: number;
}

export interface DatagramTransport<M> extends Transport<M> {
  readonly address: { readonly ip: string; readonly port: number };
  stats(): Readonly<DatagramStats>;
  close(): Promise<void>;
}

const ADDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;

export async function createDatagramTransport<M>(
  opts: DatagramTransportOptions<M>,
): Promise<DatagramTransport<M>> {
  const max = opts.maxDatagram ?? DEFAULT_MAX_DATAGRAM;
  const allow = opts.allowAddress ?? isUnicastIpv4;
  const log = opts.log;
  const socket: Socket = createSocket({ type: 'udp4', reuseAddr: false });
  const st: DatagramStats = {
    sent: 0,
    received: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dropped: 0,
    refused: 0,
    sendErrors: 0,
  };
  let handler: TransportHandler<M> | undefined;
  let closed = false;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    socket.once('error', onError);
    socket.bind({ address: opts.host, port: opts.port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  socket.on('error', (e) => log.warn({ err: String(e) }, 'datagram socket error'));
  const bound = socket.address();
  const ip = opts.advertiseIp ?? bound.address;
  const address = { ip, port: bound.port };
  const localId = `${ip}:${bound.port}`;

  socket.on('message', (buf: Buffer, rinfo: RemoteInfo) => {
    if (closed) return;
    if (rinfo.family !== 'IPv4' || buf.length > max) {
      st.dropped++;
      return;
    }
    let m: M;
    try {
      m = opts.decode(buf);
    } catch (e) {
      st.dropped++;
      if (!(e instanceof ProtocolError))
        log.warn({ err: String(e) }, 'datagram decoder threw a non-protocol error');
      else
        log.trace({ from: `${rinfo.address}:${rinfo.port}`, code: e.code }, 'undecodable datagram dropped');
      return;
    }
    st.received++;
    st.bytesReceived += buf.length;
    try {
      handler?.message(`${rinfo.address}:${rinfo.port}`, m);
    } catch (e) {
      // a handler bug must not take the socket (and the servent) down
      log.error({ err: String(e) }, 'datagram handler failed');
    }
  });

  return {
    localId,
    address,
    setHandler(h) {
      handler = h;
    },
    send(to, msg) {
      if (closed) return false;
      const m = ADDR_RE.exec(to);
      const destIp = m === null ? '' : `${m[1]}.${m[2]}.${m[3]}.${m[4]}`;
      const port = m === null ? 0 : Number(m[5]);
      if (m === null || port < 1 || port > 65535 || !allow(destIp) || !isUnicastIpv4(destIp)) {
        st.refused++;
        return false;
      }
      let buf: Buffer;
      try {
        buf = opts.encode(msg);
      } catch (e) {
        st.refused++;
        log.debug({ err: String(e) }, 'datagram not encodable');
        return false;
      }
      if (buf.length > max) {
        st.refused++;
        return false;
      }
      st.sent++;
      st.bytesSent += buf.length;
      socket.send(buf, port, destIp, (err) => {
        if (err !== null && err !== undefined) {
          st.sendErrors++;
          log.debug({ to, err: String(err) }, 'datagram send failed');
        }
      });
      return true;
    },
    stats: () => st,
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
