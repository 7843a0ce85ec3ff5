/**
 * The shared-folder library: what this servent shares, found by keyword or urn.
 *
 * Invariants:
 * - a file is in the library only if a walk (or a single-path rescan) found it as a
 *   regular, non-hidden file whose real path is inside its root (see walk.ts);
 * - a real path keeps its index while running and across restarts (hash-cache.json);
 *   an index is never given to another path while the cache remembers the first one;
 * - scans run one at a time, so their diffs never interleave;
 * - file objects are immutable: a new urn or new content makes a new object with the
 *   same index, announced as `changed`.
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { every } from '../core/clock.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { sha1Urn } from './base32.js';
import { FileTable, type FileFacts } from './file-table.js';
import { HashCache } from './hash-cache.js';
import { HashQueue } from './hash-queue.js';
import { resolveLimits, resolveRoots, type ShareLimits } from './options.js';
import { sha1File } from './sha1.js';
import type {
  Hasher,
  ShareChange,
  ShareLibrary,
  ShareLibraryOptions,
  ShareQuery,
  ShareTotals,
  SharedFile,
} from './types.js';
import { registerServable } from './verify.js';
import { DirWatcher, type WatchBatch } from './watcher.js';
import {
  emptyStats,
  isExcluded,
  isHiddenRelPath,
  isInside,
  isSpecialPath,
  isUsableName,
  relPathOf,
  walkTree,
  type WalkResult,
  type WalkStats,
} from './walk.js';

/** How often urns learnt by hashing are announced in one `changed` batch. */
const HASH_FLUSH_MS = 1_000;
/** Longest wait before the cache is written while hashing or scanning goes on. */
const CACHE_SAVE_MS = 30_000;
/** Default number of hits for one query (a QueryHit carries at most 255 results). */
const DEFAULT_MATCH_LIMIT = 255;

export async function openShareLibrary(opts: ShareLibraryOptions): Promise<ShareLibrary> {
  const limits = resolveLimits(opts);
  const roots = await resolveRoots(opts.roots);
  // The data dir (hash cache, partial downloads) is never shared, even when inside a root.
  const exclude = new Set<string>();
  const dataReal = await realpath(opts.dataDir).catch(() => undefined);
  if (dataReal !== undefined) exclude.add(dataReal);
  const lib = new Library(opts, roots, exclude, limits);
  await lib.open();
  return lib;
}

class Library implements ShareLibrary {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly hasher: Hasher;
  private readonly cache: HashCache;
  private readonly queue: HashQueue;
  private readonly table = new FileTable();
  /** real paths of the directories walked (what is watched) */
  private readonly dirs = new Set<string>();
  /** files that could not be read: path → "size:mtime" (retried once they change) */
  private readonly unreadable = new Map<string, string>();
  private readonly listeners = new Set<(ev: ShareChange) => void>();
  private readonly pendingHashed = new Map<number, SharedFile>();
  private chain: Promise<void> = Promise.resolve();
  private chainPending = 0;
  private watcher: DirWatcher | undefined;
  private flushTimer: TimerHandle | undefined;
  private saveTimer: TimerHandle | undefined;
  private stopPeriodic: (() => void) | undefined;
  private limitWarned = false;
  private closing: Promise<void> | undefined;

  constructor(
    opts: ShareLibraryOptions,
    private readonly roots: readonly string[],
    private readonly exclude: ReadonlySet<string>,
    private readonly limits: ShareLimits,
  ) {
    this.log = opts.log;
    this.clock = opts.clock;
    this.hasher = opts.hasher ?? ((p) => sha1File(p));
    this.cache = new HashCache(opts.dataDir, this.log, 2 * limits.maxFiles);
    this.queue = new HashQueue(limits.hashConcurrency, (p) => this.hashOne(p));
  }

