/**
 * One non-recursive `fs.watch` (inotify on Linux) per shared directory. Node 20 has a
 * recursive mode on Linux, but it is emulated in JavaScript: it walks the tree itself,
 * with its own rules for hidden folders and symlinks and no cap. The library already
 * knows the exact set of directories it shares, so it watches exactly those, at most
 * `maxWatches` of them, and re-syncs the set after every scan (new folders get watched).
 *
 * Events are batched: after `debounceMs` without a new event, `onBatch` receives, per
 * directory, the entry names that changed, or `null` meaning "look at the whole
 * directory" (the event named nothing, or too many names piled up).
 */
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { isUsableName } from './walk.js';

/** Past this many names in one directory within a debounce period, rescan the directory. */
export const MAX_NAMES_PER_DIR = 256;

/** A batch is delivered at the latest this long after its first event, even if events keep coming. */
export const MAX_BATCH_WAIT_MS = 5_000;

export type WatchBatch = ReadonlyMap<string, ReadonlySet<string> | null>;

export interface DirWatcherOptions {
  readonly clock: Clock;
  readonly log: Logger;
  readonly maxWatches: number;
  readonly debounceMs: number;
  readonly onBatch: (batch: WatchBatch) => void;
}

export class DirWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private dirty = new Map<string, Set<string> | null>();
  private timer: TimerHandle | undefined;
  private batchStart = 0;
  private closed = false;
  /** true once a watch could not be set (limit or error): the library must poll too */
  degraded = false;

  constructor(private readonly o: DirWatcherOptions) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Watches exactly `dirs` (in order, up to the cap); stops watching the others. */
  sync(dirs: Iterable<string>): void {
    if (this.closed) return;
    const want = new Set<string>(dirs);
    for (const [d, w] of this.watchers) {
      if (!want.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    }
    for (const d of want) {
      if (this.watchers.has(d)) continue;
      if (this.watchers.size >= this.o.maxWatches) {
        this.degrade(
          { dirs: want.size, maxWatches: this.o.maxWatches },
          'too many shared directories to watch',
        );
        break;
      }
      this.add(d);
    }
  }

  private add(dir: string): void {
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: false }, (_event, name) =>
        this.note(dir, typeof name === 'string' && name !== '' ? name : undefined),
      );
    } catch (e) {
      // ENOSPC: the inotify watch limit (fs.inotify.max_user_watches) is exhausted.
      this.degrade({ dir, err: String(e) }, 'cannot watch directory');
      return;
    }
    w.on('error', () => {
      // The directory went away or became unreadable; look at it again.
      w.close();
      if (this.watchers.get(dir) === w) this.watchers.delete(dir);
      this.note(dir, undefined);
    });
    this.watchers.set(dir, w);
  }

  /** Records one event and (re)starts the quiet-period timer. */
  note(dir: string, name: string | undefined): void {
    if (this.closed) return;
    // Hidden names (editor swap files, partial downloads) are never shared; a rename to
    // a visible name raises its own event.
    if (name?.startsWith('.') === true) return;
    if (this.dirty.size === 0) this.batchStart = this.o.clock.now();
    const names = this.dirty.get(dir);
    if (name === undefined || name.includes('/') || !isUsableName(name)) this.dirty.set(dir, null);
    else if (names === undefined) this.dirty.set(dir, new Set([name]));
    else if (names !== null) {
      names.add(name);
      if (names.size > MAX_NAMES_PER_DIR) this.dirty.set(dir, null);
    }
    // Trailing debounce, capped so that a file written for minutes is still looked at.
    const deadline = this.batchStart + Math.max(MAX_BATCH_WAIT_MS, this.o.debounceMs);
    const delay = Math.max(0, Math.min(this.o.debounceMs, deadline - this.o.clock.now()));
    this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => this.flush(), delay);
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.dirty;
    this.dirty = new Map();
    if (!this.closed && batch.size > 0) this.o.onBatch(batch);
  }

  private degrade(obj: object, msg: string): void {
    if (!this.degraded) this.o.log.warn(obj, `${msg}; falling back to periodic rescans`);
    this.degraded = true;
  }

  close(): void {
    this.closed = true;
    this.o.clock.clearTimeout(this.timer);
    this.dirty.clear();
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
