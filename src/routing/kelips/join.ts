/**
 * Joining and warm-up. A new node sends JOIN (part 0) to an introducer (the servent's
 * --peer), with k = 0 if it does not know the overlay's k yet: it adopts the k of the
 * first SNAPSHOT answering it. The SNAPSHOT parts carry the introducer's view and
 * contacts, then — only to a member of its own group — its tuples; the joiner asks for
 * the next part until `last` or maxSnapshotParts. If the introducer is of another group,
 * the joiner then pulls a snapshot from a member of its own group it has just learnt of
 * (its view and the group's tuples). After that, gossip keeps it current.
 *
 * Serving: JOIN is answered from the current tables, part by part (members first,
 * ≤ 98 a part at 1200 bytes, then tuples); serving counts against relayPerSec, since a
 * part is far larger than the request.
 */
import type { TimerHandle } from '../../core/clock.js';
import { HEADER_SIZE, KelipsLimits, MEMBER_SIZE, SNAPSHOT_FIXED } from '../../protocol/kelips/constants.js';
import { tupleWireSize } from '../../protocol/kelips/encode.js';
import type { JoinMsg, KelipsTuple, MemberEntry, SnapshotMsg } from '../../protocol/kelips/messages.js';
import { bootstrapList } from './config.js';
import { entryOf, type Membership } from './membership.js';
import type { KelipsNode } from './node.js';

export class Joiner {
  private readonly introducers: readonly string[];
  private nextIntroducer = 0;
  /** a snapshot part arrived (we are in) */
  joined = false;
  private ownGroupPulled = false;
  /** JOINs in flight: rid → who and which part */
  private readonly pulls = new Map<number, { addr: string; part: number }>();
  private retry: TimerHandle | undefined;

  constructor(private readonly node: KelipsNode) {
    this.introducers = bootstrapList(node.init);
  }

  start(): void {
    const mem = this.node.mem;
    const empty = mem === undefined || mem.view.size + mem.contacts.size === 0;
    if (this.introducers.length === 0 || !empty || this.joined) return;
    this.attempt();
  }

  private attempt(): void {
    const node = this.node;
    if (!node.running || this.joined) return;
    const addr = this.introducers[this.nextIntroducer++ % this.introducers.length] as string;
    this.ask(addr, 0);
    this.retry = node.components.clock.setTimeout(() => this.attempt(), node.joinRetryMs());
  }

  private ask(addr: string, part: number): void {
    const node = this.node;
    if (addr === node.address) return;
    const rid = node.newRid();
    this.pulls.set(rid, { addr, part });
    node.c.joinsSent++;
    const msg: JoinMsg = { type: 'join', k: node.groups, rid, hb: node.hb, part };
    node.send(addr, msg);
  }

  /** is `m` an answer to one of our JOINs (used to adopt k) */
  expects(from: string, m: SnapshotMsg): boolean {
    return this.pulls.get(m.rid)?.addr === from;
  }

  onSnapshot(from: string, m: SnapshotMsg, mem: Membership): void {
    const node = this.node;
    const pull = this.pulls.get(m.rid);
    if (pull === undefined || pull.addr !== from) return;
    this.pulls.delete(m.rid);
    node.c.snapshotsReceived++;
    if (!this.joined) {
      this.joined = true;
      node.components.clock.clearTimeout(this.retry);
      this.retry = undefined;
    }
    const now = node.components.clock.now();
    for (const e of m.members) node.learnIndirect(e.addr, e.hb, now, e.ageS);
    node.c.entriesReceived += m.members.length;
    for (const t of m.tuples) node.putTuple(t, now);
    node.c.tuplesReceived += m.tuples.length;
    if (!m.last && m.part + 1 < mem.cfg.maxSnapshotParts) {
      this.ask(from, m.part + 1);
      return;
    }
    if (!this.ownGroupPulled && node.groupOf(from) !== mem.group && mem.view.size > 0) {
      this.ownGroupPulled = true;
      const p = mem.pickWeighted(mem.view.list, 1, node.components.rng)[0];
      if (p !== undefined) this.ask(p.addr, 0);
    }
  }

  /** answers a JOIN with part `m.part` of our state */
  serve(from: string, m: JoinMsg, mem: Membership): void {
    const node = this.node;
    if (!node.relayAllowed()) return;
    const now = node.components.clock.now();
    const cfg = mem.cfg;
    const members: MemberEntry[] = [];
    for (const p of mem.view.list)
      if (now - p.heardAt <= cfg.memberTimeoutMs && p.addr !== from) members.push(entryOf(p, now));
    for (const p of mem.contacts.list)
      if (now - p.heardAt <= cfg.contactTimeoutMs && p.addr !== from) members.push(entryOf(p, now));
    const tuples: KelipsTuple[] = [];
    const store = node.store;
    if (store !== undefined && node.groupOf(from) === mem.group) {
      for (const e of store.list) if (now - e.heardAt <= cfg.tupleTimeoutMs) tuples.push(e.t);
    }
    const part = snapshotPart(members, tuples, m.part, cfg.maxDatagram);
    node.c.snapshotsServed++;
    const reply: SnapshotMsg = { type: 'snapshot', k: cfg.k, rid: m.rid, hb: node.hb, part: m.part, ...part };
    node.send(from, reply);
  }

  stop(): void {
    this.node.components.clock.clearTimeout(this.retry);
    this.retry = undefined;
    this.pulls.clear();
  }
}

/**
 * Part `part` of a snapshot: member parts first (as many entries as fit), then tuple
 * parts packed greedily in order. Past the end: an empty last part.
 */
export function snapshotPart(
  members: readonly MemberEntry[],
  tuples: readonly KelipsTuple[],
  part: number,
  maxDatagram: number,
): { members: MemberEntry[]; tuples: KelipsTuple[]; last: boolean } {
  const room = maxDatagram - HEADER_SIZE - SNAPSHOT_FIXED;
  const perPart = Math.max(1, Math.min(KelipsLimits.MAX_MEMBERS, Math.floor(room / MEMBER_SIZE)));
  const memberParts = Math.ceil(members.length / perPart);
  if (part < memberParts) {
    const slice = members.slice(part * perPart, (part + 1) * perPart);
    return { members: slice, tuples: [], last: part === memberParts - 1 && tuples.length === 0 };
  }
  let p = memberParts;
  let i = 0;
  while (i < tuples.length) {
    const start = i;
    let used = 0;
    const out: KelipsTuple[] = [];
    while (i < tuples.length && out.length < KelipsLimits.MAX_TUPLES) {
      const t = tuples[i] as KelipsTuple;
      const n = tupleWireSize(t);
      if (n > room) {
        i++;
        continue;
      }
      if (used + n > room) break;
      used += n;
      out.push(t);
      i++;
    }
    if (p === part) return { members: [], tuples: out, last: i >= tuples.length };
    if (i === start) break;
    p++;
  }
  return { members: [], tuples: [], last: true };
}