  async open(): Promise<void> {
    await this.cache.load();
    await this.serial(() => this.scanAll());
    const t = this.table.totals();
    this.log.info({ roots: this.roots, ...t, toHash: t.files - t.hashed }, 'share library ready');
    if (this.limits.watch) {
      this.watcher = new DirWatcher({
        clock: this.clock,
        log: this.log,
        maxWatches: this.limits.maxWatches,
        debounceMs: this.limits.debounceMs,
        onBatch: (b) => this.onWatchBatch(b),
      });
      this.watcher.sync(this.dirs);
    }
    this.maybeStartPeriodic();
    if (t.files > t.hashed) {
      void this.whenHashed().then(() => {
        if (this.closing === undefined) this.log.info({ ...this.table.totals() }, 'shared files hashed');
      });
    }
  }

  // ---- queries ------------------------------------------------------------------

  files(): readonly SharedFile[] {
    return this.table.files();
  }

  byIndex(index: number): SharedFile | undefined {
    return this.table.byIndex(index);
  }

  byUrn(urn: string): SharedFile | undefined {
    return this.table.byUrn(urn);
  }

  match(q: ShareQuery, limit = DEFAULT_MATCH_LIMIT): SharedFile[] {
    return this.table.match(q, limit);
  }

  totals(): ShareTotals {
    return this.table.totals();
  }

  onChange(listener: (ev: ShareChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  rescan(): Promise<void> {
    return this.serial(() => this.scanAll());
  }

  async whenHashed(): Promise<void> {
    // A hash may schedule a rescan (file changed while read), which may queue a hash again.
    while (this.chainPending > 0 || !this.queue.isIdle()) {
      await this.chain;
      await this.queue.idle();
    }
    this.flushHashed();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.watcher?.close();
      this.stopPeriodic?.();
      await this.chain;
      await this.queue.close();
      this.flushHashed();
      this.clock.clearTimeout(this.flushTimer);
      await this.saveNow();
      this.listeners.clear();
    })();
    return this.closing;
  }

  // ---- scanning -----------------------------------------------------------------

  /** Runs scans one after another; a failing scan is logged and does not stop the next. */
  private serial(task: () => Promise<void>): Promise<void> {
    this.chainPending++;
    const run = this.chain.then(async () => {
      try {
        if (this.closing === undefined) await task();
      } catch (e) {
        this.log.error({ err: String(e) }, 'share scan failed');
      } finally {
        this.chainPending--;
      }
    });
    this.chain = run;
    return run;
  }

  private walk(root: string, start: string, known: number): Promise<WalkResult> {
    let dirsElsewhere = 0;
    for (const d of this.dirs) if (!isInside(start, d)) dirsElsewhere++;
    return walkTree({
      root,
      start,
      maxDepth: this.limits.maxDepth,
      fileBudget: Math.max(0, this.limits.maxFiles - (this.table.size - known)),
      dirBudget: Math.max(0, this.limits.maxDirs - dirsElsewhere),
      exclude: this.exclude,
      known: (p) => this.table.entryAt(p) !== undefined,
    });
  }

  private async scanAll(): Promise<void> {
    const stats = emptyStats();
    for (const root of this.roots) {
      const known = this.table.under(root, root);
      const res = await this.walk(root, root, known.length);
      addStats(stats, res.stats);
      // Failures of files no longer present are forgotten: they are retried if they return.
      const present = new Set(res.files.map((f) => f.path));
      for (const p of this.unreadable.keys()) {
        if (isInside(root, p) && !present.has(p)) this.unreadable.delete(p);
      }
      this.apply(root, root, res, known);
    }
    if (stats.symlinksOutside + stats.tooDeep + stats.badNames + stats.special > 0) {
      this.log.info({ ...stats }, 'share scan skipped entries');
    }
    this.afterScan();
  }

  /** Looks at one path again: a file, a directory (whole subtree) or something now gone. */
  private async scanPath(root: string, p: string): Promise<void> {
    if (!isInside(root, p)) return;
    const st = await lstat(p).catch(() => undefined);
    if (p === root || st?.isDirectory() === true) {
      const known = this.table.under(root, p);
      this.apply(root, p, await this.walk(root, p, known.length), known);
    } else {
      const wasDir = this.dirs.has(p);
      const known = wasDir ? this.table.under(root, p) : this.knownAt(root, p);
      const files: FileFacts[] = [];
      if (st?.isFile() === true && (await this.admissible(root, p))) {
        const { size, mtimeMs, dev, ino, ctimeMs } = st;
        files.push({ path: p, relPath: relPathOf(root, p), root, size, mtimeMs, dev, ino, ctimeMs });
      }
      const res: WalkResult = { files, dirs: [], stats: emptyStats(), truncated: false };
      this.apply(root, p, res, known);
    }
    this.afterScan();
  }

