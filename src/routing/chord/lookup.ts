/**
 * find_successor, driven by the initiator (iterative, the default) or hop by hop
 * (recursive). Hop convention (the Chord papers'): `hops` counts the nodes that answered
 * a FIND on the way, i.e. the forwarding path up to the key's predecessor — the node that
 * answers "done" — and not the owner itself; 0 when our own state resolves the key.
 *
 * Failures: a request that times out marks the node dead (removed from our tables) and
 * the next-closest preceding candidate of the previous step is tried; when a step's
 * candidates are exhausted the lookup backtracks one step further. With `confirm`, the
 * owner is pinged and, if dead, the next replica in the predecessor's successor list
 * (which then owns the key) is tried.
 */
import type { NodeRef } from '../../protocol/chord/messages.js';
import { between, betweenRight, compareFrom } from './id.js';
import { ANY } from './rpc.js';
import { ChordLimits } from '../../protocol/chord/constants.js';
import type { ChordNode } from './node.js';
import { HOPS_BUCKETS } from './node.js';
import type { LookupResult } from './types.js';
import type { VNode } from './vnode.js';

export interface LookupHandle {
  cancel(): void;
}

export interface LookupFlags {
  /** ping the owner before reporting success */
  readonly confirm: boolean;
  /** count in stats (bare lookups and searches; not maintenance) */
  readonly count: boolean;
  /** start at this node instead of our own state (join through an introducer) */
  readonly entry?: NodeRef;
}

/**
 * What a node answers about `key` from its own state: the owner list when the key falls
 * between it and its successor, else the closest preceding candidates. `dead`: nodes the
 * asker found dead (skipped, including as successor); `skip`: further candidates not to
 * offer.
 */
export function localStep(
  node: ChordNode,
  v: VNode,
  key: string,
  dead?: ReadonlySet<string>,
  skip?: ReadonlySet<string>,
): { done: boolean; refs: NodeRef[] } {
  const succs = dead === undefined ? v.succs : v.succs.filter((n) => !dead.has(n.id));
  const succ = succs[0] ?? v.self;
  if (succ === v.self || betweenRight(key, v.self.id, succ.id)) {
    // owner first, then the replica holders after it
    return { done: true, refs: succs.length === 0 ? [v.self] : succs.slice(0, node.cfg.replicas + 1) };
  }
  return { done: false, refs: v.candidates(key, node.cfg.candidates, skip ?? dead) };
}

/** one step's candidates and who supplied them (undefined: our own state) */
interface Level {
  readonly from: NodeRef | undefined;
  readonly list: NodeRef[];
  /** dead count when `from` was last asked */
  askedAt: number;
}

const NONE: readonly string[] = [];

function bump(hist: number[], k: number): void {
  const b = Math.min(k, HOPS_BUCKETS - 1);
  while (hist.length <= b) hist.push(0);
  hist[b] = (hist[b] as number) + 1;
}

class Lookup implements LookupHandle {
  private hops = 0;
  private timeouts = 0;
  /** candidate lists, one per answered step; the last is tried first */
  private readonly levels: Level[] = [];
  /** nodes asked (answered or dead): never asked twice */
  private readonly tried = new Set<string>();
  /** nodes found dead during this lookup, most recent last */
  private readonly dead: string[] = [];
  private rid = 0;
  private finished = false;
  /** the node that answered "done" (the key's predecessor, as far as it knows) */
  private answeredBy: NodeRef | undefined;
  private readonly startedAt: number;

  constructor(
    private readonly node: ChordNode,
    private readonly v: VNode,
    private readonly key: string,
    private readonly flags: LookupFlags,
    private readonly cb: (r: LookupResult) => void,
  ) {
    this.startedAt = node.clock.now();
  }

