/**
 * The search side of the workload: `queries` searches, at Poisson arrivals (ratePerSec)
 * or at a fixed interval, each from a uniformly random live node for a file drawn by
 * Zipf popularity; each is handed to the SearchTracker and judged `timeoutMs` later.
 */
import type { Rng } from '../core/rng.js';
import type { Router, SearchRequest } from '../routing/types.js';
import type { SimBackend, SimParams } from './backend.js';
import type { WorkloadSpec } from './config.js';
import type { SearchTracker } from './search-tracker.js';
import { type Placement, simFile } from './workload.js';
import { Zipf } from './zipf.js';

export interface SearchWorkloadHost {
  now(): number;
  at(atMs: number, fn: () => void): void;
  router(index: number): Router | undefined;
  readonly network: { liveNodes(): number; liveAt(i: number): number };
  readonly tracker: SearchTracker;
}

export class SearchWorkload {
  /** searches issued so far */
  issued = 0;
  private readonly popularity: Zipf;

  constructor(
    private readonly host: SearchWorkloadHost,
    private readonly spec: WorkloadSpec,
    private readonly placement: Placement,
    private readonly backend: Pick<SimBackend<unknown>, 'searchRequest'>,
    private readonly params: SimParams,
    private readonly rng: Rng,
  ) {
    this.popularity = new Zipf(spec.placement.files, spec.zipf);
  }

  start(): void {
    if (this.spec.queries > 0) this.host.at(this.spec.startMs, () => this.issue());
  }

  /** Every search issued and judged. */
  done(): boolean {
    return this.issued >= this.spec.queries && this.host.tracker.activeCount() === 0;
  }

  private issue(): void {
    const w = this.spec;
    const h = this.host;
    if (this.issued >= w.queries) return;
    this.issued++;
    const live = h.network.liveNodes();
    if (live > 0) {
      const node = h.network.liveAt(this.rng.int(live));
      const fileId = this.popularity.sample(this.rng);
      const others = this.placement.liveReplicasOf(fileId) - (this.placement.holds(node, fileId) ? 1 : 0);
      const req = this.request(fileId);
      const router = h.router(node) as Router;
      const id = h.tracker.begin(node, fileId, others > 0, (sink) => router.startSearch(req, sink));
      h.at(h.now() + w.timeoutMs, () => h.tracker.expire(id));
    }
    if (this.issued < w.queries) {
      const gap =
        w.ratePerSec !== undefined
          ? (-Math.log(1 - this.rng.float()) * 1000) / w.ratePerSec
          : (w.intervalMs ?? 1000);
      h.at(h.now() + gap, () => this.issue());
    }
  }

  /** The back-end's request for a file, or `{ text: keyword, ttl?, maxHits? }`. */
  private request(fileId: number): SearchRequest {
    const file = simFile(fileId);
    const custom = this.backend.searchRequest?.(file, this.params);
    if (custom !== undefined) return custom;
    const ttl = this.params['ttl'];
    const maxHits = this.spec.maxHits;
    return {
      text: file.keyword,
      ...(typeof ttl === 'number' ? { ttl } : {}),
      ...(maxHits !== undefined ? { maxHits } : {}),
    };
  }
}
