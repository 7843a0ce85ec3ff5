/**
 * The composition root: the one place that builds and wires everything. It owns real
 * time, real randomness (seeded from crypto unless a seed is given), sockets and files;
 * everything below it receives them as injected components.
 *
 *   listener ─┬─ GNUTELLA CONNECT → connection manager → link transport → Router
 *             ├─ GET / HEAD       → fastify upload app (share library)
 *             └─ GIV              → push broker → waiting download
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Clock } from './core/clock.js';
import { fromHex, toHex } from './core/bytes.js';
import type { Logger } from './core/log.js';
import type { Rng } from './core/rng.js';
import { defaultHandshakeHeaders } from './protocol/handshake-defaults.js';
import type { Push } from './protocol/messages.js';
import type { Duplex } from 'node:stream';
import { ConnectionManager } from './net/connection-manager.js';
import { HostCache, isDialable } from './net/host-cache.js';
import { LinkTransport } from './net/link-transport.js';
import { listen } from './net/listener.js';
import { tcpConnect } from './net/tcp-connect.js';
import type { Listener, ListenerHandlers } from './net/listener.js';
import type { MemoryNetwork } from './net/memory-network.js';
import { createDatagramTransport } from './net/datagram-transport.js';
import type { DatagramTransport } from './net/datagram-transport.js';
import { decodeChordMessage, encodeChordMessage } from './protocol/chord/index.js';
import type { ChordMessage } from './protocol/chord/index.js';
import { createChordRouter } from './routing/chord/index.js';
import { createFloodRouter } from './routing/flood/index.js';
import type { FloodRouter } from './routing/flood/index.js';
import type { ChordInit } from './routing/chord/index.js';
import { createKelipsRouter } from './routing/kelips/index.js';
import type { KelipsInit } from './routing/kelips/index.js';
import { decodeKelipsMessage, encodeKelipsMessage } from './protocol/kelips/index.js';
import type { KelipsMessage } from './protocol/kelips/index.js';
import type { Router, SearchHit, SharedFileInfo } from './routing/types.js';
import { ConfigError } from './core/errors.js';
import { ensureDefaultShare, openShareLibrary } from './share/index.js';
import type { ShareLibrary } from './share/index.js';
import { PushBroker } from './transfer/push-broker.js';
import { buildHttpApp, handOff, serveAfterGiv, uploadStats } from './transfer/index.js';
import type { SlotStats, UploadStats } from './transfer/index.js';

export const SERVENT_NAME = 'servent';
export const SERVENT_VERSION = '0.1.0';
export const USER_AGENT = `${SERVENT_NAME}/${SERVENT_VERSION}`;
/** EQHD vendor code in our QueryHits */
export const VENDOR_CODE = 'SRVT';

export type RoutingKind = 'flood' | 'chord' | 'kelips';

export interface ServentConfig {
  readonly dataDir: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly peers: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** shared folders; empty = `<dataDir>/share` */
  readonly shares: readonly string[];
  /** false: share nothing at all (a search/download client) */
  readonly share: boolean;
  readonly routing: RoutingKind;
  readonly minPeers: number;
  readonly maxPeers: number;
  readonly maxPerIp: number;
  /** TTL of the queries we originate */
  readonly ttl: number;
  /** cap on TTL + hops of relayed queries */
  readonly maxTtl: number;
  readonly leaf: boolean;
  readonly legacy: boolean;
  readonly compress: boolean;
  /** no inbound connections: hits carry the push flag; peers reach us by Push → GIV */
  readonly firewalled: boolean;
  readonly uploadSlots: number;
  readonly maxUploadRate: number | undefined;
  readonly watch: boolean;
  readonly handshakeTimeoutMs: number;
  /** Chord tuning (tests use short periods); see ChordInit */
  readonly chord?: Partial<Omit<ChordInit, 'holder' | 'bootstrap'>>;
  /** Kelips tuning; see KelipsInit */
  readonly kelips?: Partial<Omit<KelipsInit, 'holder' | 'bootstrap'>>;
}

export const DEFAULT_CONFIG: Omit<ServentConfig, 'dataDir'> = {
  listen: { host: '127.0.0.1', port: 6346 },
  peers: [],
  shares: [],
  share: true,
  routing: 'flood',
  minPeers: 2,
  maxPeers: 32,
  maxPerIp: 4,
  ttl: 4,
  maxTtl: 7,
  leaf: false,
  legacy: false,
  compress: true,
  firewalled: false,
  uploadSlots: 4,
  maxUploadRate: undefined,
  watch: true,
  handshakeTimeoutMs: 10_000,
};

export interface ServentDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  /**
   * Run over an in-memory network instead of TCP (tests): the servent registers its
   * listener there and dials through it. `config.listen.port` must then be non-zero.
   */
  readonly network?: MemoryNetwork;
}

