/**
 * Churn: joins, graceful leaves and crashes as independent Poisson processes (network-
 * wide rates per second), optional exponential per-node sessions (a node whose session
 * ends crashes and a fresh node joins, so the population stays level), and a mass
 * failure of a fraction of the live nodes at one instant. In link mode, a node that
 * loses a link reconnects after `repairDelayMs` when `repair` is on (see overlay.ts for
 * whom it picks).
 */
import type { Rng } from '../core/rng.js';
import type { ChurnSpec } from './config.js';

/** What the churn driver needs from the simulation. */
export interface ChurnHost {
  now(): number;
  at(atMs: number, fn: () => void): void;
  join(): number;
  leave(index: number): void;
  kill(index: number): void;
  randomLive(): number;
  /** link mode: node `index` lost a link; it reconnects if below its target degree */
  repairLinks(index: number): void;
  readonly network: {
    liveNodes(): number;
    isAlive(index: number): boolean;
  };
  readonly churnCounts: { massFailed: number };
}

export class ChurnDriver {
  constructor(
    private readonly host: ChurnHost,
    private readonly spec: ChurnSpec,
    private readonly rng: Rng,
  ) {}

  /** Schedules the processes; called once the initial overlay is up. */
  schedule(): void {
    const s = this.spec;
    const h = this.host;
    this.process(s.joinPerSec, () => h.join());
    this.process(s.leavePerSec, () => {
      if (h.network.liveNodes() > 1) h.leave(h.randomLive());
    });
    this.process(s.failPerSec, () => {
      if (h.network.liveNodes() > 1) h.kill(h.randomLive());
    });
    const m = s.massFailure;
    if (m !== undefined) {
      h.at(m.atMs, () => {
        const count = Math.floor(m.fraction * h.network.liveNodes());
        for (let k = 0; k < count && h.network.liveNodes() > 1; k++) {
          h.kill(h.randomLive());
          h.churnCounts.massFailed++;
        }
      });
    }
    if (s.sessionMeanMs !== undefined) {
      const live = h.network.liveNodes();
      // initial nodes: indices 0..live−1 are the whole population at this point
      for (let i = 0; i < live; i++) this.startSession(i);
    }
  }

  /** A node was removed; in link mode `neighbours` lost a link each. */
  afterRemoval(neighbours: readonly number[]): void {
    const s = this.spec;
    if (!s.repair || neighbours.length === 0) return;
    const h = this.host;
    for (const n of neighbours) h.at(h.now() + s.repairDelayMs, () => h.repairLinks(n));
  }

  private startSession(index: number): void {
    const mean = this.spec.sessionMeanMs;
    if (mean === undefined) return;
    const h = this.host;
    const from = Math.max(h.now(), this.spec.startMs);
    const end = this.spec.endMs;
    const at = from + this.exp(mean);
    if (end !== undefined && at > end) return;
    h.at(at, () => {
      if (!h.network.isAlive(index)) return;
      h.kill(index);
      this.startSession(h.join());
    });
  }

  private process(perSec: number, fn: () => void): void {
    if (!(perSec > 0)) return;
    const h = this.host;
    const end = this.spec.endMs;
    const meanMs = 1000 / perSec;
    const next = (after: number): void => {
      const at = after + this.exp(meanMs);
      if (end !== undefined && at > end) return;
      h.at(at, () => {
        fn();
        next(at);
      });
    };
    next(Math.max(h.now(), this.spec.startMs));
  }

  private exp(meanMs: number): number {
    return -meanMs * Math.log(1 - this.rng.float());
  }
}
