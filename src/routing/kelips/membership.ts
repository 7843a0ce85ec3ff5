/**
 * Membership soft state: the affinity-group view (members of our own group) and the
 * contacts (at most c per foreign group). Entries are refreshed when a higher heartbeat
 * arrives (from anyone) or when the node itself speaks to us; they expire after
 * memberTimeoutMs / contactTimeoutMs without refresh and leave a tombstone.
 *
 * Contacts: a free slot takes any candidate; a full group keeps its c lowest-RTT
 * contacts — a candidate whose RTT is known (it spoke to us, or answered a probe) and is
 * lower than the farthest contact's replaces it (the paper's proactive replacement; a
 * contact with no RTT sample counts as the farthest).
 */
import type { Rng } from '../../core/rng.js';
import { MAX_AGE_S } from '../../protocol/kelips/constants.js';
import type { MemberEntry } from '../../protocol/kelips/messages.js';
import type { KelipsConfig } from './config.js';
import { groupOf } from './hash.js';
import { FreshQueue, Peer, PeerTable, Tombstones } from './peers.js';

/** State-model bytes of a view or contact entry: address(6) heartbeat(4) refreshed-at(4) rtt(2) group(2). */
export const MEMBER_STATE_BYTES = 18;

/** a candidate replaces the farthest contact only when its RTT is below this fraction of it (hysteresis) */
export const REPLACE_BELOW = 0.8;

export type Learned = 'self' | 'new' | 'replaced' | 'refreshed' | 'same' | 'candidate' | 'refused';

export class Membership {
  readonly view = new PeerTable();
  readonly contacts = new PeerTable();
  /** contacts by group (arrays of ≤ c) */
  readonly byGroup = new Map<number, Peer[]>();
  readonly viewFresh: FreshQueue<Peer>;
  readonly contactFresh: FreshQueue<Peer>;
  private readonly buried: Tombstones;
  readonly group: number;
  /** scratch space of pickWeighted */
  private weights = new Float64Array(16);
  private stamp = 0;

  constructor(
    readonly self: string,
    readonly cfg: KelipsConfig,
  ) {
    this.group = groupOf(self, cfg.k);
    this.viewFresh = new FreshQueue(cfg.freshSends, Math.max(64, 2 * cfg.maxView));
    this.contactFresh = new FreshQueue(cfg.freshSends, Math.max(64, 2 * cfg.c * cfg.k));
    this.buried = new Tombstones(cfg.maxView + cfg.c * cfg.k);
  }

  /** a number no Peer.mark holds yet (gossip.ts marks the entries of the message it builds) */
  nextStamp(): number {
    return ++this.stamp;
  }

  get(addr: string): Peer | undefined {
    return this.view.get(addr) ?? this.contacts.get(addr);
  }

  known(addr: string): boolean {
    return this.view.get(addr) !== undefined || this.contacts.get(addr) !== undefined;
  }

  contactsOf(group: number): readonly Peer[] {
    return this.byGroup.get(group) ?? [];
  }

  /**
   * A heartbeat for `addr` arrived. `direct`: from the node itself (proves it is alive
   * whatever the counter). `rtt`: a fresh RTT sample for it, when one was just taken.
   * `ageS`: seconds since the relaying node saw this counter rise; the heartbeat is dated
   * now − age, so stale news neither creates nor prolongs an entry.
   */
  learn(addr: string, hb: number, now: number, direct: boolean, rtt = -1, ageS = 0): Learned {
    if (addr === this.self) return 'self';
    const g = groupOf(addr, this.cfg.k);
    const heard = direct ? now : now - 1000 * ageS;
    if (g === this.group) return this.learnMember(addr, hb, heard, now, direct, rtt);
    return this.learnContact(addr, g, hb, heard, now, direct, rtt);
  }

  private refresh(p: Peer, hb: number, heard: number, rtt: number, fresh: FreshQueue<Peer>): Learned {
    if (rtt >= 0) p.sampleRtt(rtt);
    if (hb > p.hb) {
      p.hb = hb;
      if (heard > p.heardAt) p.heardAt = heard;
      fresh.push(p);
      return 'refreshed';
    }
    // the same counter, but fresher news of it (or the node itself spoke to us)
    if (heard > p.heardAt) p.heardAt = heard;
    return 'same';
  }

  private learnMember(
    addr: string,
    hb: number,
    heard: number,
    now: number,
    direct: boolean,
    rtt: number,
  ): Learned {
    const p = this.view.get(addr);
    if (p !== undefined) return this.refresh(p, hb, heard, rtt, this.viewFresh);
    if (!direct && (this.buried.holds(addr, now) || now - heard > this.cfg.memberTimeoutMs)) return 'refused';
    if (this.view.size >= this.cfg.maxView) return 'refused';
    const n = new Peer(addr, this.group, hb, heard);
    if (rtt >= 0) n.sampleRtt(rtt);
    this.view.add(n);
    this.viewFresh.push(n);
    return 'new';
  }

