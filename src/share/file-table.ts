/**
 * The library's in-memory table: file index → file, with the inverted indexes that
 * answer queries (keyword → indexes, urn → indexes) and running totals. Pure data: no
 * I/O, no timers. File objects are frozen; a new urn or new content is a new object
 * under the same index.
 */
import { basename } from 'node:path';
import { keywords } from '../core/keywords.js';
import { normaliseSha1Urn } from './base32.js';
import { keywordsOfPath, PostingIndex } from './keyword-index.js';
import type { ShareQuery, ShareTotals, SharedFile } from './types.js';

export interface FileFacts {
  readonly path: string;
  readonly relPath: string;
  readonly root: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** identity of the inode indexed (checked again before serving) */
  readonly dev: number;
  readonly ino: number;
  /** inode change time: moves on any rename or write, and no user can set it back */
  readonly ctimeMs: number;
}

export interface Entry {
  readonly file: SharedFile;
  readonly dev: number;
  readonly ino: number;
  readonly ctimeMs: number;
}

export class FileTable {
  private readonly entries = new Map<number, Entry>();
  private readonly byPath = new Map<string, number>();
  private readonly words = new PostingIndex<string>();
  private readonly urns = new PostingIndex<string>();
  private snapshot: SharedFile[] | undefined;
  private bytes = 0;
  private hashed = 0;

  get size(): number {
    return this.entries.size;
  }

  entry(index: number): Entry | undefined {
    return this.entries.get(index);
  }

  entryAt(path: string): Entry | undefined {
    const idx = this.byPath.get(path);
    return idx === undefined ? undefined : this.entries.get(idx);
  }

  paths(): IterableIterator<string> {
    return this.byPath.keys();
  }

  /** Indexes of the files of `root` whose path is `start` or lies below it. */
  under(root: string, start: string): number[] {
    const prefix = start.endsWith('/') ? start : start + '/';
    const out: number[] = [];
    for (const [idx, e] of this.entries) {
      if (e.file.root === root && (e.file.path === start || e.file.path.startsWith(prefix))) out.push(idx);
    }
    return out;
  }

  /** Adds (or replaces, when the index is taken) a file; returns the frozen object. */
  put(facts: FileFacts, index: number, urn: string | undefined): SharedFile {
    this.remove(index);
    const file: SharedFile = Object.freeze({
      index,
      name: basename(facts.path),
      size: facts.size,
      urn,
      keywords: Object.freeze(keywordsOfPath(facts.relPath)),
      path: facts.path,
      relPath: facts.relPath,
      root: facts.root,
      mtimeMs: facts.mtimeMs,
    });
    this.entries.set(index, { file, dev: facts.dev, ino: facts.ino, ctimeMs: facts.ctimeMs });
    this.byPath.set(file.path, index);
    this.words.add(index, file.keywords);
    if (urn !== undefined) {
      this.urns.add(index, [urn]);
      this.hashed++;
    }
    this.bytes += file.size;
    this.snapshot = undefined;
    return file;
  }

  remove(index: number): Entry | undefined {
    const e = this.entries.get(index);
    if (e === undefined) return undefined;
    this.entries.delete(index);
    if (this.byPath.get(e.file.path) === index) this.byPath.delete(e.file.path);
    this.words.remove(index, e.file.keywords);
    if (e.file.urn !== undefined) {
      this.urns.remove(index, [e.file.urn]);
      this.hashed--;
    }
    this.bytes -= e.file.size;
    this.snapshot = undefined;
    return e;
  }

  files(): readonly SharedFile[] {
    this.snapshot ??= Array.from(this.entries.values(), (e) => e.file);
    return this.snapshot;
  }

  byIndex(index: number): SharedFile | undefined {
    return this.entries.get(index)?.file;
  }

  byUrn(urn: string): SharedFile | undefined {
    const norm = normaliseSha1Urn(urn);
    const set = norm === undefined ? undefined : this.urns.get(norm);
    if (set === undefined) return undefined;
    for (const idx of set) return this.entries.get(idx)?.file;
    return undefined;
  }

  /**
   * A query naming a hash asks for that content: its text (often a placeholder) is not
   * used. Otherwise every keyword of the text must be a keyword of the file's path.
   */
  match(q: ShareQuery, limit: number): SharedFile[] {
    const out: SharedFile[] = [];
    if (limit <= 0) return out;
    const urns = q.urns.map(normaliseSha1Urn).filter((u): u is string => u !== undefined);
    if (urns.length > 0) {
      const seen = new Set<number>();
      for (const u of urns) {
        for (const idx of this.urns.get(u) ?? []) {
          const f = this.entries.get(idx)?.file;
          if (f === undefined || seen.has(idx)) continue;
          seen.add(idx);
          out.push(f);
          if (out.length >= limit) return out;
        }
      }
      return out;
    }
    for (const idx of this.words.intersect(keywords(q.text), limit)) {
      const f = this.entries.get(idx)?.file;
      if (f !== undefined) out.push(f);
    }
    return out;
  }

  totals(): ShareTotals {
    return { files: this.entries.size, bytes: this.bytes, hashed: this.hashed };
  }
}