export interface Servent {
  readonly config: ServentConfig;
  readonly serventId: Buffer;
  readonly serventIdHex: string;
  /** where peers reach us (advertised in hits and handshakes) */
  address(): { ip: string; port: number };
  readonly library: ShareLibrary;
  readonly router: Router;
  readonly connections: ConnectionManager;
  readonly hostCache: HostCache;
  readonly pushBroker: PushBroker;
  /** send a Push for a hit whose holder is firewalled; false when no route is known */
  requestPush(hit: SearchHit): boolean;
  /** dial a peer now (host cache + connect) */
  connect(host: string, port: number): Promise<boolean>;
  /** opens a raw byte stream to host:port (TCP, or the in-memory network in tests): for downloads */
  dial(host: string, port: number): Promise<Duplex>;
  /** counters of the upload side (slots in use, queue, bytes sent) */
  uploads(): { uploads: UploadStats; slots: SlotStats } | undefined;
  stop(): Promise<void>;
}

/** The servent ID is stable across restarts: kept in the data directory. */
async function loadServentId(dataDir: string, rng: Rng): Promise<Buffer> {
  const file = join(dataDir, 'servent-id');
  try {
    const id = fromHex((await readFile(file, 'utf8')).trim(), 16);
    if (id !== undefined) return id;
  } catch {
    // first start
  }
  const id = rng.bytes(16);
  id[8] = 0xff;
  id[15] = 0x00;
  await writeFile(file, `${toHex(id)}\n`);
  return id;
}

export function seedFromCrypto(): number {
  return randomBytes(4).readUInt32LE(0);
}

function toInfo(files: ReturnType<ShareLibrary['files']>): SharedFileInfo[] {
  return files.map((f) => ({ index: f.index, name: f.name, size: f.size, urn: f.urn, keywords: f.keywords }));
}

