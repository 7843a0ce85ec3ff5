/**
 * Configuration of the flooding back-end. Every field is optional except the identity
 * (`serventId`, `advertised`). Defaults live in `FLOOD_DEFAULTS` and are read at use
 * sites (`init.x ?? FLOOD_DEFAULTS.x`), so a router holds no copy of its configuration:
 * the simulator runs 10^6 of them.
 */
import type { Push } from '../../protocol/messages.js';
import type { PeerId, Router, SearchHit } from '../types.js';

export interface FloodInit {
  /** 16 bytes: our servent ID (QueryHit trailer; Pushes addressed to it are ours) */
  readonly serventId: Uint8Array;
  /** the address printed in our QueryHits and Pongs */
  advertised(): { readonly ip: string; readonly port: number };
  /** we cannot accept connections: EQHD push flag set, query firewalled bit set (default false) */
  firewalled?(): boolean;
  /** every upload slot is taken: EQHD busy flag (default false) */
  busy?(): boolean;
  /** a Push addressed to our servent ID arrived: connect back and send GIV */
  onPush?(push: Push, from: PeerId): void;
  /** a Pong told us about a host (for the host cache) */
  onHost?(ip: string, port: number): void;
  /** 4-char EQHD vendor code (default 'SRVT') */
  readonly vendor?: string;
  /** advertised speed in kb/s (default 1000) */
  readonly speedKbps?: number;
  /**
   * 'ultrapeer' relays (default); 'leaf' never relays. A router is also in leaf mode
   * while any link says `weAreLeaf`.
   */
  readonly role?: 'ultrapeer' | 'leaf';
  /** cap on TTL + hops of relayed Pings and Queries (default 7) */
  readonly maxTtl?: number;
  /** TTL of the Queries we originate (default 4: what the deployed network uses) */
  readonly defaultTtl?: number;
  /**
   * Relay Pings with TTL > 1 to every other link, classic 0.4 style (default true: the
   * flooding back-end models classic Gnutella, and the simulator's flood runs measure
   * exactly that). Pings are answered from the pong cache either way; set false for the
   * modern behaviour, where only the pong cache answers and nothing is relayed.
   */
  readonly floodPings?: boolean;
  /** TTL of the Pings `ping()` sends (default: defaultTtl) */
  readonly pingTtl?: number;
  /** send `ping()` periodically (default 0: off; the composition root decides) */
  readonly pingIntervalMs?: number;
  /** a link's Pings closer together than this are dropped (default 1000, the 0.6 rule) */
  readonly pingMinIntervalMs?: number;
  /** Pongs remembered per link, answers to our own Pings (default 10) */
  readonly pongsPerLink?: number;
  /** cached Pongs sent with our own Pong in answer to a Ping (default 10) */
  readonly pongsPerAnswer?: number;
  /** (GUID, type) entries remembered (default 100,000) */
  readonly seenMaxEntries?: number;
  /** age after which a (GUID, type) entry and its reverse route are forgotten (default 600,000) */
  readonly seenMaxAgeMs?: number;
  /** servent ID → link routes for Pushes (default 10,000) */
  readonly pushRouteMaxEntries?: number;
  /** age of a Push route (default 600,000 ms) */
  readonly pushRouteMaxAgeMs?: number;
  /** a search ends with 'timeout' after this (default 30,000 ms) */
  readonly searchTimeoutMs?: number;
  /** searches running at once; more end at once with 'failed' (default 64) */
  readonly maxActiveSearches?: number;
  /** hits one search delivers at most, whatever its maxHits (default 1,000) */
  readonly maxHitsPerSearch?: number;
  /** results we return for one Query (default 100) */
  readonly maxResultsPerQuery?: number;
  /** results per QueryHit message (default 16) */
  readonly maxResultsPerHit?: number;
  /** payload bytes per QueryHit message we build, at least one result each (default 4,096) */
  readonly maxHitBytes?: number;
  /** log2 of the QRP table we send as a leaf (default 16: 65,536 slots, what LimeWire expects) */
  readonly qrpTableBits?: number;
}

export const FLOOD_DEFAULTS = Object.freeze({
  vendor: 'SRVT',
  speedKbps: 1000,
  maxTtl: 7,
  defaultTtl: 4,
  floodPings: true,
  pingIntervalMs: 0,
  pingMinIntervalMs: 1000,
  pongsPerLink: 10,
  pongsPerAnswer: 10,
  seenMaxEntries: 100_000,
  seenMaxAgeMs: 600_000,
  pushRouteMaxEntries: 10_000,
  pushRouteMaxAgeMs: 600_000,
  searchTimeoutMs: 30_000,
  maxActiveSearches: 64,
  maxHitsPerSearch: 1000,
  maxResultsPerQuery: 100,
  maxResultsPerHit: 16,
  maxHitBytes: 4096,
  qrpTableBits: 16,
});

/** Descriptors with a TTL above this are dropped whatever our maxTtl (wire §7.2). */
export const HARD_TTL_LIMIT = 15;

/** What the flooding back-end adds to the Router seam. */
export interface FloodRouter extends Router {
  readonly kind: 'flood';
  /**
   * Originates a Push toward the holder of `hit`, along the link its QueryHit came in
   * on. False when no route is known (or the link is gone).
   */
  sendPush(hit: SearchHit, requester: { readonly ip: string; readonly port: number }): boolean;
  /** Sends a fresh Ping to every link (refreshes the pong cache); returns links reached. */
  ping(): number;
}