  start(): void {
    if (this.flags.count) this.node.counters.lookups++;
    if (this.flags.entry !== undefined) {
      this.levels.push({ from: undefined, list: [this.flags.entry], askedAt: Number.POSITIVE_INFINITY });
      this.next();
      return;
    }
    const own = localStep(this.node, this.v, this.key);
    if (own.done) {
      this.found(own.refs, 0);
      return;
    }
    this.levels.push({ from: undefined, list: own.refs, askedAt: 0 });
    if (this.node.cfg.lookupMode === 'recursive') this.recursive();
    else this.next();
  }

  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    this.node.rpc.cancel(this.rid);
  }

  private expired(): boolean {
    const cfg = this.node.cfg;
    return this.hops >= cfg.maxLookupHops || this.node.clock.now() - this.startedAt >= cfg.lookupTimeoutMs;
  }

  /**
   * The best untried candidate of the deepest step. An exhausted step is refilled once
   * more dead nodes are known — from our own state, or by asking its responder again
   * with the dead ones excluded (ToN §V-A: retry via the next-closest preceding node) —
   * and otherwise abandoned for the step before it.
   */
  private pick(): NodeRef | 'reask' | { done: NodeRef[] } | undefined {
    while (this.levels.length > 0) {
      const top = this.levels[this.levels.length - 1] as Level;
      const c = top.list.shift();
      if (c !== undefined) {
        if (this.tried.has(c.id)) continue;
        return c;
      }
      if (this.dead.length > top.askedAt) {
        top.askedAt = this.dead.length;
        if (top.from === undefined) {
          // our own state, now without the dead: it may even know the owner outright
          const own = localStep(this.node, this.v, this.key, new Set(this.dead), this.tried);
          if (own.done) return { done: own.refs };
          top.list.push(...own.refs);
          continue;
        }
        return 'reask';
      }
      this.levels.pop();
    }
    return undefined;
  }

  /**
   * The dead nodes worth telling `responder` about: those between it and the key (the
   * only ones it could offer), closest to the key first, at most MAX_EXCLUDE.
   */
  private exclusions(responder: string): readonly string[] {
    if (this.dead.length === 0 || responder === '') return NONE;
    const key = this.key;
    const within = this.dead.filter((d) => between(d, responder, key));
    if (within.length > ChordLimits.MAX_EXCLUDE) {
      within.sort((a, b) => compareFrom(responder, b, a));
      within.length = ChordLimits.MAX_EXCLUDE;
    }
    return within;
  }

  /** iterative: ask the best untried candidate */
  private next(): void {
    if (this.finished || !this.node.running) return;
    if (this.expired()) return this.finish(undefined);
    const picked = this.pick();
    if (picked === undefined) return this.finish(undefined);
    if (typeof picked === 'object' && 'done' in picked) return this.found(picked.done, this.hops);
    const level = this.levels[this.levels.length - 1] as Level;
    const reask = picked === 'reask';
    const c = reask ? (level.from as NodeRef) : picked;
    this.tried.add(c.id);
    const exclude = this.exclusions(c.id);
    const node = this.node;
    this.rid = node.request(
      c,
      node.cfg.rpcTimeoutMs,
      (rid) => ({
        type: 'find',
        rid: rid,
        srcId: this.v.self.id,
        srcVn: this.v.self.vn,
        dstVn: c.vn,
        bg: !this.flags.count,
        key: this.key,
        exclude,
      }),
      (reply) => {
        this.rid = 0;
        if (this.finished) return;
        if (reply === undefined) {
          this.timeouts++;
          this.dead.push(c.id);
          node.timedOut(c);
          return this.next();
        }
        if (reply.type !== 'found') return this.next();
        // the responder's real id (the introducer's entry ref carries none)
        const at = reply.srcId;
        this.tried.add(at);
        if (!reask) this.hops++;
        if (reply.done) {
          if (reply.refs.length === 0) return this.next();
          this.answeredBy = { id: at, addr: c.addr, vn: reply.srcVn };
          return this.found(reply.refs, this.hops);
        }
        // progress guard: only nodes strictly between the responder and the key
        const closer = reply.refs.filter((r) => between(r.id, at, this.key) && !this.tried.has(r.id));
        if (reask) level.list.push(...closer);
        else
          this.levels.push({
            from: { id: at, addr: c.addr, vn: reply.srcVn },
            list: closer,
            askedAt: this.dead.length,
          });
        this.next();
      },
    );
  }

  /** recursive: hand the lookup to the best candidate; its final FOUND comes to us */
  private recursive(): void {
    const node = this.node;
    // the final answer may come from any node: '*' accepts it from any address
    const originRid = node.rpc.open(ANY, node.cfg.lookupTimeoutMs, (reply) => {
      this.rid = 0;
      if (this.finished) return;
      if (reply === undefined || reply.type !== 'found' || !reply.done || reply.refs.length === 0) {
        return this.finish(undefined);
      }
      this.timeouts += reply.timeouts;
      this.found(reply.refs, reply.hops);
    });
    this.rid = originRid;
    const first = this.levels.pop()?.list ?? [];
    forwardRecursive(
      node,
      this.v,
      { key: this.key, origin: { addr: node.local, vn: this.v.self.vn }, originRid, bg: !this.flags.count },
      first,
      0,
      0,
      (refs, t) => {
        // our own state resolved the key once the candidates we had were found dead
        this.timeouts += t;
        node.rpc.cancel(originRid);
        if (!this.finished) this.found(refs, 0);
      },
      (t) => {
        // every candidate we had timed out: the hand-off failed
        this.timeouts += t;
        node.rpc.cancel(originRid);
        if (!this.finished) this.finish(undefined);
      },
    );
  }

  private found(refs: readonly NodeRef[], hops: number): void {
    this.hops = hops;
    if (!this.flags.confirm) return this.finish(refs);
    this.confirm(refs, 0);
  }

  /** pings refs[i]; a second silence (one retry: a datagram may be lost) moves on to refs[i + 1] */
  private confirm(refs: readonly NodeRef[], i: number, retried = false): void {
    if (this.finished || !this.node.running) return;
    const owner = refs[i];
    if (owner === undefined) return this.finish(undefined);
    if (owner.addr === this.node.local) return this.finish(refs.slice(i));
    const node = this.node;
    this.rid = node.request(
      owner,
      node.cfg.rpcTimeoutMs,
      (rid) => ({ type: 'ping', rid: rid, srcId: this.v.self.id, srcVn: this.v.self.vn, dstVn: owner.vn }),
      (reply) => {
        this.rid = 0;
        if (this.finished) return;
        if (reply === undefined) {
          this.timeouts++;
          if (!retried) return this.confirm(refs, i, true);
          node.timedOut(owner);
          return this.confirm(refs, i + 1);
        }
        this.finish(refs.slice(i));
      },
    );
  }

  private finish(refs: readonly NodeRef[] | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const c = this.node.counters;
    const ok = refs !== undefined && refs.length > 0;
    if (this.flags.count) {
      if (ok) {
        c.lookupsOk++;
        c.lookupHops += this.hops;
        bump(c.hops, this.hops);
        bump(c.timeouts, this.timeouts);
      } else c.lookupsFailed++;
      c.lookupTimeouts += this.timeouts;
    }
    this.cb({
      ok,
      owner: ok ? refs[0] : undefined,
      replicas: ok ? refs : [],
      hops: this.hops,
      timeouts: this.timeouts,
      ...(ok && this.answeredBy !== undefined ? { answeredBy: this.answeredBy } : {}),
    });
  }
}