export async function startServent(config: ServentConfig, deps: ServentDeps): Promise<Servent> {
  const { clock, rng, log } = deps;
  await mkdir(config.dataDir, { recursive: true });
  const serventId = await loadServentId(config.dataDir, rng);
  const serventIdHex = toHex(serventId);

  let roots: string[];
  if (!config.share) {
    // the library needs a root: an empty folder of our own, never the user's
    roots = [join(config.dataDir, 'nothing-shared')];
    await mkdir(roots[0] as string, { recursive: true });
  } else {
    roots = config.shares.length > 0 ? [...config.shares] : [await ensureDefaultShare(config.dataDir)];
  }
  const library = await openShareLibrary({
    roots,
    dataDir: config.dataDir,
    log: log.child({ c: 'share' }),
    clock,
    watch: config.watch,
  });

  const hostCache = new HostCache({ file: join(config.dataDir, 'hosts.json'), clock });
  await hostCache.load();
  for (const p of config.peers) hostCache.add(p.host, p.port, 'config');

  let listener: Listener | undefined;
  let advertisedIp = config.listen.host === '0.0.0.0' ? '127.0.0.1' : config.listen.host;
  let advertisedPort = config.listen.port;
  const address = (): { ip: string; port: number } => ({ ip: advertisedIp, port: advertisedPort });

  const app = await buildHttpApp({
    library,
    serverName: USER_AGENT,
    uploadSlots: config.uploadSlots,
    ...(config.maxUploadRate !== undefined ? { maxUploadRate: config.maxUploadRate } : {}),
    clock,
    log: log.child({ c: 'http' }),
  });
  const pushBroker = new PushBroker({ clock, log: log.child({ c: 'push' }) });

  /** every outbound byte stream: TCP, or the in-memory network in tests */
  const connectRaw = (host: string, port: number, signal?: AbortSignal): Promise<Duplex> => {
    if (deps.network !== undefined) return deps.network.connect(host, port, advertisedIp);
    return tcpConnect(host, port, signal);
  };

  const transport = new LinkTransport();
  const onPush = (push: Push): void => {
    // Holder side: connect back and offer the file with GIV; the downloader's GET follows.
    if (!isDialable(push.ip, push.port)) return;
    const file = library.byIndex(push.index);
    const name = file?.name ?? 'file';
    connectRaw(push.ip, push.port).then(
      (socket) => void serveAfterGiv(app, socket as Socket, `GIV ${push.index}:${serventIdHex}/${name}\n\n`),
      (e: unknown) => log.debug({ err: String(e) }, 'push connect-back failed'),
    );
  };

  const flood: FloodRouter | undefined =
    config.routing !== 'flood'
      ? undefined
      : createFloodRouter(
          { clock, rng: rng.fork(), log: log.child({ c: 'flood' }), transport },
          {
            serventId,
            advertised: address,
            firewalled: () => config.firewalled,
            vendor: VENDOR_CODE,
            maxTtl: config.maxTtl,
            defaultTtl: config.ttl,
            onPush,
            onHost: (ip: string, port: number) => hostCache.add(ip, port, 'pong'),
          },
        );

  const connections = new ConnectionManager({
    clock,
    rng: rng.fork(),
    log: log.child({ c: 'net' }),
    hostCache,
    transport,
    serventIdHex,
    headers: (remoteIp) =>
      defaultHandshakeHeaders({
        userAgent: USER_AGENT,
        listenIp: advertisedIp,
        listenPort: advertisedPort,
        remoteIp,
        ultrapeer: !config.leaf,
        acceptDeflate: config.compress,
        serventIdHex,
      }),
    // a DHT servent joins a ring, not a Gnutella overlay: it refuses Gnutella links (503)
    minPeers: config.routing === 'flood' ? config.minPeers : 0,
    maxPeers: config.routing === 'flood' ? config.maxPeers : 0,
    maxPerIp: config.maxPerIp,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    legacy: config.legacy,
    leaf: config.leaf,
    compress: config.compress,
    connect: (host, port, signal) => connectRaw(host, port, signal),
  });

  const handlers: ListenerHandlers = {
    gnutella: (s, peeked) => connections.acceptInbound(s, peeked),
    // in-memory streams imitate the parts of net.Socket the HTTP server uses
    http: (s, peeked) => void handOff(app, s as Socket, peeked),
    giv: (s, peeked) => pushBroker.handleGiv(s, peeked),
  };
  let unlistenMemory: (() => void) | undefined;
  if (config.firewalled) {
    // nobody can connect to us; the port in our hits is only informative
  } else if (deps.network !== undefined) {
    unlistenMemory = deps.network.listen({ ip: advertisedIp, port: advertisedPort }, handlers);
  } else {
    listener = await listen({
      host: config.listen.host,
      port: config.listen.port,
      log: log.child({ c: 'listen' }),
      handlers,
    });
    advertisedPort = listener.address.port;
    if (config.listen.host !== '0.0.0.0') advertisedIp = listener.address.host;
  }

  let dht: DatagramTransport<unknown> | undefined;
  let router: Router;
  if (flood !== undefined) {
    router = flood;
  } else {
    // DHT RPCs travel as UDP datagrams on the same port number as the TCP listener
    const datagrams = <M>(
      encode: (m: M) => Buffer,
      decode: (b: Buffer) => M,
    ): Promise<DatagramTransport<M>> =>
      createDatagramTransport<M>({
        host: config.listen.host,
        port: advertisedPort,
        advertiseIp: advertisedIp,
        encode,
        decode,
        log: log.child({ c: 'udp' }),
      });
    const holder = { ip: advertisedIp, port: advertisedPort, serventId: serventIdHex };
    const bootstrap = config.peers.map((p) => `${p.host}:${p.port}`);
    if (config.routing === 'chord') {
      const codec = { idBits: config.chord?.idBits ?? 160 };
      const transport = await datagrams<ChordMessage>(
        (m) => encodeChordMessage(m, codec),
        (b) => decodeChordMessage(b, codec),
      );
      dht = transport as DatagramTransport<unknown>;
      router = createChordRouter(
        { clock, rng: rng.fork(), log: log.child({ c: 'chord' }), transport },
        { holder, bootstrap: bootstrap[0], ...config.chord },
      );
    } else if (config.routing === 'kelips') {
      const transport = await datagrams<KelipsMessage>(encodeKelipsMessage, decodeKelipsMessage);
      dht = transport as DatagramTransport<unknown>;
      router = createKelipsRouter(
        { clock, rng: rng.fork(), log: log.child({ c: 'kelips' }), transport },
        { holder, bootstrap, ...config.kelips },
      );
    } else {
      throw new ConfigError('E_ROUTING', `--routing ${config.routing as string} is not available`);
    }
  }

  await router.start();
  router.publish(toInfo(library.files()));
  const offChange = library.onChange(() => router.publish(toInfo(library.files())));
  connections.start();

  let stopped = false;
  return {
    config,
    serventId,
    serventIdHex,
    address,
    library,
    router,
    connections,
    hostCache,
    pushBroker,
    // DHT hits point at holders directly; Push needs the Gnutella overlay's reverse paths
    requestPush: (hit) => flood?.sendPush(hit, address()) ?? false,
    connect: async (host, port) => {
      hostCache.add(host, port, 'config');
      return (await connections.dial(host, port)) !== undefined;
    },
    dial: (host, port) => connectRaw(host, port),
    uploads: () => uploadStats(app),
    async stop() {
      if (stopped) return;
      stopped = true;
      offChange();
      await connections.stop();
      await router.stop();
      await dht?.close();
      unlistenMemory?.();
      await listener?.close();
      await app.close();
      await library.close();
      await hostCache.save().catch((e: unknown) => log.warn({ err: String(e) }, 'could not save host cache'));
    },
  };
}
