/**
 * Inserts, holder side. A shared file is filed under each of its keywords and under its
 * urn; each (key → file, holder) tuple goes to the affinity group hash(key) mod k:
 *
 * - our own group: stored here and spread by our gossip;
 * - another group: a STORE (tuples of that group, packed per datagram) to our nearest
 *   contact there, which stores and gossips them; else relayed by a member of our view
 *   (it forwards to its contact). Each STORE is acknowledged; after rpcTimeoutMs the node
 *   asked directly is suspected and another is tried, up to storeTries; then the batch
 *   waits for the next round (e.g. while a joining node has no contacts yet).
 *
 * Soft state: every republishMs the version (`hb`) of every tuple is raised and all are
 * announced again; stores drop a tuple not refreshed for tupleTimeoutMs. A file no longer
 * shared is simply not announced again (its tuples expire).
 */
import type { TimerHandle } from '../../core/clock.js';
import { canonicalSha1Urn } from '../../protocol/urn.js';
import { HEADER_SIZE, KelipsLimits, STORE_FIXED } from '../../protocol/kelips/constants.js';
import { tupleWireSize } from '../../protocol/kelips/encode.js';
import type { KelipsTuple, StoreMsg } from '../../protocol/kelips/messages.js';
import { isCanonicalWord } from '../../protocol/kelips/reader.js';
import type { SharedFileInfo } from '../types.js';
import type { KelipsConfig } from './config.js';
import type { Membership } from './membership.js';
import type { KelipsNode } from './node.js';
import { tupleId } from './tuples.js';

/** STORE batches started per round from the waiting list */
const BATCHES_PER_ROUND = 8;

interface StoreJob {
  readonly group: number;
  readonly tuples: readonly KelipsTuple[];
  tries: number;
  readonly tried: Set<string>;
  target: { addr: string; direct: boolean } | undefined;
  timer: TimerHandle | undefined;
}

function nameOk(name: string): boolean {
  return (
    name.length > 0 && !name.includes('\0') && Buffer.byteLength(name, 'utf8') <= KelipsLimits.MAX_NAME_BYTES
  );
}

export class Publisher {
  /** our current tuples by id */
  mine = new Map<string, KelipsTuple>();
  /** version of our tuples: raised at each publish and re-announcement */
  epoch = 0;
  /** files skipped: bad name, size or index, or past maxPublished */
  skipped = 0;
  private readonly waiting = new Map<number, KelipsTuple[]>();
  private readonly inflight = new Map<number, StoreJob>();

  constructor(private readonly node: KelipsNode) {}

  /** The tuples of `files` at version `hb` (at most maxPublished, maxKeysPerFile keys a file). */
  tuplesFor(
    files: readonly SharedFileInfo[],
    cfg: Pick<KelipsConfig, 'maxPublished' | 'maxKeysPerFile'>,
    hb: number,
  ): KelipsTuple[] {
    const h = this.node.init.holder;
    const out: KelipsTuple[] = [];
    this.skipped = 0;
    for (const f of files) {
      if (
        !nameOk(f.name) ||
        !Number.isSafeInteger(f.size) ||
        f.size < 0 ||
        f.size > KelipsLimits.MAX_SIZE ||
        !Number.isInteger(f.index) ||
        f.index < 0 ||
        f.index > 0xffffffff
      ) {
        this.skipped++;
        continue;
      }
      const urn = f.urn === undefined ? undefined : canonicalSha1Urn(f.urn);
      const keys: string[] = [];
      for (const w of f.keywords) {
        if (keys.length >= cfg.maxKeysPerFile) break;
        if (
          Buffer.byteLength(w, 'utf8') <= KelipsLimits.MAX_WORD_BYTES &&
          isCanonicalWord(w) &&
          !keys.includes(w)
        )
          keys.push(w);
      }
      if (urn !== undefined && keys.length < cfg.maxKeysPerFile) keys.push(urn);
      for (const key of keys) {
        if (out.length >= cfg.maxPublished) {
          this.skipped++;
          return out;
        }
        out.push({
          key,
          name: f.name,
          size: f.size,
          urn,
          index: f.index,
          ip: h.ip,
          port: h.port,
          serventId: h.serventId,
          hb,
        });
      }
    }
    return out;
  }

  /** takes `files` as ours; with `announce`, sends their tuples now */
  set(files: readonly SharedFileInfo[], cfg: KelipsConfig, announce: boolean): void {
    this.epoch = (this.epoch + 1) >>> 0;
    const tuples = this.tuplesFor(files, cfg, this.epoch);
    this.mine = new Map(tuples.map((t) => [tupleId(t), t]));
    // batches of the previous publication that still wait are superseded
    this.waiting.clear();
    if (announce) this.announce(tuples);
  }

