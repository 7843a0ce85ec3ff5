/**
 * Public contract of the Kelips back-end: configuration (`KelipsInit`, every field
 * optional but `holder`; defaults and their reasons in config.ts and docs/LIMITS.md), the
 * extra operations the simulator and tests use (`KelipsRouter`), and lookup results.
 */
import type { KelipsMessage, KelipsTuple, MemberEntry } from '../../protocol/kelips/messages.js';
import type { Router, RouterComponents, SharedFileInfo } from '../types.js';

export type { KelipsTuple, MemberEntry };

/** Entries per gossip message, by kind (each further bounded by `gossipBytes`). */
export interface KelipsRations {
  /** to a member of our group: members of our group */
  readonly members: number;
  /** to a member of our group: contacts (nodes of other groups) */
  readonly contacts: number;
  /** to a member of our group: file tuples */
  readonly tuples: number;
  /** to a contact: members of our group (candidate contacts for it) */
  readonly foreignMembers: number;
  /** to a contact: other contacts we know (its own group's first) */
  readonly foreignContacts: number;
}

export interface KelipsInit {
  /** who we are in published tuples (the servent's download address and ID) */
  readonly holder: { readonly ip: string; readonly port: number; readonly serventId: string };
  /** "ip:port" of overlay members to join through (the servent's --peer); none starts a new overlay */
  readonly bootstrap?: string | readonly string[] | undefined;
  /**
   * the overlay size the group count is chosen for: k = round(√expectedNodes). Used only
   * when `groups` is not given and the node starts a new overlay: a joining node adopts
   * the k of the overlay it joins. Default 1024 (k = 32).
   */
  readonly expectedNodes?: number;
  /** the group count k itself (1 … 65535); every node of an overlay must use the same */
  readonly groups?: number;
  /** contacts kept per foreign group, c (default 2) */
  readonly contactsPerGroup?: number;
  /** gossip period (default 2000 ms, the paper's) */
  readonly roundMs?: number;
  /** size bound of a gossip message (default 272 bytes, the paper's) */
  readonly gossipBytes?: number;
  /** gossip messages per round (default 6, the paper's) … */
  readonly gossipTargets?: number;
  /** … of which to contacts in foreign groups (default 3, the paper's) */
  readonly foreignTargets?: number;
  readonly rations?: Partial<KelipsRations>;
  /** times a changed entry is gossiped as "fresh" before it counts as old (default 4) */
  readonly freshSends?: number;
  /** gossip targets are drawn ∝ 1/rtt^r (default r = 2, spatial gossip) */
  readonly rttExponent?: number;
  /** RTT assumed for a peer never measured (default 100 ms) */
  readonly defaultRttMs?: number;
  /** a view member whose heartbeat has not risen for this long is dropped (default: config.ts) */
  readonly memberTimeoutMs?: number;
  /** the same for contacts (default: config.ts) */
  readonly contactTimeoutMs?: number;
  /** a tuple not refreshed for this long is dropped (default 30 min) */
  readonly tupleTimeoutMs?: number;
  /** our own tuples are announced again this often (default 10 min) */
  readonly republishMs?: number;
  /** expired entries are swept this often (default 2 rounds) */
  readonly sweepMs?: number;
  /** an RPC not answered within this per step it may take (a LOOKUP with ttl t: 1 + t steps) counts as failed (default 1000 ms) */
  readonly rpcTimeoutMs?: number;
  /** requests one lookup may send before it fails (default 4, the paper's tries) */
  readonly lookupTries?: number;
  /** random-walk steps a group member with no match may take inside the group (default 1) */
  readonly walkTtl?: number;
  /** contacts a relay forwards a searcher's LOOKUP to (default 2) */
  readonly relayFanout?: number;
  /** tries of one STORE batch before it waits for the next round (default 3) */
  readonly storeTries?: number;
  /** a search ends after this (default 10 s) */
  readonly searchTimeoutMs?: number;
  /** tuples asked for per lookup (default 32) */
  readonly maxResults?: number;
  /** candidate contacts probed per round for a possible lower-RTT replacement (default 1) */
  readonly probesPerRound?: number;
  /** contacts pinged per round, the one heard from longest ago first (default 1) */
  readonly refreshPerRound?: number;
  /** join retry period while no introducer answers (default 5 s) */
  readonly joinRetryMs?: number;
  /** snapshot parts fetched from one node at join (default 64) */
  readonly maxSnapshotParts?: number;
  /** view entries kept at most (default max(64, 4 × expected group size)) */
  readonly maxView?: number;
  /** tuples stored at most (default 100,000) and per key (default 1,000) */
  readonly maxTuples?: number;
  readonly maxTuplesPerKey?: number;
  /** our own tuples announced at most (default 50,000) and keys per file (default 16) */
  readonly maxPublished?: number;
  readonly maxKeysPerFile?: number;
  /** datagram cap for everything but gossip (default 1200) */
  readonly maxDatagram?: number;
  /** lookups forwarded and answers sent to a third party, per second (default 100) */
  readonly relayPerSec?: number;
  /** searches running at once; more end at once with 'failed' (default 64) */
  readonly maxActiveSearches?: number;
  /** gossip at all (default true; the simulator turns it off for bare-lookup experiments) */
  readonly gossip?: boolean;
  /** report our own files in our searches (default false) */
  readonly includeOwnFiles?: boolean;
}

/** Outcome of a bare lookup (`KelipsRouter.lookup`). */
export interface KelipsLookupResult {
  /** a member of the key's group answered */
  readonly ok: boolean;
  /** lookup requests sent up to the answer (tries and forwards on the answering path) */
  readonly rpcs: number;
  /** requests that timed out */
  readonly timeouts: number;
  readonly tuples: readonly KelipsTuple[];
}

export interface KelipsRouter extends Router {
  readonly kind: 'kelips';
  /** number of groups k (0 while a joining node has not learnt it yet) */
  readonly groups: number;
  /** our group (−1 while k is unknown) */
  readonly group: number;
  readonly address: string;
  /** group of a node address or of a file key */
  groupOf(text: string): number;
  /** fixes k before start (the simulator does this when the scenario does not) */
  setGroups(k: number): void;
  /** turn gossip rounds on or off */
  setGossip(on: boolean): void;
  /** installs membership directly (own group → view, others → contacts up to c per group) */
  installMembers(entries: readonly MemberEntry[]): void;
  /** installs tuples directly (those of other groups are ignored); returns how many were stored */
  installTuples(tuples: readonly KelipsTuple[]): number;
  /** the tuples `publish(files)` announces */
  tuplesFor(files: readonly SharedFileInfo[]): KelipsTuple[];
  /** takes `files` as ours without announcing them now (their tuples were installed) */
  adopt(files: readonly SharedFileInfo[]): void;
  /** a bare lookup of the tuples filed under `key`, filtered by `words` */
  lookup(key: string, words: readonly string[], cb: (r: KelipsLookupResult) => void): { cancel(): void };
  viewSize(): number;
  contactCount(): number;
  tupleCount(): number;
  /** addresses in our view, and of our contacts */
  viewAddresses(): string[];
  contactAddresses(): string[];
}

export type KelipsComponents = RouterComponents<KelipsMessage>;
