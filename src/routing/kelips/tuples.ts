/**
 * The file tuples a node stores: those whose key hashes to its own affinity group. A
 * tuple is identified by (key, holder address, holder's file index); a newer version
 * (higher `hb`) replaces an older one and refreshes its timer. Bounded in total and per
 * key (hostile peers); expired tuples leave a tombstone so that gossip of the same
 * version does not bring them back.
 */
import { keywords } from '../../core/keywords.js';
import type { KelipsTuple } from '../../protocol/kelips/messages.js';
import { FreshQueue, Tombstones } from './peers.js';

/** Bytes one stored tuple costs in our state model (docs/LIMITS.md "Kelips"): see `tupleStateBytes`. */
export const TUPLE_STATE_FIXED = 62;

/**
 * State-model bytes of a tuple: size(6) urn(20) holder address(6) servent ID(16) index(4)
 * version(4) refreshed-at(4) two length bytes(2) = 62, plus the key (none when it is the
 * urn) and the name.
 */
export function tupleStateBytes(t: KelipsTuple): number {
  const key = t.urn !== undefined && t.key === t.urn ? 0 : t.key.length;
  return TUPLE_STATE_FIXED + key + t.name.length;
}

export function tupleId(t: KelipsTuple): string {
  return `${t.key}\n${t.ip}:${t.port}\n${t.index}`;
}

export class StoredTuple {
  pos = -1;
  fresh = 0;
  inFresh = false;
  /** the file name's keywords, computed on the first lookup that needs them */
  private words: ReadonlySet<string> | undefined;

  constructor(
    readonly id: string,
    public t: KelipsTuple,
    public heardAt: number,
  ) {}

  get removed(): boolean {
    return this.pos < 0;
  }

  nameWords(): ReadonlySet<string> {
    return (this.words ??= new Set(keywords(this.t.name)));
  }
}

export type StoreOutcome = 'new' | 'refreshed' | 'same' | 'rejected';

export interface TupleStoreLimits {
  readonly maxTuples: number;
  readonly maxPerKey: number;
  readonly freshSends: number;
  readonly freshCap: number;
}

export class TupleStore {
  readonly list: StoredTuple[] = [];
  readonly fresh: FreshQueue<StoredTuple>;
  private readonly byId = new Map<string, StoredTuple>();
  private readonly byKey = new Map<string, StoredTuple[]>();
  private readonly buried: Tombstones;
  /** Σ tupleStateBytes of the stored tuples */
  bytes = 0;

  constructor(private readonly limits: TupleStoreLimits) {
    this.fresh = new FreshQueue(limits.freshSends, limits.freshCap);
    this.buried = new Tombstones(limits.maxTuples);
  }

  get size(): number {
    return this.list.length;
  }

  keys(): number {
    return this.byKey.size;
  }

  /** Stores or refreshes `t` (its key's group was checked by the caller). */
  put(t: KelipsTuple, now: number): StoreOutcome {
    const id = tupleId(t);
    const cur = this.byId.get(id);
    if (cur !== undefined) {
      if (t.hb <= cur.t.hb) return 'same';
      this.bytes += tupleStateBytes(t) - tupleStateBytes(cur.t);
      cur.t = t;
      cur.heardAt = now;
      this.fresh.push(cur);
      return 'refreshed';
    }
    if (this.buried.blocks(id, t.hb, now)) return 'same';
    if (this.list.length >= this.limits.maxTuples) return 'rejected';
    let same = this.byKey.get(t.key);
    if (same !== undefined && same.length >= this.limits.maxPerKey) return 'rejected';
    const e = new StoredTuple(id, t, now);
    e.pos = this.list.length;
    this.list.push(e);
    this.byId.set(id, e);
    if (same === undefined) {
      same = [];
      this.byKey.set(t.key, same);
    }
    same.push(e);
    this.bytes += tupleStateBytes(t);
    this.fresh.push(e);
    return 'new';
  }

  /** live tuples filed under `key` (expired ones are skipped, the sweep removes them) */
  under(key: string): readonly StoredTuple[] {
    return this.byKey.get(key) ?? [];
  }

  random(pick: (n: number) => number): StoredTuple | undefined {
    return this.list.length === 0 ? undefined : this.list[pick(this.list.length)];
  }

  remove(e: StoredTuple, tombstoneUntil: number): void {
    if (e.pos < 0 || this.list[e.pos] !== e) return;
    const last = this.list.pop() as StoredTuple;
    if (last !== e) {
      this.list[e.pos] = last;
      last.pos = e.pos;
    }
    e.pos = -1;
    this.byId.delete(e.id);
    const same = this.byKey.get(e.t.key);
    if (same !== undefined) {
      const i = same.indexOf(e);
      if (i >= 0) same.splice(i, 1);
      if (same.length === 0) this.byKey.delete(e.t.key);
    }
    this.bytes -= tupleStateBytes(e.t);
    this.buried.add(e.id, e.t.hb, tombstoneUntil);
  }

  /** Removes tuples not refreshed for `timeoutMs`; returns how many. */
  expire(now: number, timeoutMs: number): number {
    let n = 0;
    for (let i = this.list.length - 1; i >= 0; i--) {
      const e = this.list[i] as StoredTuple;
      if (now - e.heardAt > timeoutMs) {
        this.remove(e, now + timeoutMs);
        n++;
      }
    }
    this.buried.sweep(now);
    return n;
  }

  clear(): void {
    for (const e of this.list) e.pos = -1;
    this.list.length = 0;
    this.byId.clear();
    this.byKey.clear();
    this.fresh.clear();
    this.buried.clear();
    this.bytes = 0;
  }
}
