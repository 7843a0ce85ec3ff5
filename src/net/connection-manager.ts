/**
 * Keeps the servent between `minPeers` and `maxPeers` Gnutella connections: accepts
 * inbound handshakes (503 + X-Try when full), dials candidates from the host cache, and
 * turns each completed handshake into a `Connection` attached to the link transport.
 *
 * It dials only hosts the user configured (`--peer`) or the overlay told us about
 * (pongs, X-Try): the host cache holds nothing else.
 */
import type { Duplex } from 'node:stream';
import type { Clock, TimerHandle } from '../core/clock.js';
import { parseHostPort } from '../core/bytes.js';
import type { Logger } from '../core/log.js';
import type { Rng } from '../core/rng.js';
import { ClientHandshake } from '../protocol/handshake-client.js';
import { HandshakeHeaders } from '../protocol/handshake-headers.js';
import type { HandshakeDone, HandshakeReply } from '../protocol/handshake-machine.js';
import type { HandshakeBlock } from '../protocol/handshake-parse.js';
import { ServerHandshake } from '../protocol/handshake-server.js';
import { Connection } from './connection.js';
import type { ConnectionInfo } from './connection.js';
import { runHandshake } from './handshake-phase.js';
import { tcpConnect } from './tcp-connect.js';
import type { HostCache } from './host-cache.js';
import type { LinkTransport } from './link-transport.js';
import type { SendQueueLimits } from './send-queue.js';

export type Connector = (host: string, port: number, signal: AbortSignal) => Promise<Duplex>;

export interface ConnectionManagerOptions {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  readonly hostCache: HostCache;
  readonly transport: LinkTransport;
  /** headers of our hello / accepting reply, given the remote address */
  readonly headers: (remoteIp: string) => HandshakeHeaders;
  /** our servent ID as 32 hex chars (to refuse connections to ourselves) */
  readonly serventIdHex: string;
  readonly minPeers?: number;
  readonly maxPeers?: number;
  /** connections per remote IP (default 4) */
  readonly maxPerIp?: number;
  readonly handshakeTimeoutMs?: number;
  /** dial with 0.4 */
  readonly legacy?: boolean;
  /** accept inbound 0.4 (default true) */
  readonly accept04?: boolean;
  /** run as a leaf: accept and keep only ultrapeers */
  readonly leaf?: boolean;
  /** deflate what we send when the peer can inflate (default true) */
  readonly compress?: boolean;
  readonly connect?: Connector;
  readonly sendQueue?: SendQueueLimits;
  readonly idlePingMs?: number;
  readonly deadAfterMs?: number;
  /** how often to top up connections (default 5 s) */
  readonly maintainEveryMs?: number;
  /** inbound handshakes in progress at once (default 64); more are closed at once */
  readonly maxHandshakes?: number;
  /** called with our address as a peer sees it (Remote-IP) */
  readonly onRemoteIp?: (ip: string) => void;
}

function headerBool(h: HandshakeHeaders, name: string): boolean {
  return h.get(name)?.trim().toLowerCase() === 'true';
}

function listenAddress(h: HandshakeHeaders): { ip: string; port: number } | undefined {
  for (const name of ['Listen-IP', 'X-My-Address', 'Node']) {
    const v = h.get(name);
    if (v === undefined) continue;
    const hp = parseHostPort(v.split(',')[0] ?? '');
    if (hp !== undefined) return { ip: hp.host, port: hp.port };
  }
  return undefined;
}

export class ConnectionManager {
  private readonly conns = new Map<string, Connection>();
  /** inbound handshakes in progress, oldest first */
  private readonly handshaking = new Set<Duplex>();
  /** half-open inbound handshakes closed to make room for newer ones */
  refusedHandshakes = 0;
  private readonly dialing = new Set<string>();
  private nextId = 1;
  private timer: TimerHandle | undefined;
  private readonly abort = new AbortController();
  private running = false;
  readonly o: Required<
    Pick<
      ConnectionManagerOptions,
      | 'minPeers'
      | 'maxPeers'
      | 'maxPerIp'
      | 'handshakeTimeoutMs'
      | 'legacy'
      | 'accept04'
      | 'leaf'
      | 'compress'
      | 'maintainEveryMs'
      | 'maxHandshakes'
    >
  >;