  /** raises the version of every tuple and announces them all again */
  republish(): void {
    if (this.mine.size === 0) return;
    this.epoch = (this.epoch + 1) >>> 0;
    const next = new Map<string, KelipsTuple>();
    for (const [id, t] of this.mine) next.set(id, { ...t, hb: this.epoch });
    this.mine = next;
    this.announce([...next.values()]);
  }

  private announce(tuples: readonly KelipsTuple[]): void {
    const node = this.node;
    const mem = node.mem;
    if (mem === undefined) return;
    const now = node.components.clock.now();
    for (const t of tuples) {
      const g = node.groupOf(t.key);
      if (g === mem.group) {
        node.putTuple(t, now);
        continue;
      }
      let list = this.waiting.get(g);
      if (list === undefined) {
        list = [];
        this.waiting.set(g, list);
      }
      list.push(t);
    }
    this.flush(mem, Infinity);
  }

  /** starts STORE batches for waiting groups that have somebody to send to */
  flush(mem: Membership, maxBatches = BATCHES_PER_ROUND): void {
    let started = 0;
    for (const [g, list] of this.waiting) {
      if (started >= maxBatches) return;
      if (mem.contactsOf(g).length === 0 && mem.view.size === 0 && mem.contacts.size === 0) continue;
      this.waiting.delete(g);
      for (const batch of packStore(list, mem.cfg.maxDatagram)) {
        this.send(mem, {
          group: g,
          tuples: batch,
          tries: 0,
          tried: new Set(),
          target: undefined,
          timer: undefined,
        });
        started++;
      }
    }
  }

  private send(mem: Membership, job: StoreJob): void {
    const node = this.node;
    const cfg = mem.cfg;
    const rng = node.components.rng;
    let peer = mem.nearest(job.group).find((p) => !job.tried.has(p.addr));
    let direct = true;
    if (peer === undefined) {
      direct = false;
      peer =
        mem.pickWeighted(mem.view.list, 1, rng, job.tried)[0] ??
        mem.pickWeighted(mem.contacts.list, 1, rng, job.tried)[0];
    }
    if (peer === undefined || job.tries >= cfg.storeTries) {
      this.wait(job);
      return;
    }
    const rid = node.newRid();
    const ttl = direct ? 0 : 1;
    const msg: StoreMsg = {
      type: 'store',
      k: cfg.k,
      rid,
      hb: node.hb,
      origin: mem.self,
      ttl,
      hops: 1,
      tuples: job.tuples,
    };
    job.tries++;
    job.tried.add(peer.addr);
    job.target = { addr: peer.addr, direct };
    if (job.tries > 1) node.c.storeRetries++;
    node.c.storesSent++;
    this.inflight.set(rid, job);
    node.send(peer.addr, msg);
    job.timer = node.components.clock.setTimeout(
      () => {
        job.timer = undefined;
        this.inflight.delete(rid);
        const m = node.mem;
        if (m === undefined || !node.running) return;
        if (job.target?.direct === true && m.suspect(job.target.addr, node.components.clock.now()))
          node.c.suspected++;
        this.send(m, job);
      },
      cfg.rpcTimeoutMs * (1 + ttl),
    );
  }

  private wait(job: StoreJob): void {
    // only tuples still current go back to the waiting list
    const keep = job.tuples.filter((t) => this.mine.get(tupleId(t))?.hb === t.hb);
    if (keep.length === 0) return;
    const list = this.waiting.get(job.group);
    if (list === undefined) this.waiting.set(job.group, [...keep]);
    else list.push(...keep);
  }

  ack(rid: number): void {
    const job = this.inflight.get(rid);
    if (job === undefined) return;
    this.inflight.delete(rid);
    this.node.components.clock.clearTimeout(job.timer);
    this.node.c.storesAcked++;
  }

  waitingGroups(): number {
    return this.waiting.size;
  }

  stop(): void {
    for (const job of this.inflight.values()) this.node.components.clock.clearTimeout(job.timer);
    this.inflight.clear();
  }
}

/** tuples in STORE-sized batches */
export function packStore(tuples: readonly KelipsTuple[], maxDatagram: number): KelipsTuple[][] {
  const room = maxDatagram - HEADER_SIZE - STORE_FIXED;
  const out: KelipsTuple[][] = [];
  let cur: KelipsTuple[] = [];
  let used = 0;
  for (const t of tuples) {
    const n = tupleWireSize(t);
    if (n > room) continue;
    if (cur.length >= KelipsLimits.MAX_TUPLES || used + n > room) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(t);
    used += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
