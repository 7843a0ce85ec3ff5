/**
 * Follows every search the workload issues and turns it into metrics.
 *
 * Conventions (stated once, used everywhere):
 * - a lookup succeeds when at least one hit names a node that is alive when the hit
 *   arrives and really holds the requested file;
 * - hops = `SearchHit.hops` of the first valid hit, as the back-end reports it (flood:
 *   the overlay distance between searcher and responder);
 * - latency = simulated ms from `startSearch` to the first valid hit;
 * - with a back-end `lookupKey`: requests = request copies sent for the lookup, reached
 *   = distinct nodes other than the searcher that received one (coverage = reached /
 *   (live nodes − 1) at issue time), duplicates = deliveries to a node already reached
 *   (or to the searcher itself).
 */
import type { SearchHandle, SearchHit } from '../routing/types.js';
import { Sample } from './stats.js';

export interface SearchTrackerDeps {
  now(): number;
  liveNodes(): number;
  /** node index of a holder address, or −1 */
  indexOf(address: string): number;
  isAlive(index: number): boolean;
  holds(index: number, file: number): boolean;
  fileIdOf(name: string): number;
  lookupKey: ((msg: unknown) => string | undefined) | undefined;
}

class SearchRecord {
  key: string | undefined;
  handle: SearchHandle | undefined;
  done = false;
  firstHitAt = -1;
  hops = -1;
  hits = 0;
  requests = 0;
  duplicates = 0;
  reached: Set<number> | undefined;
  constructor(
    readonly id: number,
    readonly node: number,
    readonly file: number,
    readonly startedAt: number,
    readonly liveAtStart: number,
    readonly resolvable: boolean,
  ) {}
}

export class SearchTracker {
  issued = 0;
  finished = 0;
  successes = 0;
  resolvable = 0;
  resolvableSuccesses = 0;
  totalHits = 0;
  requestDeliveries = 0;
  duplicates = 0;
  readonly hops = new Sample();
  readonly latency = new Sample();
  readonly requests = new Sample();
  readonly coverage = new Sample();
  /** per time bucket: [lookups, successes] */
  readonly buckets = new Map<number, [number, number]>();
  private readonly active = new Map<number, SearchRecord>();
  private readonly byKey = new Map<string, SearchRecord>();
  private starting: SearchRecord | undefined;

  constructor(
    private readonly deps: SearchTrackerDeps,
    private readonly bucketMs: number,
  ) {}

  activeCount(): number {
    return this.active.size;
  }

  /**
   * Starts tracking a search and runs `start` (which calls `router.startSearch`) while
   * watching for the first keyed request the searcher sends.
   */
  begin(
    node: number,
    file: number,
    resolvable: boolean,
    start: (sink: { hit(h: SearchHit): void; end(): void }) => SearchHandle,
  ): number {
    const d = this.deps;
    const rec = new SearchRecord(this.issued++, node, file, d.now(), d.liveNodes(), resolvable);
    if (d.lookupKey !== undefined) rec.reached = new Set();
    this.active.set(rec.id, rec);
    this.starting = rec;
    try {
      rec.handle = start({
        hit: (h) => this.onHit(rec, h),
        end: () => this.finish(rec),
      });
    } finally {
      this.starting = undefined;
    }
    if (rec.done) rec.handle = undefined;
    return rec.id;
  }

  /** The search's deadline passed: cancel it and record the outcome. */
  expire(id: number): void {
    const rec = this.active.get(id);
    if (rec !== undefined) this.finish(rec);
  }

  /** End of run: every search still open is closed with what it has. */
  expireAll(): void {
    for (const rec of [...this.active.values()]) this.finish(rec);
  }

  /** network hook: a lookup message was sent */
  onSend(from: number, msg: unknown): void {
    const keyOf = this.deps.lookupKey;
    if (keyOf === undefined) return;
    const key = keyOf(msg);
    if (key === undefined) return;
    let rec = this.byKey.get(key);
    if (rec === undefined) {
      const s = this.starting;
      if (s === undefined || s.node !== from || s.key !== undefined) return;
      rec = s;
      rec.key = key;
      this.byKey.set(key, rec);
    }
    rec.requests++;
  }

  /** network hook: a message reached a node */
  onDeliver(to: number, msg: unknown): void {
    const keyOf = this.deps.lookupKey;
    if (keyOf === undefined || this.byKey.size === 0) return;
    const key = keyOf(msg);
    if (key === undefined) return;
    const rec = this.byKey.get(key);
    if (rec === undefined || rec.reached === undefined) return;
    this.requestDeliveries++;
    if (to === rec.node || rec.reached.has(to)) {
      rec.duplicates++;
      this.duplicates++;
    } else {
      rec.reached.add(to);
    }
  }

  private onHit(rec: SearchRecord, h: SearchHit): void {
    if (rec.done) return;
    rec.hits++;
    if (rec.firstHitAt >= 0) return;
    const d = this.deps;
    const holder = d.indexOf(`${h.holder.ip}:${h.holder.port}`);
    if (holder < 0 || !d.isAlive(holder)) return;
    const file = d.fileIdOf(h.file.name);
    if (file !== rec.file || !d.holds(holder, file)) return;
    rec.firstHitAt = d.now();
    rec.hops = h.hops;
  }

  private finish(rec: SearchRecord): void {
    if (rec.done) return;
    rec.done = true;
    const handle = rec.handle;
    rec.handle = undefined;
    handle?.cancel();
    this.active.delete(rec.id);
    if (rec.key !== undefined) this.byKey.delete(rec.key);
    this.finished++;
    this.totalHits += rec.hits;
    const ok = rec.firstHitAt >= 0;
    if (ok) {
      this.successes++;
      this.hops.push(rec.hops);
      this.latency.push(rec.firstHitAt - rec.startedAt);
    }
    if (rec.resolvable) {
      this.resolvable++;
      if (ok) this.resolvableSuccesses++;
    }
    if (rec.reached !== undefined && rec.key !== undefined) {
      this.requests.push(rec.requests);
      this.coverage.push(rec.liveAtStart > 1 ? rec.reached.size / (rec.liveAtStart - 1) : 0);
    }
    rec.reached = undefined;
    const b = Math.floor(rec.startedAt / this.bucketMs);
    const cell = this.buckets.get(b);
    if (cell === undefined) this.buckets.set(b, [1, ok ? 1 : 0]);
    else {
      cell[0]++;
      if (ok) cell[1]++;
    }
  }
}
