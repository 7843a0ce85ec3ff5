/**
 * Ring maintenance (ToN §IV, Figs 5–6): create/join, periodic stabilize (with successor-
 * list reconciliation), notify handling, fix_fingers, check_predecessor, pointer handover
 * and the voluntary leave. Periods are randomised around their means with the injected
 * rng; everything runs on the injected clock.
 */
import type { ChordItem, NodeRef } from '../../protocol/chord/messages.js';
import { between } from './id.js';
import { startLookup } from './lookup.js';
import type { ChordNode } from './node.js';
import { packItems } from './pack.js';
import type { VNode } from './vnode.js';

/** no introducer: our own positions form a ring among themselves */
export function createRing(node: ChordNode): void {
  const sorted = node.vn.slice().sort((a, b) => (a.self.id < b.self.id ? -1 : 1));
  const n = sorted.length;
  sorted.forEach((v, i) => {
    const others: NodeRef[] = [];
    for (let k = 1; k < n; k++) others.push((sorted[(i + k) % n] as VNode).self);
    v.setSuccessors(others);
    v.pred = n > 1 ? (sorted[(i + n - 1) % n] as VNode).self : undefined;
    v.joined = true;
  });
}

/** join through the introducer at `boot`: find our successor, then let stabilize do the rest */
export function joinRing(node: ChordNode, v: VNode, boot: string): void {
  if (!node.running || v.joined) return;
  const entry: NodeRef = { id: '', addr: boot, vn: 0 };
  startLookup(node, v, v.self.id, { confirm: false, count: false, entry }, (r) => {
    if (!node.running || v.joined) return;
    const succs = r.replicas.filter((n) => n.id !== v.self.id);
    if (!r.ok || succs.length === 0) {
      node.log.debug({ boot, vn: v.self.vn }, 'chord join failed, will retry');
      const t = node.clock.setTimeout(() => joinRing(node, v, boot), node.jitter(node.cfg.joinRetryMs));
      node.joinTimers.push(t);
      return;
    }
    v.setSuccessors(succs);
    v.pred = undefined;
    v.joined = true;
    node.log.debug({ vn: v.self.vn, succ: succs[0]?.addr }, 'chord joined');
    // the node that resolved our id is our predecessor: it adopts us at once (HINT)
    const p = r.answeredBy;
    if (p !== undefined && p.id !== v.self.id && p.addr !== node.local) {
      node.send(p.addr, {
        type: 'hint',
        rid: 0,
        srcId: v.self.id,
        srcVn: v.self.vn,
        dstVn: p.vn,
        node: v.self,
      });
    }
    stabilize(node, v);
  });
}

export function startMaintenance(node: ChordNode, v: VNode): void {
  if (!node.maintenanceOn || !node.running) return;
  const cfg = node.cfg;
  const now = node.clock.now();
  v.dueStabilize = now + node.jitter(cfg.stabilizeMs);
  v.dueFix = now + node.jitter(cfg.fixFingersMs);
  v.dueCheck = now + node.jitter(cfg.checkPredecessorMs);
  v.tick ??= () => maintenanceTick(node, v);
  armMaintenance(node, v);
}

function armMaintenance(node: ChordNode, v: VNode): void {
  const at = Math.min(v.dueStabilize, v.dueFix, v.dueCheck);
  v.timer = node.clock.setTimeout(v.tick as () => void, at - node.clock.now());
}

/** runs whichever of stabilize, fix_fingers and check_predecessor is due, then re-arms */
function maintenanceTick(node: ChordNode, v: VNode): void {
  v.timer = undefined;
  if (!node.running || !node.maintenanceOn) return;
  const cfg = node.cfg;
  const now = node.clock.now();
  const stab = now >= v.dueStabilize;
  const fix = now >= v.dueFix;
  const check = now >= v.dueCheck;
  if (stab) v.dueStabilize = now + node.jitter(cfg.stabilizeMs);
  if (fix) v.dueFix = now + node.jitter(cfg.fixFingersMs);
  if (check) v.dueCheck = now + node.jitter(cfg.checkPredecessorMs);
  armMaintenance(node, v);
  if (stab) stabilize(node, v);
  if (fix) fixFingers(node, v);
  if (check) checkPredecessor(node, v);
}

