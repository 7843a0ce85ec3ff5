/**
 * Lookups, origin side. A lookup hashes its key to a group and asks one node there:
 *
 *   1. the key is in our own group → our own tuples answer (0 requests); if they have
 *      nothing, a member of our view is asked (our copy may be incomplete);
 *   2. else the nearest (lowest-RTT) contact in the key's group not tried yet;
 *   3. else (no contact left) a member of our view relays it to its own contacts there
 *      (two of them: ours just failed, its may have too); failing that, a contact of
 *      another group does (the one heard from last first).
 *
 * Each request has a timer (rpcTimeoutMs per step it may take); on expiry the node asked
 * directly is dropped from our tables (suspected dead) and the next candidate is tried,
 * up to lookupTries requests. The first answer ends the lookup, even an empty one: a
 * member of the key's group has spoken for the group (it random-walks inside the group
 * first when it has no match, see handlers.ts).
 *
 * Counting: `rpcs` = requests we sent up to the answer, minus one, plus the answering
 * request's path length (1 when the node we asked answered itself). That is what
 * `SearchHit.hops` reports.
 */
import type { TimerHandle } from '../../core/clock.js';
import { matchesAll } from '../../core/keywords.js';
import { HEADER_SIZE, KelipsLimits, LOOKUP_REPLY_FIXED } from '../../protocol/kelips/constants.js';
import { tupleWireSize } from '../../protocol/kelips/encode.js';
import type { KelipsTuple, LookupMsg, LookupReplyMsg } from '../../protocol/kelips/messages.js';
import type { Membership } from './membership.js';
import type { KelipsNode } from './node.js';
import type { Peer } from './peers.js';
import type { StoredTuple, TupleStore } from './tuples.js';

export interface LookupSpec {
  readonly key: string;
  /** every word must be among the file name's keywords (none: no word filter) */
  readonly words: readonly string[];
  readonly urn: string | undefined;
  readonly maxResults: number;
}

export interface LookupCallbacks {
  /** an answer: its tuples (possibly none) and the request count as defined above */
  answer(tuples: readonly KelipsTuple[], rpcs: number): void;
  /** no member of the group could be reached */
  fail(reason: 'failed' | 'timeout' | 'aborted'): void;
}

/** Tuples of `store` filed under spec.key that match it, live ones only, at most `max`. */
export function matchTuples(
  store: TupleStore,
  spec: LookupSpec,
  now: number,
  timeoutMs: number,
  max: number,
): StoredTuple[] {
  const out: StoredTuple[] = [];
  for (const e of store.under(spec.key)) {
    if (out.length >= max) break;
    if (now - e.heardAt > timeoutMs) continue;
    if (spec.urn !== undefined && e.t.urn !== spec.urn) continue;
    if (spec.words.length > 0 && !matchesAll(spec.words, e.nameWords())) continue;
    out.push(e);
  }
  return out;
}

/** As many of `tuples` as fit one LOOKUP_REPLY of `maxDatagram` bytes. */
export function packReply(tuples: readonly KelipsTuple[], maxDatagram: number): KelipsTuple[] {
  let room = maxDatagram - HEADER_SIZE - LOOKUP_REPLY_FIXED;
  const out: KelipsTuple[] = [];
  for (const t of tuples) {
    if (out.length >= KelipsLimits.MAX_TUPLES) break;
    const n = tupleWireSize(t);
    if (n > room) continue;
    room -= n;
    out.push(t);
  }
  return out;
}

export class ActiveLookup {
  sent = 0;
  timeouts = 0;
  done = false;
  private readonly tried = new Set<string>();
  private target: { addr: string; direct: boolean; at: number } | undefined;
  private timer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;

  constructor(
    readonly node: KelipsNode,
    readonly rid: number,
    readonly spec: LookupSpec,
    readonly group: number,
    private readonly cb: LookupCallbacks,
  ) {}

  start(mem: Membership): void {
    const node = this.node;
    const cfg = mem.cfg;
    const clock = node.components.clock;
    this.deadline = clock.setTimeout(() => this.end(() => this.cb.fail('timeout')), cfg.searchTimeoutMs);
    if (this.group === mem.group && node.store !== undefined) {
      const local = matchTuples(node.store, this.spec, clock.now(), cfg.tupleTimeoutMs, this.spec.maxResults);
      if (local.length > 0) {
        node.c.lookupsLocal++;
        this.end(() =>
          this.cb.answer(
            local.map((e) => e.t),
            0,
          ),
        );
        return;
      }
    }
    this.next(mem);
  }

