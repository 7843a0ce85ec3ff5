/**
 * Publication of our own files as pointers: each file under every keyword of its name
 * and under its urn:sha1. One lookup per distinct key, at most `publishConcurrency` in
 * flight; the key's owner stores and replicates. New files are published at once, all of
 * them again every `republishMs` (soft state: pointers not refreshed expire after
 * `pointerTtlMs`). Removed files are simply not refreshed.
 */
import { ChordLimits } from '../../protocol/chord/constants.js';
import { canonicalSha1Urn } from '../../protocol/chord/base32.js';
import type { ChordItem, ChordPointer, NodeRef } from '../../protocol/chord/messages.js';
import type { TimerHandle } from '../../core/clock.js';
import type { SharedFileInfo } from '../types.js';
import { startLookup } from './lookup.js';
import type { ChordNode } from './node.js';
import { packItems } from './pack.js';

type BasePointer = Omit<ChordPointer, 'ttlMs'>;

function identity(p: BasePointer): string {
  return `${p.index}/${p.urn ?? ''}/${p.name}/${p.size}`;
}

export class Publisher {
  /** key text (keyword or urn) → our pointers filed under it */
  private byKey = new Map<string, BasePointer[]>();
  /** pointer identities already published under each key */
  private done = new Set<string>();
  private queue: string[] = [];
  private queued = new Set<string>();
  private inFlight = 0;
  private timer: TimerHandle | undefined;
  /** files skipped because they cannot be carried (name too long, bad characters) */
  skipped = 0;

  constructor(private readonly node: ChordNode) {}

  get keys(): number {
    return this.byKey.size;
  }

  set(files: readonly SharedFileInfo[]): void {
    const h = this.node.holder;
    const next = new Map<string, BasePointer[]>();
    for (const f of files) {
      const nameBytes = Buffer.byteLength(f.name, 'utf8');
      if (nameBytes === 0 || nameBytes > ChordLimits.MAX_NAME_BYTES || /[\0/\\]/.test(f.name)) {
        this.skipped++;
        continue;
      }
      const urn = f.urn !== undefined ? canonicalSha1Urn(f.urn) : undefined;
      const p: BasePointer = {
        name: f.name,
        size: f.size,
        urn,
        index: f.index,
        ip: h.ip,
        port: h.port,
        serventId: h.serventId,
      };
      const keys = new Set(f.keywords);
      if (urn !== undefined && this.node.cfg.indexUrns) keys.add(urn);
      for (const k of keys) {
        const list = next.get(k);
        if (list === undefined) next.set(k, [p]);
        else list.push(p);
      }
    }
    this.byKey = next;
    const current = new Set<string>();
    for (const [k, list] of next) for (const p of list) current.add(`${k}\n${identity(p)}`);
    for (const d of this.done) if (!current.has(d)) this.done.delete(d);
    for (const [k, list] of next) {
      if (list.some((p) => !this.done.has(`${k}\n${identity(p)}`))) this.enqueue(k);
    }
    if (this.node.running) {
      this.pump();
      if (this.timer === undefined && next.size > 0) this.schedule();
    }
  }

  start(): void {
    if (this.byKey.size > 0) this.schedule();
    this.pump();
  }

  stop(): void {
    this.node.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.node.clock.clearTimeout(this.timer);
    this.timer = this.node.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.node.running) return;
      for (const k of this.byKey.keys()) this.enqueue(k);
      this.pump();
      if (this.byKey.size > 0) this.schedule();
    }, this.node.jitter(this.node.cfg.republishMs));
  }

  private enqueue(k: string): void {
    if (this.queued.has(k)) return;
    this.queued.add(k);
    this.queue.push(k);
  }

  private pump(): void {
    const node = this.node;
    while (node.running && this.inFlight < node.cfg.publishConcurrency && this.queue.length > 0) {
      const k = this.queue.shift() as string;
      this.queued.delete(k);
      const list = this.byKey.get(k);
      if (list === undefined) continue;
      this.inFlight++;
      this.publishKey(k, list, () => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private publishKey(k: string, list: readonly BasePointer[], done: () => void): void {
    const node = this.node;
    const key = node.keyId(k);
    const ttlMs = node.cfg.pointerTtlMs;
    const items: ChordItem[] = list.map((p) => ({ key, pointer: { ...p, ttlMs } }));
    startLookup(node, node.closestLocal(key), key, { confirm: false, count: false }, (r) => {
      if (!r.ok) {
        node.counters.storeFailures++;
        done();
        return;
      }
      const batches = packItems(items);
      let left = batches.length;
      for (const batch of batches) {
        this.storeBatch(r.replicas, 0, batch, (ok) => {
          if (ok) for (const p of list) this.done.add(`${k}\n${identity(p)}`);
          if (--left === 0) done();
        });
      }
    });
  }

  /** STORE to the owner; when it does not acknowledge, to the next replica holder (the new owner) */
  private storeBatch(
    owners: readonly NodeRef[],
    i: number,
    batch: ChordItem[],
    cb: (ok: boolean) => void,
  ): void {
    const node = this.node;
    const owner = owners[i];
    if (owner === undefined || !node.running) {
      node.counters.storeFailures++;
      cb(false);
      return;
    }
    const v = node.closestLocal(batch[0]?.key ?? owner.id);
    node.counters.stores++;
    node.request(
      owner,
      node.cfg.rpcTimeoutMs,
      (rid) => ({
        type: 'store',
        rid: rid,
        srcId: v.self.id,
        srcVn: v.self.vn,
        dstVn: owner.vn,
        replicate: true,
        items: batch,
      }),
      (reply) => {
        if (reply === undefined) {
          node.timedOut(owner);
          this.storeBatch(owners, i + 1, batch, cb);
          return;
        }
        cb(reply.type === 'store-ack');
      },
    );
  }
}
