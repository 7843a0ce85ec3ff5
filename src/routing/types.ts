/**
 * The Router seam: every search back-end (flood, chord, kelips, …) implements `Router`.
 * Back-ends are sans-IO. They get `(components, init)`: an injected clock, rng, logger
 * and transport, plus plain configuration. The same code runs over TCP and in the
 * discrete-event simulator.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { Rng } from '../core/rng.js';

/** A file this servent shares, as the routing layer sees it. */
export interface SharedFileInfo {
  /** servent-local file index (what `/get/<index>/<name>` uses) */
  readonly index: number;
  /** file name as advertised in hits (no directory part) */
  readonly name: string;
  readonly size: number;
  /** `urn:sha1:<BASE32>`, upper-case base32; undefined while not hashed yet */
  readonly urn: string | undefined;
  /** lower-case keywords of the name (see share/keywords.ts) */
  readonly keywords: readonly string[];
}

/** Who holds a file and how to reach it for download. */
export interface Holder {
  /** dotted IPv4 */
  readonly ip: string;
  readonly port: number;
  /** 32 lowercase hex chars */
  readonly serventId: string;
  /** true when the holder is firewalled and must be reached by Push → GIV */
  readonly needsPush: boolean;
}

export interface SearchRequest {
  /** space-separated keywords; may be empty when `urn` is given */
  readonly text: string;
  /** `urn:sha1:<BASE32>` to search by hash */
  readonly urn?: string;
  /** flood: TTL of the query; DHT back-ends ignore it */
  readonly ttl?: number;
  /** stop after this many hits */
  readonly maxHits?: number;
}

/** A search result, whatever back-end found it, so that one downloader serves all. */
export interface SearchHit {
  readonly holder: Holder;
  readonly file: {
    readonly index: number;
    readonly name: string;
    readonly size: number;
    readonly urn: string | undefined;
  };
  /** overlay hops between the searcher and the node that answered */
  readonly hops: number;
  /** advertised speed in kb/s, when the back-end knows it */
  readonly speed?: number;
  /** 4-char vendor code, when known */
  readonly vendor?: string;
  readonly backend: string;
}

/** Counters for benches, the simulator and the status API. */
export interface RouterStats {
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** estimated bytes of routing state held by this node */
  readonly stateBytes: number;
  /** back-end specific counters */
  readonly extra?: Readonly<Record<string, number>>;
}

export type SearchEndReason = 'complete' | 'timeout' | 'aborted' | 'limit' | 'failed';

/** Callbacks of the low-level search API (see `Router.startSearch`). */
export interface SearchSink {
  hit(hit: SearchHit): void;
  /** called once, when the back-end will deliver no more hits */
  end(reason: SearchEndReason): void;
}

export interface SearchHandle {
  /** stops the search: no more traffic is sent for it, no more callbacks happen */
  cancel(): void;
}

export interface Router {
  /** 'flood' | 'chord' | 'kelips' … */
  readonly kind: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** make local files findable (flood: answer queries; DHT: publish pointers) */
  publish(files: readonly SharedFileInfo[]): void;
  /**
   * Low-level search: hits are delivered synchronously from the router's message
   * handlers. The simulator uses this (a discrete-event loop never yields to the
   * microtask queue, so async iteration cannot drive it).
   */
  startSearch(q: SearchRequest, sink: SearchSink): SearchHandle;
  /** find remote files; yields hits as they arrive; stops on signal */
  search(q: SearchRequest, signal: AbortSignal): AsyncIterable<SearchHit>;
  stats(): RouterStats;
}

/** Opaque peer identifier: "ip:port" on addressed transports, a link id on link transports. */
export type PeerId = string;

/** Information a link transport gives about a newly opened neighbour link. */
export interface PeerInfo {
  readonly id: PeerId;
  /** the neighbour's listening address, when known */
  readonly address?: { readonly ip: string; readonly port: number };
  readonly userAgent?: string;
  /** the neighbour is an ultrapeer (flood: leaves are not relayed to) */
  readonly ultrapeer?: boolean;
  /** we are this neighbour's leaf: do not relay through it, send our QRP table */
  readonly weAreLeaf?: boolean;
}

export interface TransportHandler<M> {
  message(from: PeerId, msg: M): void;
  /** link transports only: a neighbour link opened */
  peerUp?(peer: PeerInfo): void;
  /** link transports only: a neighbour link closed */
  peerDown?(peer: PeerId): void;
}

/**
 * How a back-end sends and receives its messages. Live: TCP connections (flood) or a
 * message socket (DHTs); in the simulator: an event queue with a latency model.
 */
export interface Transport<M> {
  /** our own identity on this transport ("ip:port" for addressed transports) */
  readonly localId: PeerId;
  /** returns false when the message could not be queued (unknown peer, link full) */
  send(to: PeerId, msg: M): boolean;
  setHandler(handler: TransportHandler<M>): void;
}

/** Injected services every back-end receives. */
export interface RouterComponents<M> {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  readonly transport: Transport<M>;
}