export function stopMaintenance(node: ChordNode, v: VNode): void {
  node.clock.clearTimeout(v.timer);
  v.timer = undefined;
}

/** when the successor list ran dry: the nearest finger, else the predecessor, else alone */
export function refillSuccessor(v: VNode): void {
  if (v.succs.length > 0) return;
  const fs = v.fingers.entries();
  const f = fs[0];
  if (f !== undefined) v.setSuccessors([f]);
  else if (v.pred !== undefined) v.setSuccessors([v.pred]);
}

/** stabilize: adopt the successor's predecessor if it sits between, copy its list, notify it */
export function stabilize(node: ChordNode, v: VNode): void {
  if (!node.running || !v.joined || v.stabilizing) return;
  const succ = v.successor();
  if (succ === v.self) {
    // alone: a node that notified us is the only other member we know
    if (v.pred !== undefined && v.pred.id !== v.self.id) {
      v.setSuccessors([v.pred]);
      notify(node, v, v.pred);
    }
    return;
  }
  v.stabilizing = true;
  node.request(
    succ,
    node.cfg.rpcTimeoutMs,
    (rid) => ({ type: 'get-neighbours', rid: rid, srcId: v.self.id, srcVn: v.self.vn, dstVn: succ.vn }),
    (reply) => {
      v.stabilizing = false;
      if (!node.running) return;
      if (reply === undefined) {
        // first silence: ask once more; second: the successor is dead, go on with the next
        if (v.suspect !== succ.id) {
          v.suspect = succ.id;
          stabilize(node, v);
          return;
        }
        v.suspect = undefined;
        node.forget(succ.id);
        refillSuccessor(v);
        if (v.successor() !== v.self) stabilize(node, v);
        return;
      }
      v.suspect = undefined;
      if (reply.type !== 'neighbours') return;
      const x = reply.pred;
      if (x !== undefined && x.id !== v.self.id && between(x.id, v.self.id, succ.id)) {
        // a closer successor: check it at once rather than a period later (each step is
        // strictly closer, so a wrong successor is walked back in RTTs, not in periods)
        v.setSuccessors([x, succ, ...reply.succs]);
        stabilize(node, v);
        return;
      }
      if (!v.sameSuccessors(succ, reply.succs)) v.setSuccessors([succ, ...reply.succs]);
      notify(node, v, v.successor());
    },
  );
}

function notify(node: ChordNode, v: VNode, to: NodeRef): void {
  node.send(to.addr, { type: 'notify', rid: 0, srcId: v.self.id, srcVn: v.self.vn, dstVn: to.vn });
}

/**
 * notify received: `s` thinks it is our predecessor. Adopt it when we have none or it is
 * closer; hand it the pointers it is now responsible for.
 */
export function onNotify(node: ChordNode, v: VNode, s: NodeRef): void {
  if (s.id === v.self.id) return;
  const old = v.pred;
  if (old !== undefined && old.id !== s.id && !between(s.id, old.id, v.self.id)) return;
  if (old?.id === s.id) {
    if (old !== s) v.pred = s;
    return;
  }
  v.pred = s;
  if (v.succs.length === 0) v.setSuccessors([s]);
  // tell the old predecessor that s now sits between us (its new successor)
  if (old !== undefined && old.id !== v.self.id && between(s.id, old.id, v.self.id)) {
    node.send(old.addr, { type: 'hint', rid: 0, srcId: v.self.id, srcVn: v.self.vn, dstVn: old.vn, node: s });
  }
  // keys in (old, s] (or everything outside (s, self] when we had no predecessor)
  handover(node, v, s, node.store.range(old?.id ?? v.self.id, s.id, node.clock.now()));
}

/**
 * A HINT: `n` joined between us and our successor. Adopt it as successor and stabilize
 * with it at once, which both checks that it answers and notifies it.
 */
export function onHint(node: ChordNode, v: VNode, n: NodeRef): void {
  if (n.id === v.self.id || !v.joined) return;
  const succ = v.successor();
  if (succ !== v.self && !between(n.id, v.self.id, succ.id)) return;
  v.setSuccessors([n, ...v.succs]);
  stabilize(node, v);
}

