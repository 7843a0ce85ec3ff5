/**
 * The published library as the flooding back-end answers it: an inverted index
 * keyword → file positions (ascending), plus urn:sha1 → file positions. Matching follows
 * the one keyword rule of src/core/keywords.ts: every query word must be a word of the
 * name; 1-char words are not words, so a query made only of them matches nothing.
 */
import { keywords } from '../../core/keywords.js';
import { canonicalSha1Urn } from '../../protocol/index.js';
import type { SharedFileInfo } from '../types.js';

/** Rough V8 costs used by `estimateBytes` (object headers, array slots, string bodies). */
const FILE_BYTES = 120;
const WORD_BYTES = 90;
const POSTING_BYTES = 8;

export class LocalIndex {
  readonly files: readonly SharedFileInfo[];
  private readonly byWord = new Map<string, number[]>();
  private readonly byUrn = new Map<string, number[]>();
  private postings = 0;
  private nameBytes = 0;
  /** sum of the file sizes, for our Pong's KB count */
  readonly totalBytes: number = 0;

  constructor(files: readonly SharedFileInfo[]) {
    this.files = files.slice();
    for (let i = 0; i < this.files.length; i++) {
      const f = this.files[i] as SharedFileInfo;
      this.nameBytes += f.name.length;
      this.totalBytes += f.size;
      for (const w of fileWords(f)) {
        let list = this.byWord.get(w);
        if (list === undefined) this.byWord.set(w, (list = []));
        list.push(i);
        this.postings++;
      }
      const urn = f.urn === undefined ? undefined : canonicalSha1Urn(f.urn);
      if (urn !== undefined) {
        let list = this.byUrn.get(urn);
        if (list === undefined) this.byUrn.set(urn, (list = []));
        list.push(i);
      }
    }
  }

  get size(): number {
    return this.files.length;
  }

  /** Every distinct keyword of the library (for QRP tables). */
  words(): IterableIterator<string> {
    return this.byWord.keys();
  }

  /** True when both indexes hold exactly the same keyword set. */
  sameWords(other: LocalIndex | undefined): boolean {
    if (other === undefined) return this.byWord.size === 0;
    if (other.byWord.size !== this.byWord.size) return false;
    for (const w of this.byWord.keys()) if (!other.byWord.has(w)) return false;
    return true;
  }

  /**
   * Files matching a query, at most `limit`, in library order.
   * - any full `urn:sha1:` among `urns` → match by URN only;
   * - `all` (the index query "    ", TTL 1, hops 0) → every file;
   * - else every keyword of `text` must be a keyword of the name.
   */
  match(text: string, urns: readonly string[], all: boolean, limit: number): SharedFileInfo[] {
    if (limit <= 0 || this.files.length === 0) return [];
    let byUrn: SharedFileInfo[] | undefined;
    for (const raw of urns) {
      const urn = canonicalSha1Urn(raw);
      if (urn === undefined) continue;
      byUrn ??= [];
      for (const i of this.byUrn.get(urn) ?? []) {
        const f = this.files[i] as SharedFileInfo;
        if (!byUrn.includes(f)) byUrn.push(f);
        if (byUrn.length >= limit) return byUrn;
      }
    }
    if (byUrn !== undefined) return byUrn;
    if (all) return this.files.slice(0, limit);
    const words = keywords(text);
    if (words.length === 0) return [];
    const lists: number[][] = [];
    for (const w of words) {
      const list = this.byWord.get(w);
      if (list === undefined) return [];
      lists.push(list);
    }
    lists.sort((a, b) => a.length - b.length);
    let candidates = lists[0] as number[];
    for (let k = 1; k < lists.length && candidates.length > 0; k++) {
      candidates = intersectSorted(candidates, lists[k] as number[]);
    }
    const out: SharedFileInfo[] = [];
    for (let j = 0; j < candidates.length && out.length < limit; j++) {
      out.push(this.files[candidates[j] as number] as SharedFileInfo);
    }
    return out;
  }

  estimateBytes(): number {
    return (
      this.files.length * FILE_BYTES +
      this.nameBytes +
      this.byWord.size * WORD_BYTES +
      this.postings * POSTING_BYTES +
      this.byUrn.size * WORD_BYTES
    );
  }
}

/** The keywords a file is found by: its name's words, plus any the library supplied. */
function fileWords(f: SharedFileInfo): Set<string> {
  const set = new Set(keywords(f.name));
  for (const w of f.keywords) for (const k of keywords(w)) set.add(k);
  return set;
}

function intersectSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}
