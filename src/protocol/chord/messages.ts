/**
 * The Chord RPC model: a discriminated union on `type`. Identifiers are fixed-width
 * lower-case hex strings of ceil(idBits/4) digits (see routing/chord/id.ts); addresses are
 * "ip:port" strings. The codec (`encode.ts` / `decode.ts`) maps these to datagrams; the
 * simulator passes the objects as they are and charges `chordMessageSize` bytes.
 */

/** A ring position: identifier, the servent's address, and which of its virtual nodes. */
export interface NodeRef {
  readonly id: string;
  /** "ip:port" of the servent's Chord socket */
  readonly addr: string;
  /** virtual-node number on that servent (0 … 255) */
  readonly vn: number;
}

/** A soft-state pointer to a shared file: who holds what, for how long more. */
export interface ChordPointer {
  readonly name: string;
  readonly size: number;
  /** `urn:sha1:<BASE32>` or undefined */
  readonly urn: string | undefined;
  readonly index: number;
  /** holder's dotted IPv4 */
  readonly ip: string;
  readonly port: number;
  /** holder's servent ID, 32 lower-case hex */
  readonly serventId: string;
  /** remaining lifetime in ms when sent */
  readonly ttlMs: number;
}

/** A pointer filed under a key (STORE items). */
export interface ChordItem {
  /** key identifier (hex, as node ids) */
  readonly key: string;
  readonly pointer: ChordPointer;
}

/**
 * Lookup traffic carries its purpose (header flags bit 0): `bg` = maintenance or
 * publication (fix_fingers, join, STORE lookups), clear = a user's search. Receivers copy
 * it into their replies and forwards; it only serves accounting.
 */
export interface LookupPurpose {
  readonly bg: boolean;
}

/** Fields of the 32-byte header every message carries. */
export interface ChordEnvelope {
  /** request id (u32); 0 on one-way messages; a reply echoes its request's */
  readonly rid: number;
  /** the sender's ring position; its address is the datagram's source */
  readonly srcId: string;
  readonly srcVn: number;
  /** the virtual node addressed on the receiving servent */
  readonly dstVn: number;
}

/**
 * Iterative lookup step: "what do you know about `key`?" → FOUND. `exclude`: nodes the
 * asker found dead among this node's earlier candidates (skipped, not removed: a peer's
 * word is not proof of death).
 */
export interface FindMsg extends ChordEnvelope, LookupPurpose {
  readonly type: 'find';
  readonly key: string;
  readonly exclude: readonly string[];
}

/**
 * Answer to FIND / RFIND. `done`: key ∈ (responder, refs[0]] — refs = the owner then its
 * successors (replica holders). Otherwise `refs` = closest preceding nodes, best first.
 * `hops`/`timeouts` are the recursive path's counters (0 for iterative steps).
 */
export interface FoundMsg extends ChordEnvelope, LookupPurpose {
  readonly type: 'found';
  readonly done: boolean;
  readonly hops: number;
  readonly timeouts: number;
  readonly refs: readonly NodeRef[];
}

/** Recursive lookup: forwarded hop by hop (each hop acked by RFIND_ACK); the node that knows the owner sends FOUND to `origin` with `originRid`. */
export interface RFindMsg extends ChordEnvelope, LookupPurpose {
  readonly type: 'rfind';
  readonly key: string;
  /** who started the lookup (its id field is unused on the wire: zero) */
  readonly origin: { readonly addr: string; readonly vn: number };
  readonly originRid: number;
  readonly hops: number;
  readonly timeouts: number;
}

export interface RFindAckMsg extends ChordEnvelope, LookupPurpose {
  readonly type: 'rfind-ack';
}

/** stabilize: "who are your predecessor and successors?" → NEIGHBOURS */
export interface GetNeighboursMsg extends ChordEnvelope {
  readonly type: 'get-neighbours';
}

export interface NeighboursMsg extends ChordEnvelope {
  readonly type: 'neighbours';
  readonly pred: NodeRef | undefined;
  readonly succs: readonly NodeRef[];
}

/** one-way: "I might be your predecessor" (the sender is the header's source) */
export interface NotifyMsg extends ChordEnvelope {
  readonly type: 'notify';
}

export interface PingMsg extends ChordEnvelope {
  readonly type: 'ping';
}

export interface PongMsg extends ChordEnvelope {
  readonly type: 'pong';
}

/**
 * one-way, voluntary departure of the sender: its predecessor (for the receiver that was its
 * successor) and its successors (for the receiver that was its predecessor).
 */
export interface LeaveMsg extends ChordEnvelope {
  readonly type: 'leave';
  readonly pred: NodeRef | undefined;
  readonly succs: readonly NodeRef[];
}

/**
 * one-way, from a node whose predecessor just changed to its old predecessor: "`node`
 * joined between us; it is your successor now" (ToN §V-A: the old predecessor learns of
 * the newcomer at once instead of at its next stabilize).
 */
export interface HintMsg extends ChordEnvelope {
  readonly type: 'hint';
  readonly node: NodeRef;
}

/**
 * Store pointers. `replicate`: the receiver is the keys' owner and copies them to its
 * replica successors (a publisher's store); otherwise a replica or a handover copy.
 * rid ≠ 0 asks for a STORE_ACK.
 */
export interface StoreMsg extends ChordEnvelope {
  readonly type: 'store';
  readonly replicate: boolean;
  readonly items: readonly ChordItem[];
}

export interface StoreAckMsg extends ChordEnvelope {
  readonly type: 'store-ack';
  /** items accepted (the rest hit a store cap) */
  readonly accepted: number;
}

/**
 * Read the pointers filed under `key` that match every word in `words` (the keyword rule
 * of core/keywords.ts applied to the pointer's file name) and, when given, `urn`.
 * `offset` pages through a long answer.
 */
export interface FetchMsg extends ChordEnvelope {
  readonly type: 'fetch';
  readonly key: string;
  readonly words: readonly string[];
  readonly urn: string | undefined;
  readonly offset: number;
}

export interface FetchResMsg extends ChordEnvelope {
  readonly type: 'fetch-res';
  readonly pointers: readonly ChordPointer[];
  /** offset of the next page, when there is one */
  readonly next: number | undefined;
}

export type ChordMessage =
  | FindMsg
  | FoundMsg
  | RFindMsg
  | RFindAckMsg
  | GetNeighboursMsg
  | NeighboursMsg
  | NotifyMsg
  | PingMsg
  | PongMsg
  | LeaveMsg
  | HintMsg
  | StoreMsg
  | StoreAckMsg
  | FetchMsg
  | FetchResMsg;

export type ChordMessageType = ChordMessage['type'];
