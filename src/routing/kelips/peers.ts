/**
 * Membership entries and the tables that hold them. A `Peer` is one node we know of,
 * either in our affinity-group view or among our contacts for a foreign group. Tables are
 * array-backed with an address index, so that a uniformly random entry costs O(1) and a
 * removal is a swap with the last element.
 */

/** One known node. Plain fields, one hidden class for every entry of every router. */
export class Peer {
  /** position in its PeerTable's array (−1 once removed) */
  pos = -1;
  /** remaining sends as a "fresh" entry (see FreshQueue) */
  fresh = 0;
  inFresh = false;
  /** smoothed round-trip time in ms; −1 while unknown */
  rtt = -1;
  /** the last `ts` this peer sent us (0: none) and when we received it (our clock) */
  echoTs = 0;
  echoAt = 0;
  /** when we last pinged it to refresh it (contacts) */
  pingedAt = 0;
  /** scratch: the gossip message being built already holds it (see gossip.ts) */
  mark = 0;

  constructor(
    readonly addr: string,
    readonly group: number,
    /** freshest heartbeat counter heard for it */
    public hb: number,
    /** our clock when its heartbeat last rose, or when it last spoke to us directly */
    public heardAt: number,
  ) {}

  get removed(): boolean {
    return this.pos < 0;
  }

  /** folds an RTT sample into the estimate (EWMA, α = 1/4, as TCP's SRTT uses 1/8 for noisier samples) */
  sampleRtt(ms: number): void {
    this.rtt = this.rtt < 0 ? ms : 0.75 * this.rtt + 0.25 * ms;
  }
}

export class PeerTable {
  readonly list: Peer[] = [];
  private readonly byAddr = new Map<string, Peer>();

  get size(): number {
    return this.list.length;
  }

  get(addr: string): Peer | undefined {
    return this.byAddr.get(addr);
  }

  add(p: Peer): void {
    p.pos = this.list.length;
    this.list.push(p);
    this.byAddr.set(p.addr, p);
  }

  remove(p: Peer): void {
    if (p.pos < 0 || this.list[p.pos] !== p) return;
    const last = this.list.pop() as Peer;
    if (last !== p) {
      this.list[p.pos] = last;
      last.pos = p.pos;
    }
    p.pos = -1;
    this.byAddr.delete(p.addr);
  }

  clear(): void {
    for (const p of this.list) p.pos = -1;
    this.list.length = 0;
    this.byAddr.clear();
  }
}

/** Anything a FreshQueue can hold. */
export interface FreshItem {
  fresh: number;
  inFresh: boolean;
  /** position in its table; negative once removed */
  readonly pos: number;
}

/**
 * The "fresh" half of gossip rations: entries whose content changed recently, served
 * round-robin, each at most `sends` times before it counts as old again. Bounded: past
 * `cap` entries the oldest leaves the queue (it is still in its table, just not fresh).
 */
export class FreshQueue<T extends FreshItem> {
  private items: T[] = [];
  private head = 0;

  constructor(
    private readonly sends: number,
    private readonly cap: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** the entry changed: (re)arm it */
  push(e: T): void {
    e.fresh = this.sends;
    if (e.inFresh) return;
    e.inFresh = true;
    this.items.push(e);
    if (this.items.length - this.head > this.cap) {
      const old = this.items[this.head++] as T;
      old.inFresh = false;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Next fresh entry accepted by `ok`, or undefined. Counts one send: the entry goes back
   * to the tail while it has sends left. Entries refused by `ok` keep their place.
   */
  take(ok: (e: T) => boolean): T | undefined {
    const n = this.items.length - this.head;
    const skipped: T[] = [];
    let found: T | undefined;
    for (let i = 0; i < n; i++) {
      const e = this.items[this.head++] as T;
      if (e.pos < 0 || e.fresh <= 0) {
        e.inFresh = false;
        continue;
      }
      if (!ok(e)) {
        skipped.push(e);
        continue;
      }
      found = e;
      break;
    }
    // refused entries go back in front, in their order
    if (skipped.length > 0) {
      this.head -= skipped.length;
      for (let i = 0; i < skipped.length; i++) this.items[this.head + i] = skipped[i] as T;
    }
    if (found !== undefined) {
      found.fresh--;
      if (found.fresh > 0) this.items.push(found);
      else found.inFresh = false;
    }
    return found;
  }

  /** gives back one send of `e` (taken but not sent after all) */
  untake(e: T): void {
    if (e.pos < 0) return;
    if (e.inFresh) {
      e.fresh++;
    } else {
      this.push(e);
      e.fresh = 1;
    }
  }

  clear(): void {
    for (let i = this.head; i < this.items.length; i++) (this.items[i] as T).inFresh = false;
    this.items = [];
    this.head = 0;
  }
}

/**
 * Entries we removed (timed out, or found dead by an RPC), with their last counter, until
 * a deadline. Gossip from nodes that have not timed the entry out yet would otherwise bring
 * it back. Membership refuses a buried node's entries from third parties whatever their
 * counter (a dead node's last heartbeat can reach some nodes late, and would revive it
 * elsewhere); the node itself speaking to us still counts. Tuples refuse versions ≤ the
 * buried one (a higher version means the holder re-announced it).
 */
export class Tombstones {
  private readonly map = new Map<string, { hb: number; until: number }>();

  constructor(private readonly cap: number) {}

  get size(): number {
    return this.map.size;
  }

  add(key: string, hb: number, until: number): void {
    if (this.map.size >= this.cap && !this.map.has(key)) {
      // drop the oldest (Map iteration order is insertion order)
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.delete(key);
    this.map.set(key, { hb, until });
  }

  /** true while `key` is buried (whatever counter is offered) */
  holds(key: string, now: number): boolean {
    const t = this.map.get(key);
    if (t === undefined) return false;
    if (t.until <= now) {
      this.map.delete(key);
      return false;
    }
    return true;
  }

  /** true when `key` is buried and `hb` is not newer than what we buried */
  blocks(key: string, hb: number, now: number): boolean {
    const t = this.map.get(key);
    return t !== undefined && this.holds(key, now) && hb <= t.hb;
  }

  sweep(now: number): void {
    for (const [k, t] of this.map) if (t.until <= now) this.map.delete(k);
  }

  clear(): void {
    this.map.clear();
  }
}
