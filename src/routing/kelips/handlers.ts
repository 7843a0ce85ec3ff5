/**
 * One handler per message type, dispatched from `HANDLERS`. The node has already checked
 * k, counted the message and refreshed the sender's entry (any message proves its sender
 * alive) before a handler runs.
 */
import { KelipsLimits } from '../../protocol/kelips/constants.js';
import type {
  GossipMsg,
  JoinMsg,
  KelipsMessage,
  KelipsMessageType,
  LookupMsg,
  LookupReplyMsg,
  PingMsg,
  PongMsg,
  SnapshotMsg,
  StoreAckMsg,
  StoreMsg,
} from '../../protocol/kelips/messages.js';
import { wireTs } from './gossip.js';
import { matchTuples, packReply } from './lookup.js';
import type { Membership } from './membership.js';
import type { KelipsNode } from './node.js';

type Handler<T extends KelipsMessage> = (node: KelipsNode, mem: Membership, from: string, m: T) => void;

/** RTT samples above this are discarded (a clock jump, or an echo of something else) */
const MAX_RTT_SAMPLE_MS = 60_000;

function handleGossip(node: KelipsNode, mem: Membership, from: string, m: GossipMsg): void {
  const now = node.components.clock.now();
  node.c.gossipReceived++;
  const p = mem.get(from);
  if (p !== undefined) {
    if (m.echoTs !== 0) {
      const rtt = ((wireTs(now) - m.echoTs) >>> 0) - m.echoHeldMs;
      if (rtt >= 0 && rtt <= MAX_RTT_SAMPLE_MS) p.sampleRtt(rtt);
    }
    p.echoTs = m.ts;
    p.echoAt = now;
  }
  for (const e of m.members) node.learnIndirect(e.addr, e.hb, now, e.ageS);
  node.c.entriesReceived += m.members.length;
  for (const t of m.tuples) node.putTuple(t, now);
  node.c.tuplesReceived += m.tuples.length;
}

function handleJoin(node: KelipsNode, mem: Membership, from: string, m: JoinMsg): void {
  node.joiner.serve(from, m, mem);
}

function handleSnapshot(node: KelipsNode, mem: Membership, from: string, m: SnapshotMsg): void {
  node.joiner.onSnapshot(from, m, mem);
}

function handleLookup(node: KelipsNode, mem: Membership, from: string, m: LookupMsg): void {
  const cfg = mem.cfg;
  const rng = node.components.rng;
  const canForward = m.ttl > 0 && m.hops < KelipsLimits.MAX_HOPS;
  const forward = (to: string): void => {
    node.send(to, { ...m, hb: node.hb, ttl: m.ttl - 1, hops: m.hops + 1 });
  };
  const g = node.groupOf(m.key);
  if (g !== mem.group) {
    // not our group: pass it on to our nearest contact there — to relayFanout of them when
    // the searcher asked us itself (it tries relays only when its own contacts failed, and
    // cannot see whether ours are alive)
    const contacts = canForward ? mem.nearest(g).filter((p) => p.addr !== from && p.addr !== m.origin) : [];
    if (contacts.length === 0) {
      node.c.misrouted++;
      return;
    }
    const fanout = m.origin === from ? cfg.relayFanout : 1;
    for (const c of contacts.slice(0, fanout)) {
      if (!node.relayAllowed()) return;
      node.c.lookupsForwarded++;
      forward(c.addr);
    }
    return;
  }
  const now = node.components.clock.now();
  const store = node.store;
  const found = store === undefined ? [] : matchTuples(store, m, now, cfg.tupleTimeoutMs, m.maxResults);
  if (found.length === 0 && canForward) {
    // random walk inside the group: another member's copy may have it
    const skip = new Set([from, m.origin]);
    const next = mem.pickWeighted(mem.view.list, 1, rng, skip)[0];
    if (next !== undefined) {
      if (!node.relayAllowed()) return;
      node.c.lookupsWalked++;
      forward(next.addr);
      return;
    }
  }
  if (m.origin !== from && !node.relayAllowed()) return;
  node.c.lookupsServed++;
  const reply: LookupReplyMsg = {
    type: 'lookup-reply',
    k: cfg.k,
    rid: m.rid,
    hb: node.hb,
    hops: m.hops,
    tuples: packReply(
      found.map((e) => e.t),
      cfg.maxDatagram,
    ),
  };
  node.send(m.origin, reply);
}

function handleLookupReply(node: KelipsNode, _mem: Membership, from: string, m: LookupReplyMsg): void {
  node.lookups.get(m.rid)?.reply(from, m);
}

function handleStore(node: KelipsNode, mem: Membership, from: string, m: StoreMsg): void {
  const first = m.tuples[0];
  const cfg = mem.cfg;
  if (first !== undefined) {
    const g = node.groupOf(first.key);
    if (g !== mem.group) {
      const c =
        m.ttl > 0 && m.hops < KelipsLimits.MAX_HOPS
          ? mem.nearest(g).find((p) => p.addr !== from && p.addr !== m.origin)
          : undefined;
      if (c === undefined) {
        node.c.misrouted++;
        return;
      }
      if (!node.relayAllowed()) return;
      node.c.storesForwarded++;
      node.send(c.addr, { ...m, hb: node.hb, ttl: m.ttl - 1, hops: m.hops + 1 });
      return;
    }
  }
  const now = node.components.clock.now();
  let stored = 0;
  for (const t of m.tuples) {
    const r = node.putTuple(t, now);
    if (r !== 'rejected' && r !== 'misplaced') stored++;
  }
  if (m.origin !== from && !node.relayAllowed()) return;
  node.send(m.origin, { type: 'store-ack', k: cfg.k, rid: m.rid, hb: node.hb, stored });
}

function handleStoreAck(node: KelipsNode, _mem: Membership, _from: string, m: StoreAckMsg): void {
  node.publisher.ack(m.rid);
}

function handlePing(node: KelipsNode, mem: Membership, from: string, m: PingMsg): void {
  node.send(from, { type: 'pong', k: mem.cfg.k, rid: m.rid, hb: node.hb });
}

function handlePong(node: KelipsNode, _mem: Membership, from: string, m: PongMsg): void {
  node.probeAnswered(from, m);
}

export const HANDLERS: { readonly [K in KelipsMessageType]: Handler<Extract<KelipsMessage, { type: K }>> } = {
  gossip: handleGossip,
  join: handleJoin,
  snapshot: handleSnapshot,
  lookup: handleLookup,
  'lookup-reply': handleLookupReply,
  store: handleStore,
  'store-ack': handleStoreAck,
  ping: handlePing,
  pong: handlePong,
};