  /** sends the next request, or fails when no candidate or try is left */
  private next(mem: Membership): void {
    const node = this.node;
    const cfg = mem.cfg;
    if (this.done) return;
    if (this.sent >= cfg.lookupTries) {
      this.end(() => this.cb.fail('failed'));
      return;
    }
    const pick = this.choose(mem);
    if (pick === undefined) {
      this.end(() => this.cb.fail('failed'));
      return;
    }
    const ttl = pick.direct ? cfg.walkTtl : Math.min(KelipsLimits.MAX_TTL, cfg.walkTtl + 1);
    const msg: LookupMsg = {
      type: 'lookup',
      k: cfg.k,
      rid: this.rid,
      hb: node.hb,
      origin: mem.self,
      ttl,
      hops: 1,
      maxResults: this.spec.maxResults,
      key: this.spec.key,
      words: this.spec.words,
      urn: this.spec.urn,
    };
    const clock = node.components.clock;
    this.tried.add(pick.peer.addr);
    this.target = { addr: pick.peer.addr, direct: pick.direct, at: clock.now() };
    this.sent++;
    node.c.lookupRequests++;
    if (this.sent > 1) node.c.lookupRetries++;
    node.send(pick.peer.addr, msg);
    this.timer = clock.setTimeout(() => this.expired(), cfg.rpcTimeoutMs * (1 + ttl));
  }

  private choose(mem: Membership): { peer: Peer; direct: boolean } | undefined {
    const untried = (p: Peer): boolean => !this.tried.has(p.addr);
    const rng = this.node.components.rng;
    if (this.group === mem.group) {
      const p = mem.pickWeighted(mem.view.list, 1, rng, this.tried)[0];
      return p === undefined ? undefined : { peer: p, direct: true };
    }
    const c = mem.nearest(this.group).find(untried);
    if (c !== undefined) return { peer: c, direct: true };
    // relays: the member (then contact) heard from most recently is the likeliest alive
    const v = freshest(mem.view.list, this.tried) ?? freshest(mem.contacts.list, this.tried);
    return v === undefined ? undefined : { peer: v, direct: false };
  }

  private expired(): void {
    this.timer = undefined;
    if (this.done) return;
    const node = this.node;
    const mem = node.mem;
    this.timeouts++;
    node.c.lookupTimeouts++;
    const t = this.target;
    if (mem === undefined) return;
    if (t !== undefined && t.direct && mem.suspect(t.addr, node.components.clock.now())) node.c.suspected++;
    this.next(mem);
  }

  /** an answer for our rid arrived from `from` */
  reply(from: string, m: LookupReplyMsg): void {
    if (this.done) return;
    const node = this.node;
    const t = this.target;
    if (t !== undefined && m.hops === 1 && from === t.addr) {
      node.mem?.get(from)?.sampleRtt(node.components.clock.now() - t.at);
    }
    const rpcs = Math.max(1, this.sent - 1 + m.hops);
    this.end(() => this.cb.answer(m.tuples, rpcs));
  }

  /** the router stops: the lookup ends with 'aborted' */
  abort(): void {
    this.end(() => this.cb.fail('aborted'));
  }

  /** stops timers and traffic; `then` runs once if the lookup was still open */
  end(then?: () => void): void {
    if (this.done) return;
    this.done = true;
    const clock = this.node.components.clock;
    clock.clearTimeout(this.timer);
    clock.clearTimeout(this.deadline);
    this.timer = undefined;
    this.deadline = undefined;
    this.node.lookups.delete(this.rid);
    then?.();
  }
}

/** the untried peer whose heartbeat rose (or who spoke to us) last */
function freshest(list: readonly Peer[], tried: ReadonlySet<string>): Peer | undefined {
  let best: Peer | undefined;
  for (const p of list) if (!tried.has(p.addr) && (best === undefined || p.heardAt > best.heardAt)) best = p;
  return best;
}