  /** The walk's rules, for a single file met through an event. */
  private async admissible(root: string, p: string): Promise<boolean> {
    const rel = relPathOf(root, p);
    if (isHiddenRelPath(rel) || !isUsableName(basename(p))) return false;
    if (rel.split('/').length - 1 > this.limits.maxDepth) return false;
    if (isExcluded(root, this.exclude, p) || isSpecialPath(p)) return false;
    // No directory on the way may have become a symlink.
    const parent = dirname(p);
    return (await realpath(parent).catch(() => undefined)) === parent;
  }

  private knownAt(root: string, p: string): number[] {
    const e = this.table.entryAt(p);
    return e !== undefined && e.file.root === root ? [e.file.index] : [];
  }

  /** Applies a walk of `scope` (a root, a directory, or one path) to the table. */
  private apply(root: string, scope: string, res: WalkResult, known: readonly number[]): void {
    if (res.truncated) this.warnLimit();
    for (const d of this.dirs) if (isInside(scope, d)) this.dirs.delete(d);
    for (const d of res.dirs) this.dirs.add(d);
    const added: SharedFile[] = [];
    const removed: SharedFile[] = [];
    const changed: SharedFile[] = [];
    const foundPaths = new Set(res.files.map((f) => f.path));
    for (const idx of known) {
      const e = this.table.entry(idx);
      if (e !== undefined && !foundPaths.has(e.file.path)) {
        this.removeEntry(idx);
        removed.push(e.file);
      }
    }
    for (const f of res.files) {
      const e = this.table.entryAt(f.path);
      if (e !== undefined && e.file.root !== root) continue; // an earlier, overlapping root shares it
      if (this.unreadable.get(f.path) === versionKey(f)) continue;
      this.unreadable.delete(f.path);
      if (e !== undefined) {
        const same =
          e.file.size === f.size && e.file.mtimeMs === f.mtimeMs && e.dev === f.dev && e.ino === f.ino;
        if (!same) changed.push(this.addEntry(f, e.file.index)); // same path keeps its index
      } else if (this.table.size >= this.limits.maxFiles) {
        this.warnLimit();
      } else {
        added.push(this.addEntry(f, this.cache.indexFor(f.path)));
      }
    }
    if (added.length + removed.length + changed.length === 0) return;
    this.log.debug(
      { added: added.length, removed: removed.length, changed: changed.length },
      'share changed',
    );
    this.emit({ added, removed, changed });
  }

  private addEntry(f: FileFacts, index: number): SharedFile {
    const urn = this.cache.urnFor(f.path, f);
    const file = this.putFile(f, index, urn);
    this.cache.set(f.path, { index, size: f.size, mtimeMs: f.mtimeMs, ino: f.ino, ctimeMs: f.ctimeMs, urn });
    if (urn === undefined) this.queue.push(f.path);
    return file;
  }

  /** Puts a file in the table and tells `verifyServable` how to check it. */
  private putFile(f: FileFacts, index: number, urn: string | undefined): SharedFile {
    this.pendingHashed.delete(index);
    const file = this.table.put(f, index, urn);
    registerServable(file, {
      dev: f.dev,
      ino: f.ino,
      isCurrent: (x) => {
        const cur = this.table.byIndex(x.index);
        return (
          this.closing === undefined &&
          cur?.path === x.path &&
          cur.size === x.size &&
          cur.mtimeMs === x.mtimeMs
        );
      },
      recheck: (x) => void this.serial(() => this.scanPath(x.root, x.path)),
    });
    return file;
  }

  private removeEntry(index: number): void {
    this.table.remove(index);
    this.pendingHashed.delete(index);
  }

