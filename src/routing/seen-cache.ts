/**
 * A bounded, time-expiring map for routing state: the (GUID, type) seen-cache of
 * broadcasts, which doubles as the reverse-path route table (the value is the link a
 * request came from), and the Push route table (servent ID → link).
 *
 * Compactness matters: the simulator runs one cache per virtual node, and a live
 * ultrapeer sees thousands of GUIDs a minute. So:
 * - keys are short latin1 strings (one char per byte: 17 chars for GUID+type), stored
 *   in one `Map` whose insertion order is also the age order;
 * - no per-entry timestamp: insertions are counted in coarse time buckets
 *   (`granularityMs`, default maxAge/32), and expiry deletes whole buckets from the
 *   front of the map. An entry therefore lives at least `maxAgeMs` and less than
 *   `maxAgeMs + granularityMs`;
 * - entries are never deleted from the middle (that would desynchronise the bucket
 *   counts): `update()` rewrites a value in place (e.g. a route tombstone) instead.
 * - expiry runs lazily on access (no timer per cache); `prune()` forces it.
 */
import type { Clock } from '../core/clock.js';

export interface SeenCacheOptions {
  /** most entries kept; the oldest are evicted first (default 100,000) */
  readonly maxEntries?: number;
  /** entries older than this are forgotten (default 600,000 ms = 10 min) */
  readonly maxAgeMs?: number;
  /** width of an age bucket (default maxAgeMs / 32) */
  readonly granularityMs?: number;
}

export const SEEN_CACHE_DEFAULTS = {
  maxEntries: 100_000,
  maxAgeMs: 600_000,
} as const;

/**
 * Measured V8 heap cost of one entry (17-char one-byte string key, shared value), as heap
 * growth over entries held (Node 20, x64): 78 B in a freshly filled Map, 114–115 B after
 * 10^6–3·10^6 inserts into a cache bounded at 10^5 (deleted slots linger until V8
 * rehashes); we report the latter. test/routing/seen-cache.test.ts measures it again when
 * run with --expose-gc; docs/LIMITS.md has the figures.
 */
export const SEEN_CACHE_BYTES_PER_ENTRY = 115;
/** Fixed cost of an empty cache object, its Map and bucket arrays. */
export const SEEN_CACHE_BASE_BYTES = 200;

/** Estimated heap bytes of a cache holding `entries` entries. */
export function estimateSeenCacheBytes(entries: number): number {
  return SEEN_CACHE_BASE_BYTES + entries * SEEN_CACHE_BYTES_PER_ENTRY;
}

const b = (id: Uint8Array, i: number): number => id[i] ?? 0;

/** The cache key of a (GUID, payload type) pair: 17 latin1 chars (a flat one-byte string). */
// prettier-ignore
export function guidTypeKey(guid: Uint8Array, type: number): string {
  return String.fromCharCode(
    b(guid, 0), b(guid, 1), b(guid, 2), b(guid, 3), b(guid, 4), b(guid, 5), b(guid, 6), b(guid, 7),
    b(guid, 8), b(guid, 9), b(guid, 10), b(guid, 11), b(guid, 12), b(guid, 13), b(guid, 14), b(guid, 15),
    type & 0xff,
  );
}

/** The cache key of a 16-byte identifier (servent ID): 16 latin1 chars. */
// prettier-ignore
export function idKey(id: Uint8Array): string {
  return String.fromCharCode(
    b(id, 0), b(id, 1), b(id, 2), b(id, 3), b(id, 4), b(id, 5), b(id, 6), b(id, 7),
    b(id, 8), b(id, 9), b(id, 10), b(id, 11), b(id, 12), b(id, 13), b(id, 14), b(id, 15),
  );
}

export class SeenCache<V> {
  private readonly map = new Map<string, V>();
  /**
   * One live iterator over the keys, parked at the oldest entry. A fresh iterator per
   * eviction would walk over every deleted slot at the front of V8's table (they stay
   * until the next rehash), which made eviction quadratic; a live one steps over each once.
   */
  private front: IterableIterator<string> | undefined;
  /** bucket start times and insert counts, oldest first, from `head` on */
  private bucketStart: number[] = [];
  private bucketCount: number[] = [];
  private head = 0;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly granularityMs: number;
  /** entries evicted because the cache was full (not expired by age) */
  evicted = 0;