export function startLookup(
  node: ChordNode,
  v: VNode,
  key: string,
  flags: LookupFlags,
  cb: (r: LookupResult) => void,
): LookupHandle {
  const l = new Lookup(node, v, key, flags, cb);
  l.start();
  return l;
}

/** where a recursive forward ends when the forwarder itself turns out to know the owner */
export type RecursiveDone = (refs: readonly NodeRef[], timeouts: number) => void;

/**
 * Recursive forwarding from `v` (the origin or an intermediate node): RFIND to the first
 * candidate that acknowledges within the RPC timeout. A silent candidate is marked dead
 * and, once the list is spent, our own state is consulted again without the dead: it may
 * now know the owner (our dead successor was the only node before the key), which ends
 * the lookup here (`onDone`), or offer further candidates. `onFail` when nothing is left.
 */
export function forwardRecursive(
  node: ChordNode,
  v: VNode,
  route: {
    readonly key: string;
    readonly origin: { addr: string; vn: number };
    readonly originRid: number;
    readonly bg: boolean;
  },
  candidates: NodeRef[],
  hops: number,
  timeouts: number,
  onDone: RecursiveDone,
  onFail: (timeouts: number) => void,
  dead: Set<string> = new Set(),
): void {
  if (!node.running || hops >= node.cfg.maxLookupHops) {
    onFail(timeouts);
    return;
  }
  let c = candidates.shift();
  if (c === undefined && dead.size > 0) {
    const step = localStep(node, v, route.key, dead);
    if (step.done) {
      onDone(step.refs, timeouts);
      return;
    }
    candidates.push(...step.refs);
    c = candidates.shift();
  }
  if (c === undefined) {
    onFail(timeouts);
    return;
  }
  const to = c;
  node.request(
    to,
    node.cfg.rpcTimeoutMs,
    (rid) => ({
      type: 'rfind',
      rid,
      srcId: v.self.id,
      srcVn: v.self.vn,
      dstVn: to.vn,
      bg: route.bg,
      key: route.key,
      origin: route.origin,
      originRid: route.originRid,
      hops,
      timeouts,
    }),
    (ack) => {
      if (ack !== undefined) return;
      dead.add(to.id);
      node.timedOut(to);
      forwardRecursive(node, v, route, candidates, hops, timeouts + 1, onDone, onFail, dead);
    },
  );
}
