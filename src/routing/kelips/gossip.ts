/**
 * One gossip round: 6 messages (paper defaults), 3 to members of our group and 3 to
 * contacts, targets drawn ∝ 1/rtt². Each message is filled by rations: for each kind,
 * half the ration from the entries that changed recently (fresh, round-robin) and the
 * rest at random (old), never past the message size bound.
 *
 * - to a member of our group: our view, our contacts, our file tuples;
 * - to a contact (group G): our view (candidate contacts for G), our contacts in G
 *   (G's members: news for its view), then other contacts.
 * The sender's own heartbeat rides in the header.
 */
import { GOSSIP_FIXED, HEADER_SIZE, MEMBER_SIZE } from '../../protocol/kelips/constants.js';
import { tupleWireSize } from '../../protocol/kelips/encode.js';
import type { GossipMsg, KelipsTuple, MemberEntry } from '../../protocol/kelips/messages.js';
import { entryOf, type Membership } from './membership.js';
import type { KelipsNode } from './node.js';
import type { FreshQueue, Peer, PeerTable } from './peers.js';

/** random picks tried per entry wanted before giving up (small tables, many duplicates) */
const RANDOM_TRIES = 3;

export function gossipRound(node: KelipsNode, mem: Membership): void {
  const cfg = mem.cfg;
  const rng = node.components.rng;
  const inTargets = mem.pickWeighted(mem.view.list, cfg.inTargets, rng);
  const foreign = mem.pickWeighted(mem.contacts.list, cfg.foreignTargets, rng);
  for (const t of inTargets) node.sendGossip(t, buildGossip(node, mem, t, true));
  for (const t of foreign) node.sendGossip(t, buildGossip(node, mem, t, false));
}

/** Chooses a message's membership entries; a stamp marks the peers already in it (no per-message Set). */
class Picker {
  readonly out: MemberEntry[] = [];

  constructor(
    private readonly now: number,
    private readonly pick: (n: number) => number,
    private room: number,
    private readonly stamp: number,
    exclude: Peer,
  ) {
    exclude.mark = stamp;
  }

  get left(): number {
    return this.room;
  }

  private ok(p: Peer, timeoutMs: number): boolean {
    return p.mark !== this.stamp && this.now - p.heardAt <= timeoutMs;
  }

  private add(p: Peer): void {
    p.mark = this.stamp;
    this.out.push(entryOf(p, this.now));
    this.room--;
  }

  /** `ration` entries of `table`: half fresh first, then random */
  fill(table: PeerTable, fresh: FreshQueue<Peer>, ration: number, timeoutMs: number): void {
    const want = Math.min(ration, this.room);
    const start = this.out.length;
    const half = Math.ceil(want / 2);
    while (this.out.length - start < half) {
      const p = fresh.take((e) => this.ok(e, timeoutMs));
      if (p === undefined) break;
      this.add(p);
    }
    const list = table.list;
    for (
      let tries = 0;
      this.out.length - start < want && tries < RANDOM_TRIES * want && list.length > 0;
      tries++
    ) {
      const p = list[this.pick(list.length)] as Peer;
      if (this.ok(p, timeoutMs)) this.add(p);
    }
  }

  /** specific peers first (a contact's own group) */
  addAll(peers: readonly Peer[], max: number, timeoutMs: number): void {
    let n = 0;
    for (const p of peers) {
      if (n >= max || this.room <= 0) return;
      if (this.ok(p, timeoutMs)) {
        this.add(p);
        n++;
      }
    }
  }
}

export function buildGossip(node: KelipsNode, mem: Membership, target: Peer, sameGroup: boolean): GossipMsg {
  const cfg = mem.cfg;
  const now = node.components.clock.now();
  const rng = node.components.rng;
  const pick = (n: number): number => rng.int(n);
  let budget = cfg.gossipBytes - HEADER_SIZE - GOSSIP_FIXED;
  const r = cfg.rations;
  const memberSlots = sameGroup ? r.members + r.contacts : r.foreignMembers + r.foreignContacts;
  // (our own address is never in our tables: the header carries our heartbeat)
  const picker = new Picker(
    now,
    pick,
    Math.min(memberSlots, Math.floor(budget / MEMBER_SIZE)),
    mem.nextStamp(),
    target,
  );
  if (sameGroup) {
    picker.fill(mem.view, mem.viewFresh, r.members, cfg.memberTimeoutMs);
    picker.fill(mem.contacts, mem.contactFresh, r.contacts, cfg.contactTimeoutMs);
  } else {
    picker.fill(mem.view, mem.viewFresh, r.foreignMembers, cfg.memberTimeoutMs);
    const theirs = mem.contactsOf(target.group);
    picker.addAll(theirs, r.foreignContacts, cfg.contactTimeoutMs);
    const more = r.foreignContacts - Math.min(r.foreignContacts, theirs.length);
    picker.fill(mem.contacts, mem.contactFresh, more, cfg.contactTimeoutMs);
  }
  budget -= picker.out.length * MEMBER_SIZE;
  const tuples: KelipsTuple[] = [];
  const store = node.store;
  if (sameGroup && store !== undefined && r.tuples > 0 && store.size > 0) {
    const timeout = cfg.tupleTimeoutMs;
    const seen = new Set<string>();
    const fits = (t: KelipsTuple): boolean => tupleWireSize(t) <= budget;
    const half = Math.ceil(r.tuples / 2);
    while (tuples.length < half) {
      const e = store.fresh.take((x) => !seen.has(x.id) && now - x.heardAt <= timeout);
      if (e === undefined) break;
      if (!fits(e.t)) {
        store.fresh.untake(e);
        break;
      }
      seen.add(e.id);
      tuples.push(e.t);
      budget -= tupleWireSize(e.t);
    }
    for (let tries = 0; tuples.length < r.tuples && tries < RANDOM_TRIES * r.tuples; tries++) {
      const e = store.random(pick);
      if (e === undefined || seen.has(e.id) || now - e.heardAt > timeout || !fits(e.t)) continue;
      seen.add(e.id);
      tuples.push(e.t);
      budget -= tupleWireSize(e.t);
    }
  }
  const ts = wireTs(now);
  const held = now - target.echoAt;
  const echo = target.echoTs !== 0 && held >= 0 && held <= 0xffff;
  return {
    type: 'gossip',
    k: cfg.k,
    rid: 0,
    hb: node.hb,
    ts,
    echoTs: echo ? target.echoTs : 0,
    echoHeldMs: echo ? Math.floor(held) : 0,
    members: picker.out,
    tuples,
  };
}

/** our clock as a gossip `ts`: whole ms mod 2^32, never 0 (0 means "no timestamp") */
export function wireTs(now: number): number {
  const ts = Math.floor(now) % 2 ** 32;
  return ts === 0 ? 1 : ts;
}
