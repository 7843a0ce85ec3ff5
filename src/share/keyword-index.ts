/**
 * Inverted indexes of the share: keyword → file indexes and urn → file indexes.
 * A query is answered by intersecting the posting sets, walking the smallest one, so a
 * query costs O(|rarest posting| × words), never a scan of every file.
 */
import { keywords } from '../core/keywords.js';

/**
 * The words a file is found by: THE keyword rule applied to its path relative to the
 * share root, so directory names count ("a query matches a file when every word of the
 * query appears in its path name").
 */
export function keywordsOfPath(relPath: string): string[] {
  return keywords(relPath);
}

export class PostingIndex<K> {
  private readonly postings = new Map<K, Set<number>>();

  add(index: number, keys: Iterable<K>): void {
    for (const k of keys) {
      let set = this.postings.get(k);
      if (set === undefined) {
        set = new Set();
        this.postings.set(k, set);
      }
      set.add(index);
    }
  }

  remove(index: number, keys: Iterable<K>): void {
    for (const k of keys) {
      const set = this.postings.get(k);
      if (set === undefined) continue;
      set.delete(index);
      if (set.size === 0) this.postings.delete(k);
    }
  }

  get(key: K): ReadonlySet<number> | undefined {
    return this.postings.get(key);
  }

  /** number of distinct keys held */
  get keyCount(): number {
    return this.postings.size;
  }

  /** Indexes present under every key, at most `limit`; none for an empty key list. */
  intersect(keys: readonly K[], limit: number): number[] {
    if (keys.length === 0 || limit <= 0) return [];
    const sets: ReadonlySet<number>[] = [];
    for (const k of keys) {
      const s = this.postings.get(k);
      if (s === undefined) return [];
      sets.push(s);
    }
    sets.sort((a, b) => a.size - b.size);
    const [rarest, ...rest] = sets as [ReadonlySet<number>, ...ReadonlySet<number>[]];
    const out: number[] = [];
    outer: for (const idx of rarest) {
      for (const s of rest) if (!s.has(idx)) continue outer;
      out.push(idx);
      if (out.length >= limit) break;
    }
    return out;
  }
}
