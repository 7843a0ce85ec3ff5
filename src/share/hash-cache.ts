/**
 * `<dataDir>/hash-cache.json`: what survives a restart. Per real path: the file index
 * (so `/get/<index>/…` links stay valid across restarts) and, when hashed, the SHA-1 urn
 * valid for that (size, mtimeMs). Written atomically (temp file + rename) so a crash
 * mid-write leaves the previous version. A corrupt or oversized file is ignored (logged):
 * the cost is one rehash, never a failure to start.
 */
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/log.js';
import { normaliseSha1Urn } from './base32.js';

export const HASH_CACHE_FILE = 'hash-cache.json';
const CACHE_VERSION = 1;
/** A larger cache file is not read (≈ 200 bytes an entry: far above 2 × maxFiles entries). */
export const MAX_CACHE_BYTES = 128 * 1024 * 1024;
/** Gnutella file indexes are u32 on the wire; 0 is never used. */
export const MAX_FILE_INDEX = 0xffff_fffe;

export interface CacheEntry {
  index: number;
  size: number;
  mtimeMs: number;
  /**
   * inode and inode change time: a file renamed into the path, or rewritten with its
   * mtime set back, keeps size and mtime but not these (ctime cannot be set by users)
   */
  ino: number;
  ctimeMs: number;
  /** `urn:sha1:…` valid for exactly this (size, mtime, inode, ctime) */
  urn: string | undefined;
}

interface CacheFileV1 {
  version: 1;
  nextIndex: number;
  entries: Record<
    string,
    { index: number; size: number; mtimeMs: number; ino?: number; ctimeMs?: number; urn?: string }
  >;
}

export class HashCache {
  readonly file: string;
  /** real path → entry; Map order = least recently touched first (pruning drops from the front) */
  private readonly entries = new Map<string, CacheEntry>();
  private readonly usedIndexes = new Set<number>();
  private nextIndex = 1;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  private tmpSeq = 0;

  constructor(
    dataDir: string,
    private readonly log: Logger,
    /** entries kept at most (present files first; then the most recently seen absent ones) */
    private readonly maxEntries: number,
    private readonly maxBytes = MAX_CACHE_BYTES,
  ) {
    this.file = join(dataDir, HASH_CACHE_FILE);
  }

  async load(): Promise<void> {
    let text: string;
    try {
      const st = await stat(this.file);
      if (st.size > this.maxBytes) {
        this.log.warn({ file: this.file, bytes: st.size }, 'hash cache too large, ignored');
        return;
      }
      text = await readFile(this.file, 'utf8');
    } catch {
      return; // first run
    }
    try {
      this.absorb(JSON.parse(text) as unknown);
    } catch (e) {
      this.entries.clear();
      this.usedIndexes.clear();
      this.nextIndex = 1;
      this.log.warn({ file: this.file, err: String(e) }, 'hash cache unreadable, ignored');
    }
  }

  private absorb(data: unknown): void {
    if (typeof data !== 'object' || data === null) throw new Error('not an object');
    const d = data as Partial<CacheFileV1>;
    if (d.version !== CACHE_VERSION || typeof d.entries !== 'object' || d.entries === null)
      throw new Error('unknown version');
    let maxIndex = 0;
    for (const [path, raw] of Object.entries(d.entries)) {
      if (typeof raw !== 'object' || raw === null) continue;
      const { index, size, mtimeMs, urn, ino, ctimeMs } = raw;
      if (!Number.isInteger(index) || index < 1 || index > MAX_FILE_INDEX || this.usedIndexes.has(index))
        continue;
      if (!Number.isSafeInteger(size) || size < 0 || typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs))
        continue;
      const norm = typeof urn === 'string' ? normaliseSha1Urn(urn) : undefined;
      // an entry without inode and ctime (older cache) keeps its index; its urn is re-hashed
      const known = typeof ino === 'number' && typeof ctimeMs === 'number';
      this.entries.set(path, {
        index,
        size,
        mtimeMs,
        ino: known ? ino : -1,
        ctimeMs: known ? ctimeMs : -1,
        urn: known ? norm : undefined,
      });
      this.usedIndexes.add(index);
      maxIndex = Math.max(maxIndex, index);
    }
    const next = typeof d.nextIndex === 'number' && Number.isInteger(d.nextIndex) ? d.nextIndex : 1;
    this.nextIndex = Math.max(next, maxIndex + 1);
  }

  /** The index of a path: the remembered one, else a fresh one never used for another path. */
  indexFor(path: string): number {
    const e = this.entries.get(path);
    if (e !== undefined) return e.index;
    while (this.usedIndexes.has(this.nextIndex)) this.nextIndex++;
    // Past u32 (≈ 4 billion distinct paths seen) indexes wrap to the lowest free one.
    if (this.nextIndex > MAX_FILE_INDEX) {
      this.nextIndex = 1;
      while (this.usedIndexes.has(this.nextIndex)) this.nextIndex++;
    }
    return this.nextIndex++;
  }

  /** The urn remembered for exactly this version of the file (path, size, mtime, inode, ctime), if any. */
  urnFor(
    path: string,
    v: { readonly size: number; readonly mtimeMs: number; readonly ino: number; readonly ctimeMs: number },
  ): string | undefined {
    const e = this.entries.get(path);
    const same =
      e !== undefined &&
      e.size === v.size &&
      e.mtimeMs === v.mtimeMs &&
      e.ino === v.ino &&
      e.ctimeMs === v.ctimeMs;
    return same ? e.urn : undefined;
  }

  set(path: string, entry: CacheEntry): void {
    const old = this.entries.get(path);
    if (old !== undefined && old.index !== entry.index) this.usedIndexes.delete(old.index);
    this.entries.delete(path); // re-insert at the back: most recently touched
    this.entries.set(path, entry);
    this.usedIndexes.add(entry.index);
    this.dirty = true;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops the least recently touched entries not in `present` beyond `maxEntries`. */
  prune(present: ReadonlySet<string>): void {
    let excess = this.entries.size - this.maxEntries;
    if (excess <= 0) return;
    for (const [path, e] of this.entries) {
      if (excess <= 0) break;
      if (present.has(path)) continue;
      this.entries.delete(path);
      this.usedIndexes.delete(e.index);
      this.dirty = true;
      excess--;
    }
  }

  /** Writes when something changed; writes are serialised. */
  save(): Promise<void> {
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const body: CacheFileV1 = { version: CACHE_VERSION, nextIndex: this.nextIndex, entries: {} };
    for (const [path, e] of this.entries) {
      body.entries[path] = {
        index: e.index,
        size: e.size,
        mtimeMs: e.mtimeMs,
        ino: e.ino,
        ctimeMs: e.ctimeMs,
        ...(e.urn !== undefined ? { urn: e.urn } : {}),
      };
    }
    const text = JSON.stringify(body);
    const tmp = `${this.file}.${process.pid}.${++this.tmpSeq}.tmp`;
    this.writing = this.writing.then(async () => {
      try {
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, this.file);
      } catch (e) {
        this.dirty = true;
        await unlink(tmp).catch(() => undefined);
        this.log.warn({ file: this.file, err: String(e) }, 'hash cache not written');
      }
    });
    return this.writing;
  }
}
