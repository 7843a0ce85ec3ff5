/**
 * The Kelips message model: a discriminated union on `type`. Addresses are "ip:port"
 * strings (IPv4), file keys are keywords (lower case, as `core/keywords.ts` makes them)
 * or `urn:sha1:` strings. The codec (`encode.ts` / `decode.ts`) maps these to datagrams;
 * the simulator passes the objects as they are and charges `kelipsMessageSize` bytes.
 *
 * Every message carries, in its header, the overlay's group count k (peers configured
 * for another k are refused instead of misrouted), a request id and the sender's
 * heartbeat counter (so that any message refreshes its sender's entry).
 */

/** A membership entry: a node and the freshest heartbeat counter the sender knows for it. */
export interface MemberEntry {
  /** "ip:port" of the node's Kelips socket */
  readonly addr: string;
  /** u32 heartbeat counter, incremented by its owner every gossip round */
  readonly hb: number;
  /**
   * u16 seconds since the sender saw this counter rise (0 … 65535): the receiver dates the
   * heartbeat now − age, so an entry's age travels with it and a dead node's entry expires
   * everywhere at about the same time instead of being revived by late gossip
   */
  readonly ageS: number;
}

/**
 * A file tuple: `key` (a keyword of the file name, or its urn) → where the file is. Stored
 * by the members of the affinity group `hash(key) mod k`.
 */
export interface KelipsTuple {
  /** the keyword or `urn:sha1:` string the tuple is filed under */
  readonly key: string;
  readonly name: string;
  readonly size: number;
  /** `urn:sha1:<BASE32>` or undefined */
  readonly urn: string | undefined;
  /** holder's file index (what `/get/<index>/<name>` uses) */
  readonly index: number;
  /** holder's download address: dotted IPv4 and port */
  readonly ip: string;
  readonly port: number;
  /** holder's servent ID, 32 lower-case hex */
  readonly serventId: string;
  /** u32 version: the holder raises it each time it re-announces the file */
  readonly hb: number;
}

/** Fields of the 14-byte header every message carries. */
export interface KelipsEnvelope {
  /** number of affinity groups k of the overlay (1 … 65535; 0 only on JOIN: "not known yet") */
  readonly k: number;
  /** request id (u32); 0 on one-way messages; a reply echoes its request's */
  readonly rid: number;
  /** the sender's own heartbeat counter */
  readonly hb: number;
}

/**
 * One gossip round's message to one target: membership entries (the receiver files each
 * under its view or its contacts by hashing the address) and file tuples. `ts`/`echoTs`/
 * `echoHeldMs` measure round-trip times without extra messages (as TCP timestamps do):
 * `ts` is the sender's clock (ms mod 2^32, never 0); `echoTs` repeats the last `ts` the
 * sender received from the target (0: none) and `echoHeldMs` how long ago that was.
 */
export interface GossipMsg extends KelipsEnvelope {
  readonly type: 'gossip';
  readonly ts: number;
  readonly echoTs: number;
  readonly echoHeldMs: number;
  readonly members: readonly MemberEntry[];
  readonly tuples: readonly KelipsTuple[];
}

/** Join / warm-up: "send me part `part` of your state" → SNAPSHOT. */
export interface JoinMsg extends KelipsEnvelope {
  readonly type: 'join';
  readonly part: number;
}

/**
 * Part `part` of the responder's state: view and contacts first, then (only to a member
 * of its own group) its file tuples. `last`: no part follows.
 */
export interface SnapshotMsg extends KelipsEnvelope {
  readonly type: 'snapshot';
  readonly part: number;
  readonly last: boolean;
  readonly members: readonly MemberEntry[];
  readonly tuples: readonly KelipsTuple[];
}

/**
 * Lookup: the tuples filed under `key` whose file name has every word of `words` (and
 * whose urn is `urn`, when given). A node outside key's group forwards it to a contact in
 * that group; a member with no match may forward it to another member (random walk);
 * both while `ttl` > 0. The answer goes straight to `origin`.
 */
export interface LookupMsg extends KelipsEnvelope {
  readonly type: 'lookup';
  /** "ip:port" that gets the reply */
  readonly origin: string;
  /** forwards still allowed */
  readonly ttl: number;
  /** lookup requests on this path so far, this one included (1 when sent by the origin) */
  readonly hops: number;
  readonly maxResults: number;
  readonly key: string;
  readonly words: readonly string[];
  readonly urn: string | undefined;
}

/** Answer to LOOKUP: the matching tuples (possibly none). */
export interface LookupReplyMsg extends KelipsEnvelope {
  readonly type: 'lookup-reply';
  /** the answered request's `hops` */
  readonly hops: number;
  readonly tuples: readonly KelipsTuple[];
}

/** Insert: store these tuples (all of one group) and spread them in the group. */
export interface StoreMsg extends KelipsEnvelope {
  readonly type: 'store';
  /** "ip:port" that gets the STORE_ACK */
  readonly origin: string;
  readonly ttl: number;
  readonly hops: number;
  readonly tuples: readonly KelipsTuple[];
}

/** Answer to STORE: how many of its tuples were accepted. */
export interface StoreAckMsg extends KelipsEnvelope {
  readonly type: 'store-ack';
  readonly stored: number;
}

/** Liveness and RTT probe of a candidate contact. */
export interface PingMsg extends KelipsEnvelope {
  readonly type: 'ping';
}

export interface PongMsg extends KelipsEnvelope {
  readonly type: 'pong';
}

export type KelipsMessage =
  GossipMsg | JoinMsg | SnapshotMsg | LookupMsg | LookupReplyMsg | StoreMsg | StoreAckMsg | PingMsg | PongMsg;

export type KelipsMessageType = KelipsMessage['type'];