  constructor(
    private readonly clock: Clock,
    opts: SeenCacheOptions = {},
  ) {
    this.maxEntries = Math.max(1, Math.floor(opts.maxEntries ?? SEEN_CACHE_DEFAULTS.maxEntries));
    this.maxAgeMs = Math.max(1, opts.maxAgeMs ?? SEEN_CACHE_DEFAULTS.maxAgeMs);
    this.granularityMs = Math.max(1, opts.granularityMs ?? Math.ceil(this.maxAgeMs / 32));
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    this.expire();
    return this.map.has(key);
  }

  get(key: string): V | undefined {
    this.expire();
    return this.map.get(key);
  }

  /**
   * Records `key` → `value` when the key is new (returns true). An existing key is left
   * untouched (returns false): the caller counts it as a duplicate.
   */
  add(key: string, value: V): boolean {
    this.expire();
    if (this.map.has(key)) return false;
    this.map.set(key, value);
    const now = this.clock.now();
    const last = this.bucketStart.length - 1;
    if (last >= this.head && now < (this.bucketStart[last] as number) + this.granularityMs) {
      this.bucketCount[last] = (this.bucketCount[last] as number) + 1;
    } else {
      this.bucketStart.push(now);
      this.bucketCount.push(1);
    }
    while (this.map.size > this.maxEntries) {
      this.dropOldest(1);
      this.evicted++;
    }
    return true;
  }

  /** Rewrites the value of an existing key in place (its age is unchanged). */
  update(key: string, value: V): boolean {
    if (!this.map.has(key)) return false;
    this.map.set(key, value);
    return true;
  }

  /** Drops every entry whose bucket is older than maxAgeMs. */
  prune(): void {
    this.expire();
  }

  clear(): void {
    this.map.clear();
    this.front = undefined;
    this.bucketStart = [];
    this.bucketCount = [];
    this.head = 0;
  }

  /** Estimated heap bytes held (see SEEN_CACHE_BYTES_PER_ENTRY). */
  estimateBytes(): number {
    return estimateSeenCacheBytes(this.map.size) + (this.bucketStart.length - this.head) * 16;
  }

  private expire(): void {
    if (this.head >= this.bucketStart.length) return;
    // a bucket [start, start+g) is dropped once its youngest possible entry is maxAge old
    const limit = this.clock.now() - this.maxAgeMs - this.granularityMs;
    while (this.head < this.bucketStart.length && (this.bucketStart[this.head] as number) <= limit) {
      const n = this.bucketCount[this.head] as number;
      this.deleteFront(n);
      this.head++;
    }
    this.compactBuckets();
  }

  /** Evicts `n` oldest entries, keeping the bucket counts in step. */
  private dropOldest(n: number): void {
    let left = n;
    while (left > 0 && this.head < this.bucketCount.length) {
      const c = this.bucketCount[this.head] as number;
      const take = Math.min(c, left);
      this.deleteFront(take);
      left -= take;
      if (take === c) this.head++;
      else this.bucketCount[this.head] = c - take;
    }
    this.compactBuckets();
  }

  private deleteFront(n: number): void {
    if (n <= 0) return;
    for (let i = 0; i < n; i++) {
      const it = (this.front ??= this.map.keys());
      const r = it.next();
      if (r.done === true) {
        // a finished iterator stays finished; the map is empty now
        this.front = undefined;
        return;
      }
      this.map.delete(r.value);
    }
  }

  private compactBuckets(): void {
    if (this.head === 0) return;
    if (this.head >= this.bucketStart.length) {
      this.bucketStart = [];
      this.bucketCount = [];
      this.head = 0;
    } else if (this.head > 32 && this.head * 2 > this.bucketStart.length) {
      this.bucketStart = this.bucketStart.slice(this.head);
      this.bucketCount = this.bucketCount.slice(this.head);
      this.head = 0;
    }
  }
}