  private learnContact(
    addr: string,
    g: number,
    hb: number,
    heard: number,
    now: number,
    direct: boolean,
    rtt: number,
  ): Learned {
    const p = this.contacts.get(addr);
    if (p !== undefined) return this.refresh(p, hb, heard, rtt, this.contactFresh);
    if (!direct && (this.buried.holds(addr, now) || now - heard > this.cfg.contactTimeoutMs))
      return 'refused';
    let list = this.byGroup.get(g);
    if (list === undefined) {
      list = [];
      this.byGroup.set(g, list);
    }
    let outcome: Learned = 'new';
    if (list.length >= this.cfg.c) {
      if (rtt < 0) return 'candidate';
      // proactive replacement: evict the farthest if the candidate is nearer
      let far: Peer | undefined;
      for (const q of list) if (far === undefined || rttOrInf(q) > rttOrInf(far)) far = q;
      if (far === undefined || rtt >= REPLACE_BELOW * rttOrInf(far)) return 'refused';
      this.dropContact(far);
      outcome = 'replaced';
    }
    const n = new Peer(addr, g, hb, heard);
    if (rtt >= 0) n.sampleRtt(rtt);
    this.contacts.add(n);
    list.push(n);
    this.contactFresh.push(n);
    return outcome;
  }

  /** replaced: no tombstone (it is not known to be dead) */
  private dropContact(p: Peer): void {
    this.contacts.remove(p);
    const list = this.byGroup.get(p.group);
    if (list !== undefined) {
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** `p` failed to answer an RPC: forget it and refuse its current heartbeat for a while. */
  suspect(addr: string, now: number): boolean {
    const v = this.view.get(addr);
    if (v !== undefined) {
      this.view.remove(v);
      this.buried.add(addr, v.hb, now + this.cfg.memberTimeoutMs);
      return true;
    }
    const c = this.contacts.get(addr);
    if (c !== undefined) {
      this.dropContact(c);
      this.buried.add(addr, c.hb, now + this.cfg.contactTimeoutMs);
      return true;
    }
    return false;
  }

  /** Removes entries whose timers ran out; returns [members, contacts] removed. */
  expire(now: number): [number, number] {
    const mt = this.cfg.memberTimeoutMs;
    const ct = this.cfg.contactTimeoutMs;
    let m = 0;
    let c = 0;
    const view = this.view.list;
    for (let i = view.length - 1; i >= 0; i--) {
      const p = view[i] as Peer;
      if (now - p.heardAt > mt) {
        this.view.remove(p);
        this.buried.add(p.addr, p.hb, now + mt);
        m++;
      }
    }
    const cl = this.contacts.list;
    for (let i = cl.length - 1; i >= 0; i--) {
      const p = cl[i] as Peer;
      if (now - p.heardAt > ct) {
        this.dropContact(p);
        this.buried.add(p.addr, p.hb, now + ct);
        c++;
      }
    }
    this.buried.sweep(now);
    return [m, c];
  }

  /**
   * Up to `n` distinct peers of `from`, drawn ∝ 1/rtt^r (r = rttExponent; unmeasured
   * peers count with defaultRttMs), skipping `skip`.
   */
  pickWeighted(from: readonly Peer[], n: number, rng: Rng, skip?: ReadonlySet<string>): Peer[] {
    const out: Peer[] = [];
    if (n <= 0 || from.length === 0) return out;
    const r = this.cfg.rttExponent;
    if (this.weights.length < from.length)
      this.weights = new Float64Array(Math.max(from.length, 2 * this.weights.length));
    const w = this.weights;
    w.fill(0, 0, from.length);
    let total = 0;
    for (let i = 0; i < from.length; i++) {
      const p = from[i] as Peer;
      if (skip?.has(p.addr)) continue;
      const rtt = Math.max(1, p.rtt < 0 ? this.cfg.defaultRttMs : p.rtt);
      const x = r === 0 ? 1 : r === 2 ? 1 / (rtt * rtt) : rtt ** -r;
      w[i] = x;
      total += x;
    }
    while (out.length < n && total > 0) {
      let x = rng.float() * total;
      let i = 0;
      for (; i < from.length - 1; i++) {
        x -= w[i] as number;
        if (x < 0) break;
      }
      // float rounding can leave x ≥ 0 on a zero-weight tail: step back to a weighted one
      while (i > 0 && (w[i] as number) === 0) i--;
      const wi = w[i] as number;
      if (wi === 0) break;
      out.push(from[i] as Peer);
      total -= wi;
      w[i] = 0;
    }
    return out;
  }

  /** the lowest-RTT contacts of `group`, nearest first */
  nearest(group: number): Peer[] {
    return [...this.contactsOf(group)].sort((a, b) => rttOrDefault(a, this.cfg) - rttOrDefault(b, this.cfg));
  }

  entries(p: readonly Peer[], now: number): MemberEntry[] {
    return p.map((q) => entryOf(q, now));
  }

  stateBytes(): number {
    return (this.view.size + this.contacts.size) * MEMBER_STATE_BYTES;
  }

  clear(): void {
    this.view.clear();
    this.contacts.clear();
    this.byGroup.clear();
    this.viewFresh.clear();
    this.contactFresh.clear();
    this.buried.clear();
  }
}

function rttOrInf(p: Peer): number {
  return p.rtt < 0 ? Infinity : p.rtt;
}

function rttOrDefault(p: Peer, cfg: KelipsConfig): number {
  return p.rtt < 0 ? cfg.defaultRttMs : p.rtt;
}

/**
 * A peer as a membership entry. The age is rounded up to whole seconds (capped at the
 * wire's u16): a receiver dates the heartbeat now − age, never later than we did, so an
 * entry relayed round and round can only grow older, never younger.
 */
export function entryOf(p: Peer, now: number): MemberEntry {
  return {
    addr: p.addr,
    hb: p.hb,
    ageS: Math.min(MAX_AGE_S, Math.max(0, Math.ceil((now - p.heardAt) / 1000))),
  };
}