  private afterScan(): void {
    this.watcher?.sync(this.dirs);
    this.maybeStartPeriodic();
    this.scheduleSave();
  }

  private warnLimit(): void {
    if (this.limitWarned) return;
    this.limitWarned = true;
    const { maxFiles, maxDirs } = this.limits;
    this.log.warn({ maxFiles, maxDirs }, 'share limit reached: some files are not shared');
  }

  private emit(ev: ShareChange): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (e) {
        this.log.error({ err: String(e) }, 'share change listener failed');
      }
    }
  }

  // ---- hashing ------------------------------------------------------------------

  private async hashOne(path: string): Promise<void> {
    const before = this.table.entryAt(path);
    if (before === undefined || before.file.urn !== undefined || this.closing !== undefined) return;
    const file = before.file;
    let digest: Buffer | undefined;
    let err: unknown;
    try {
      digest = await this.hasher(path);
    } catch (e) {
      err = e;
    }
    const st = await lstat(path).catch(() => undefined);
    if (this.closing !== undefined || this.table.entry(file.index) !== before) return; // superseded
    if (st?.isFile() !== true || st.size !== file.size || st.mtimeMs !== file.mtimeMs) {
      // Changed or gone while being read: look again (a changed file is queued afresh).
      void this.serial(() => this.scanPath(file.root, path));
      return;
    }
    if (digest === undefined) {
      this.log.warn({ path, err: String(err) }, 'shared file unreadable, not shared');
      this.unreadable.set(path, versionKey(file));
      this.removeEntry(file.index);
      this.emit({ added: [], removed: [file], changed: [] });
      return;
    }
    const urn = sha1Urn(digest);
    const next = this.putFile(
      { ...file, dev: before.dev, ino: before.ino, ctimeMs: before.ctimeMs },
      file.index,
      urn,
    );
    this.cache.set(path, {
      index: file.index,
      size: file.size,
      mtimeMs: file.mtimeMs,
      ino: before.ino,
      ctimeMs: before.ctimeMs,
      urn,
    });
    this.pendingHashed.set(file.index, next);
    if (this.queue.pending <= 1) this.flushHashed();
    else this.flushTimer ??= this.clock.setTimeout(() => this.flushHashed(), HASH_FLUSH_MS);
  }

  /** Announces the urns learnt since the last flush in one `changed` event. */
  private flushHashed(): void {
    this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingHashed.size === 0) return;
    const changed = [...this.pendingHashed.values()];
    this.pendingHashed.clear();
    this.emit({ added: [], removed: [], changed });
    if (this.queue.pending <= 1) void this.saveNow();
    else this.scheduleSave();
  }

  private scheduleSave(): void {
    if (this.closing !== undefined) return;
    this.saveTimer ??= this.clock.setTimeout(() => void this.saveNow(), CACHE_SAVE_MS);
  }

  private saveNow(): Promise<void> {
    this.clock.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.cache.prune(new Set(this.table.paths()));
    return this.cache.save();
  }

  // ---- watching -----------------------------------------------------------------

  private onWatchBatch(batch: WatchBatch): void {
    for (const [dir, names] of batch) {
      for (const root of this.roots) {
        if (!isInside(root, dir)) continue;
        if (names === null) void this.serial(() => this.scanPath(root, dir));
        else for (const n of names) void this.serial(() => this.scanPath(root, join(dir, n)));
      }
    }
  }

  private maybeStartPeriodic(): void {
    if (this.stopPeriodic !== undefined || this.closing !== undefined) return;
    // A root that could not be read (removed, unmounted) has no watch to say it is back.
    const needed =
      !this.limits.watch || this.watcher?.degraded === true || this.roots.some((r) => !this.dirs.has(r));
    const ms = this.limits.rescanIntervalMs;
    if (needed && ms > 0) this.stopPeriodic = every(this.clock, ms, () => void this.rescan());
  }
}

function versionKey(f: { size: number; mtimeMs: number }): string {
  return `${f.size}:${f.mtimeMs}`;
}

function addStats(into: WalkStats, from: WalkStats): void {
  for (const k of Object.keys(into) as (keyof WalkStats)[]) into[k] += from[k];
}