  constructor(private readonly opts: ConnectionManagerOptions) {
    this.o = {
      minPeers: opts.minPeers ?? 2,
      maxPeers: opts.maxPeers ?? 32,
      maxPerIp: opts.maxPerIp ?? 4,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      legacy: opts.legacy ?? false,
      accept04: opts.accept04 ?? true,
      leaf: opts.leaf ?? false,
      compress: opts.compress ?? true,
      maintainEveryMs: opts.maintainEveryMs ?? 5_000,
      maxHandshakes: opts.maxHandshakes ?? 64,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = (): void => {
      if (!this.running) return;
      this.maintain();
      this.timer = this.opts.clock.setTimeout(tick, this.o.maintainEveryMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    if (!this.running && this.conns.size === 0) return;
    this.running = false;
    this.opts.clock.clearTimeout(this.timer);
    this.abort.abort();
    await Promise.all([...this.conns.values()].map((c) => c.close(200, 'Servent shutdown')));
  }

  list(): Connection[] {
    return [...this.conns.values()];
  }

  get count(): number {
    return this.conns.size;
  }

  /** inbound handshakes not yet completed */
  get handshakesInProgress(): number {
    return this.handshaking.size;
  }

  /** Dials until `minPeers` connections are open (or attempts are under way). */
  maintain(): void {
    if (!this.running) return;
    const want = this.o.minPeers - this.conns.size - this.dialing.size;
    if (want <= 0) return;
    const exclude = new Set<string>([...this.dialing]);
    for (const c of this.conns.values()) {
      if (c.info.listen !== undefined) exclude.add(`${c.info.listen.ip}:${c.info.listen.port}`);
    }
    for (const h of this.opts.hostCache.candidates(exclude).slice(0, want)) {
      void this.dial(h.host, h.port);
    }
  }

  /** Dials one host now. Resolves to the connection, or undefined when it failed. */
  async dial(host: string, port: number): Promise<Connection | undefined> {
    const key = `${host}:${port}`;
    if (this.dialing.has(key)) return undefined;
    this.dialing.add(key);
    this.opts.hostCache.markTried(host, port);
    const log = this.opts.log.child({ dial: key });
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.handshakeTimeoutMs)]);
      const socket = await (this.opts.connect ?? tcpConnect)(host, port, signal);
      const machine = new ClientHandshake({
        headers: this.opts.headers(host),
        legacy: this.o.legacy,
        allow04Reply: true,
        leaf: this.o.leaf,
        compressOutbound: this.o.compress,
        decideFinal: (reply) => this.decideFinal(reply),
      });
      const outcome = await runHandshake(socket, machine, {
        clock: this.opts.clock,
        timeoutMs: this.o.handshakeTimeoutMs,
        first: machine.start(),
      });
      if (!outcome.ok) {
        for (const t of outcome.failure.xTry) this.opts.hostCache.add(t.host, t.port, 'x-try');
        log.info({ code: outcome.failure.code, reason: outcome.failure.reason }, 'handshake refused');
        this.opts.hostCache.markFailed(host, port);
        socket.destroy();
        return undefined;
      }
      this.opts.hostCache.markGood(host, port);
      return this.open(socket, outcome.done, 'out', { ip: host, port }, { ip: host, port });
    } catch (e) {
      log.debug({ err: (e as Error).message }, 'dial failed');
      this.opts.hostCache.markFailed(host, port);
      return undefined;
    } finally {
      this.dialing.delete(key);
    }
  }

  /** An inbound connection that started with `GNUTELLA CONNECT`. */
  acceptInbound(socket: Duplex & { remoteAddress?: string; remotePort?: number }, peeked: Buffer): void {
    const ip = (socket.remoteAddress ?? '0.0.0.0').replace(/^::ffff:/, '');
    const port = socket.remotePort ?? 0;
    if (!this.running) {
      socket.destroy();
      return;
    }
    if (this.handshaking.size >= this.o.maxHandshakes) {
      // slowloris bound: the oldest half-open handshake makes room for the newcomer, so
      // idle connections cannot pile up and cannot lock well-behaved peers out either
      const oldest = this.handshaking.values().next().value as Duplex;
      this.handshaking.delete(oldest);
      this.refusedHandshakes++;
      oldest.destroy();
    }
    this.handshaking.add(socket);
    const machine = new ServerHandshake({
      accept04: this.o.accept04,
      compressOutbound: this.o.compress,
      decide: (hello) => this.decideInbound(hello, ip),
    });
    void runHandshake(socket, machine, {
      clock: this.opts.clock,
      timeoutMs: this.o.handshakeTimeoutMs,
      peeked,
    }).then((outcome) => {
      this.handshaking.delete(socket);
      if (!outcome.ok) {
        this.opts.log.debug({ remote: ip, reason: outcome.failure.reason }, 'inbound handshake failed');
        // let a refusal reach the peer before closing
        socket.end();
        this.opts.clock.setTimeout(() => socket.destroy(), 1000);
        return;
      }
      if (this.conns.size >= this.o.maxPeers) {
        socket.destroy();
        return;
      }
      this.open(socket, outcome.done, 'in', { ip, port }, listenAddress(outcome.done.remoteHeaders));
    });
  }

  private decideInbound(hello: HandshakeBlock, ip: string): HandshakeReply {
    const h = hello.headers;
    const ours = this.opts.headers(ip);
    const withXTry = (base: HandshakeHeaders): HandshakeHeaders => {
      const hosts = this.opts.hostCache
        .sample(10)
        .map((e) => `${e.host}:${e.port}`)
        .join(', ');
      const out = HandshakeHeaders.from(base);
      return hosts.length > 0 ? out.append('X-Try-Ultrapeers', hosts) : out;
    };
    if (h.get('GUID')?.toLowerCase() === this.opts.serventIdHex) {
      return { code: 409, reason: 'Connected to self', headers: [] };
    }
    if (this.conns.size >= this.o.maxPeers) {
      return { code: 503, reason: 'Too many connections', headers: withXTry(ours) };
    }
    const perIp = [...this.conns.values()].filter((c) => c.info.remote.ip === ip).length;
    if (perIp >= this.o.maxPerIp) {
      return {
        code: 409,
        reason: 'Too many connections from this address',
        headers: withXTry(new HandshakeHeaders()),
      };
    }
    if (this.o.leaf && !headerBool(h, 'X-Ultrapeer')) {
      return { code: 503, reason: 'Shielded leaf node', headers: withXTry(ours) };
    }
    return { code: 200, reason: 'OK', headers: ours };
  }

  private decideFinal(reply: HandshakeBlock): HandshakeReply {
    const h = reply.headers;
    if (h.get('GUID')?.toLowerCase() === this.opts.serventIdHex) {
      return { code: 409, reason: 'Connected to self', headers: [] };
    }
    if (this.o.leaf && !headerBool(h, 'X-Ultrapeer')) {
      return { code: 503, reason: 'I am a leaf', headers: [] };
    }
    return { code: 200, reason: 'OK', headers: [] };
  }

  private open(
    socket: Duplex,
    done: HandshakeDone,
    direction: 'in' | 'out',
    remote: { ip: string; port: number },
    listen: { ip: string; port: number } | undefined,
  ): Connection | undefined {
    if (!this.running) {
      socket.destroy();
      return undefined;
    }
    const rh = done.remoteHeaders;
    const remoteIp = rh.get('Remote-IP')?.trim();
    if (remoteIp !== undefined && remoteIp !== '') this.opts.onRemoteIp?.(remoteIp);
    // only ultrapeers are worth dialing later; a leaf's address would only be refused
    if (listen !== undefined && headerBool(rh, 'X-Ultrapeer'))
      this.opts.hostCache.add(listen.ip, listen.port, 'peer');
    const info: ConnectionInfo = {
      id: `c${this.nextId++}`,
      direction,
      remote,
      ...(listen !== undefined ? { listen } : {}),
      userAgent: rh.get('User-Agent') ?? rh.get('Server') ?? '',
      version: done.version,
      remoteUltrapeer: headerBool(rh, 'X-Ultrapeer'),
      weAreLeaf: done.weAreLeaf,
      compressIn: done.compressIn,
      compressOut: done.compressOut,
      byeCapable: rh.get('Bye-Packet') !== undefined,
      ggepCapable: rh.get('GGEP') !== undefined,
    };
    const conn = new Connection({
      socket,
      info,
      leftover: done.rest,
      clock: this.opts.clock,
      rng: this.opts.rng,
      log: this.opts.log,
      ...(this.opts.sendQueue !== undefined ? { sendQueue: this.opts.sendQueue } : {}),
      ...(this.opts.idlePingMs !== undefined ? { idlePingMs: this.opts.idlePingMs } : {}),
      ...(this.opts.deadAfterMs !== undefined ? { deadAfterMs: this.opts.deadAfterMs } : {}),
    });
    this.conns.set(info.id, conn);
    this.opts.log.info(
      {
        peer: info.id,
        direction,
        remote: `${remote.ip}:${remote.port}`,
        ua: info.userAgent,
        v: info.version,
      },
      'connected',
    );
    this.opts.transport.attach(conn);
    conn.start({
      message: (c, m) => this.opts.transport.deliver(c, m),
      closed: (c, reason) => {
        this.conns.delete(c.info.id);
        this.opts.transport.detach(c);
        this.opts.log.info({ peer: c.info.id, reason }, 'disconnected');
        if (this.running) this.maintain();
      },
    });
    return conn;
  }
}
