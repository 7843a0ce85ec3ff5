/**
 * Public contract of the Chord back-end: configuration (`ChordInit`, every field optional
 * but `holder`, defaults in `resolveChordConfig`), the extra operations the simulator
 * and tests use (`ChordRouter`), and lookup results.
 */
import type { ChordMessage, NodeRef } from '../../protocol/chord/messages.js';
import type { Router, RouterComponents } from '../types.js';
import type { IdSpace } from './id.js';

export type { NodeRef };

export interface ChordInit {
  /** who we are in published pointers (the servent's download address and ID) */
  readonly holder: { readonly ip: string; readonly port: number; readonly serventId: string };
  /** "ip:port" of any ring member to join through; undefined starts a new ring */
  readonly bootstrap?: string | undefined;
  /** identifier width m (default 160) */
  readonly idBits?: number;
  /** ring positions hosted by this router (default 1, at most 64) */
  readonly virtualNodes?: number;
  /** size the successor list is chosen for: r = 2·⌈log2 expectedNodes⌉ (default 1024 → 20) */
  readonly expectedNodes?: number;
  /** successor-list length r (overrides expectedNodes; 1 … 40) */
  readonly successors?: number;
  /** copies of each pointer beyond the owner's, on its first successors (default 3, ≤ r) */
  readonly replicas?: number;
  /** 'iterative' (default) or 'recursive' */
  readonly lookupMode?: 'iterative' | 'recursive';
  /** alternates returned per FIND step, tried in order when one times out (default 3) */
  readonly candidates?: number;
  /** a node not answering a request within this is taken as dead (default 1000 ms) */
  readonly rpcTimeoutMs?: number;
  /** a lookup gives up after this (default 10 s) */
  readonly lookupTimeoutMs?: number;
  /** requests outstanding at once; beyond it requests fail at once (default 4096) */
  readonly maxPendingRpcs?: number;
  /** a lookup gives up after this many hops (default 128) */
  readonly maxLookupHops?: number;
  /** mean period of stabilize (default 5 s; each interval drawn uniformly in [½, 3⁄2]·mean) */
  readonly stabilizeMs?: number;
  /** mean period of fix_fingers (default 5 s) */
  readonly fixFingersMs?: number;
  /** fingers refreshed per fix_fingers round (default 1) */
  readonly fingersPerRound?: number;
  /** mean period of check_predecessor (default 10 s) */
  readonly checkPredecessorMs?: number;
  /** run stabilize/fix_fingers/check_predecessor at all (default true) */
  readonly maintenance?: boolean;
  /** retry period while the introducer does not answer (default 5 s) */
  readonly joinRetryMs?: number;
  /** our pointers are stored again this often (default 10 min) */
  readonly republishMs?: number;
  /** lifetime of a stored pointer not refreshed (default 3 × republishMs) */
  readonly pointerTtlMs?: number;
  /** expired pointers are swept this often (default pointerTtlMs / 4, at most 60 s) */
  readonly sweepMs?: number;
  /** store caps (defaults 1000 per key, 100,000 in total) */
  readonly maxPointersPerKey?: number;
  readonly maxPointers?: number;
  /** key lookups of one publication round in flight at once (default 8) */
  readonly publishConcurrency?: number;
  /** a search ends after this (default 15 s) */
  readonly searchTimeoutMs?: number;
  /** pages fetched from one owner per search (default 8 pages of ≤ 16 pointers) */
  readonly maxFetchPages?: number;
  /** also file each pointer under its urn:sha1 (default true) */
  readonly indexUrns?: boolean;
  /** report our own files in our searches (default false) */
  readonly includeOwnFiles?: boolean;
}

/** Resolved options (everything but the per-node holder and introducer); shareable between nodes. */
export type ChordConfig = Required<Omit<ChordInit, 'bootstrap' | 'holder'>>;

export interface LookupResult {
  /** an owner was found (and, with `confirm`, answered) */
  readonly ok: boolean;
  /** the key's successor as found */
  readonly owner: NodeRef | undefined;
  /** owner first, then its successors as reported (replica holders) */
  readonly replicas: readonly NodeRef[];
  /**
   * nodes that answered a FIND on the way, i.e. forwarding hops up to the key's
   * predecessor (the Chord papers' path length); 0 when local state resolved the key
   */
  readonly hops: number;
  /** requests that timed out during the lookup (including the owner check) */
  readonly timeouts: number;
  /** iterative lookups: the node that answered "done" (the key's predecessor as it knows) */
  readonly answeredBy?: NodeRef;
}

export interface LookupOptions {
  /** contact the owner (PING), falling back along the replica list when it is dead (default true) */
  readonly confirm?: boolean;
  /** which local ring position starts (default: the one closest before the key) */
  readonly vnode?: number;
}

/** Every ring position, sorted by id: enough to install perfect state without joins. */
export interface StableRing {
  readonly refs: readonly NodeRef[];
}

export interface ChordVNodeSnapshot {
  readonly self: NodeRef;
  readonly pred: NodeRef | undefined;
  readonly succs: readonly NodeRef[];
  readonly fingers: readonly { readonly from: number; readonly node: NodeRef }[];
}

export interface ChordRouter extends Router {
  readonly kind: 'chord';
  readonly space: IdSpace;
  /** what our published pointers name as the holder */
  readonly holder: ChordInit['holder'];
  /** our ring positions */
  readonly vnodes: readonly NodeRef[];
  /** key id of a keyword or urn string */
  keyId(text: string): string;
  /** a bare lookup (simulator experiments, tests) */
  lookup(key: string, cb: (r: LookupResult) => void, opts?: LookupOptions): void;
  /** installs perfect fingers, successors and predecessor from the sorted ring */
  installStable(ring: StableRing): void;
  /** pause/resume stabilize, fix_fingers and check_predecessor */
  setMaintenance(on: boolean): void;
  /** stops at once without telling anyone (a crash) */
  crash(): void;
  snapshot(): readonly ChordVNodeSnapshot[];
  /** ring positions that have joined (or were installed): the ones lookups can reach */
  joinedVnodes(): readonly NodeRef[];
  /** pointers stored here (as owner or replica) */
  storedPointers(): number;
}

export type ChordComponents = RouterComponents<ChordMessage>;