/** copies pointers to another node (kept here too: we stay a replica holder) */
export function handover(node: ChordNode, v: VNode, to: NodeRef, items: readonly ChordItem[]): void {
  if (items.length === 0 || to.addr === node.local) return;
  node.counters.handoverItems += items.length;
  for (const batch of packItems(items)) {
    node.send(to.addr, {
      type: 'store',
      rid: 0,
      srcId: v.self.id,
      srcVn: v.self.vn,
      dstVn: to.vn,
      replicate: false,
      items: batch,
    });
  }
}

/**
 * The lowest finger index worth refreshing: fingers whose start falls inside the average
 * successor gap are the successor anyway (ToN §IV-D: below m − 2·log N w.h.p.).
 */
function lowFinger(node: ChordNode, v: VNode): number {
  const last = v.succs[v.succs.length - 1];
  if (last === undefined) return 0;
  const span = node.space.log2Distance(v.self.id, last.id);
  return Math.max(0, Math.floor(span - Math.log2(v.succs.length)) - 1);
}

/** fix_fingers: refresh the next finger(s) in [lowFinger, m) by a lookup of n + 2^i */
export function fixFingers(node: ChordNode, v: VNode): void {
  if (!node.running || !v.joined || v.succs.length === 0) return;
  const m = node.space.bits;
  const lo = lowFinger(node, v);
  for (let j = 0; j < node.cfg.fingersPerRound; j++) {
    const i = v.fixNext < lo || v.fixNext >= m ? lo : v.fixNext;
    v.fixNext = i + 1 >= m ? lo : i + 1;
    const start = node.space.addPow2(v.self.id, i);
    startLookup(node, v, start, { confirm: false, count: false }, (r) => {
      if (!node.running || !r.ok || r.owner === undefined || r.owner.id === v.self.id) return;
      v.fingers.set(i, r.owner);
    });
  }
}

/** check_predecessor: forget a predecessor that stopped answering */
export function checkPredecessor(node: ChordNode, v: VNode): void {
  const p = v.pred;
  if (!node.running || p === undefined || p.addr === node.local) return;
  node.request(
    p,
    node.cfg.rpcTimeoutMs,
    (rid) => ({ type: 'ping', rid: rid, srcId: v.self.id, srcVn: v.self.vn, dstVn: p.vn }),
    (reply) => {
      if (reply !== undefined || !node.running) return;
      node.timedOut(p);
    },
  );
}

/**
 * Voluntary leave (ToN §IV-E.4): hand the pointers we own to the successor, then tell the
 * successor our predecessor and the predecessor our successor list, so both splice their
 * tables without waiting for timeouts.
 */
export function leaveRing(node: ChordNode): void {
  const now = node.clock.now();
  for (const v of node.vn) {
    if (!v.joined) continue;
    const succ = v.succs.find((n) => n.addr !== node.local);
    const pred = v.pred;
    if (succ !== undefined) {
      handover(node, v, succ, node.store.range(pred?.id ?? v.self.id, v.self.id, now));
      node.send(succ.addr, {
        type: 'leave',
        rid: 0,
        srcId: v.self.id,
        srcVn: v.self.vn,
        dstVn: succ.vn,
        pred,
        succs: [],
      });
    }
    if (pred !== undefined && pred.addr !== node.local) {
      const succs = v.succs.filter((n) => n.id !== pred.id);
      node.send(pred.addr, {
        type: 'leave',
        rid: 0,
        srcId: v.self.id,
        srcVn: v.self.vn,
        dstVn: pred.vn,
        pred: undefined,
        succs,
      });
    }
  }
}

/** a LEAVE from `s`: splice it out using what it told us */
export function onLeave(
  node: ChordNode,
  v: VNode,
  s: NodeRef,
  pred: NodeRef | undefined,
  succs: readonly NodeRef[],
): void {
  if (v.pred?.id === s.id) v.pred = pred !== undefined && pred.id !== v.self.id ? pred : undefined;
  if (v.successor().id === s.id) {
    v.setSuccessors([...succs, ...v.succs].filter((n) => n.id !== s.id));
  }
  node.forget(s.id);
  refillSuccessor(v);
}
