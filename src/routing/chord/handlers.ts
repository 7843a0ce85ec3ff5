/**
 * One handler per message type, dispatched from a table. Requests are answered from the
 * addressed virtual node's state; replies go to the RPC table, which accepts them only
 * from the address the request went to.
 */
import type { ChordMessage, ChordPointer, NodeRef } from '../../protocol/chord/messages.js';
import { ChordLimits } from '../../protocol/chord/constants.js';
import { forwardRecursive, localStep } from './lookup.js';
import { onHint, onLeave, onNotify } from './maintenance.js';
import type { ChordNode } from './node.js';
import { fitPointers, packItems } from './pack.js';
import type { VNode } from './vnode.js';

type Handler<T extends ChordMessage['type']> = (
  node: ChordNode,
  v: VNode,
  from: string,
  msg: Extract<ChordMessage, { type: T }>,
) => void;

type HandlerTable = { [T in ChordMessage['type']]: Handler<T> };

function sender(from: string, msg: ChordMessage): NodeRef {
  return { id: msg.srcId, addr: from, vn: msg.srcVn };
}

function reply(node: ChordNode, _v: VNode, from: string, msg: ChordMessage): void {
  if (!node.rpc.resolve(from, msg)) node.counters.dropped++;
}

const handlers: HandlerTable = {
  find(node, v, from, msg) {
    // a position that has not joined yet knows nothing useful: silence makes the asker try elsewhere
    if (!v.joined) return;
    const step = localStep(node, v, msg.key, msg.exclude.length > 0 ? new Set(msg.exclude) : undefined);
    node.send(from, {
      type: 'found',
      rid: msg.rid,
      srcId: v.self.id,
      srcVn: v.self.vn,
      dstVn: msg.srcVn,
      bg: msg.bg,
      done: step.done,
      hops: 0,
      timeouts: 0,
      refs: step.refs,
    });
  },

  rfind(node, v, from, msg) {
    if (!v.joined) return;
    // forwarding costs a pending request: at the cap the request is dropped unanswered
    if (node.rpc.size >= node.cfg.maxPendingRpcs) {
      node.counters.dropped++;
      return;
    }
    node.send(from, {
      type: 'rfind-ack',
      rid: msg.rid,
      srcId: v.self.id,
      srcVn: v.self.vn,
      dstVn: msg.srcVn,
      bg: msg.bg,
    });
    const hops = Math.min(msg.hops + 1, ChordLimits.MAX_HOPS);
    const answer = (refs: readonly NodeRef[], timeouts: number): void => {
      node.send(msg.origin.addr, {
        type: 'found',
        rid: msg.originRid,
        srcId: v.self.id,
        srcVn: v.self.vn,
        dstVn: msg.origin.vn,
        bg: msg.bg,
        done: true,
        hops,
        timeouts,
        refs,
      });
    };
    const step = localStep(node, v, msg.key);
    if (step.done) return answer(step.refs, msg.timeouts);
    // a dead end (every candidate silent, nothing else known) is left to the origin's lookup timeout
    forwardRecursive(node, v, msg, step.refs, hops, msg.timeouts, answer, () => {});
  },

  'get-neighbours'(node, v, from, msg) {
    node.send(from, {
      type: 'neighbours',
      rid: msg.rid,
      srcId: v.self.id,
      srcVn: v.self.vn,
      dstVn: msg.srcVn,
      pred: v.pred,
      succs: v.succs.slice(0, ChordLimits.MAX_REFS - 1),
    });
  },

  notify(node, v, from, msg) {
    onNotify(node, v, sender(from, msg));
  },

  ping(node, v, from, msg) {
    node.send(from, { type: 'pong', rid: msg.rid, srcId: v.self.id, srcVn: v.self.vn, dstVn: msg.srcVn });
  },

  hint(node, v, _from, msg) {
    onHint(node, v, msg.node);
  },

  leave(node, v, from, msg) {
    onLeave(node, v, sender(from, msg), msg.pred, msg.succs);
  },

  store(node, v, from, msg) {
    const now = node.clock.now();
    const accepted = msg.items.filter((it) => node.store.put(it.key, it.pointer, now));
    if (accepted.length > 0) node.storedSomething();
    if (msg.replicate && accepted.length > 0) {
      // the owner copies what it took to its first `replicas` successors
      for (const to of v.succs.slice(0, node.cfg.replicas)) {
        if (to.addr === node.local) continue;
        for (const batch of packItems(accepted)) {
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
    }
    if (msg.rid !== 0) {
      node.send(from, {
        type: 'store-ack',
        rid: msg.rid,
        srcId: v.self.id,
        srcVn: v.self.vn,
        dstVn: msg.srcVn,
        accepted: accepted.length,
      });
    }
  },

  fetch(node, v, from, msg) {
    const page = fetchPage(node, msg.key, msg.words, msg.urn, msg.offset);
    node.send(from, {
      type: 'fetch-res',
      rid: msg.rid,
      srcId: v.self.id,
      srcVn: v.self.vn,
      dstVn: msg.srcVn,
      pointers: page.pointers,
      next: page.next,
    });
  },

  found: reply,
  'rfind-ack': reply,
  neighbours: reply,
  pong: reply,
  'store-ack': reply,
  'fetch-res': reply,
};

/** one FETCH_RES worth of matching pointers from the local store */
export function fetchPage(
  node: ChordNode,
  key: string,
  words: readonly string[],
  urn: string | undefined,
  offset: number,
): { pointers: ChordPointer[]; next: number | undefined } {
  const got = node.store.get(key, words, urn, node.clock.now(), offset, ChordLimits.MAX_POINTERS);
  const n = fitPointers(got.pointers);
  if (n < got.pointers.length) return { pointers: got.pointers.slice(0, n), next: offset + n };
  // the u16 offset bounds paging; past it the answer is cut short
  const next = got.next !== undefined && got.next <= 0xffff ? got.next : undefined;
  return { pointers: got.pointers, next };
}

export function dispatch(node: ChordNode, from: string, msg: ChordMessage): void {
  const v = node.target(msg);
  if (v === undefined) {
    node.counters.dropped++;
    return;
  }
  (handlers[msg.type] as Handler<ChordMessage['type']>)(node, v, from, msg);
}
