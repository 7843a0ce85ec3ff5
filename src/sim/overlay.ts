/**
 * Keeping a link overlay in shape under churn. Every node has a target number of links
 * (its degree in the initial topology; what it opens when it joins); nodes below target
 * have "free slots" that others can fill (a servent learns them from pongs and X-Try
 * headers). The rules:
 *
 * - a node that lost a link (a neighbour crashed or left) reconnects to a node with a
 *   free slot; without one it waits, its slot stays free for the next joiner;
 * - a joining node fills free slots first; for what is left it either splits random
 *   links (regular and ring overlays: u–v becomes u–new–v, so u and v keep their degree,
 *   the Cooper–Dyer–Greenhill way of growing a random regular graph) or attaches to
 *   `fallback` nodes (power-law overlays: preferential attachment, as the graph grew).
 *
 * So a crash's lost links are re-paired among its neighbours and joins fill what is
 * left: the mean degree of a regular overlay stays at its target under churn.
 */
import type { Rng } from '../core/rng.js';
import type { SimNetwork } from './network.js';

const TRIES = 16;

export class OverlayMaintainer<M> {
  private target: Int32Array = new Int32Array(0);
  /** dense list of nodes with free slots (alive, degree < target), and positions in it */
  private open: Int32Array = new Int32Array(0);
  private openPos: Int32Array = new Int32Array(0);
  private openCount = 0;

  constructor(
    private readonly net: SimNetwork<M>,
    private readonly rng: Rng,
  ) {}

  /** Nodes currently below their target degree. */
  openSlots(): number {
    return this.openCount;
  }

  targetOf(index: number): number {
    return this.target[index] ?? 0;
  }

  /** Sets the target degree of a node (and files it as open if it is below). */
  setTarget(index: number, degree: number): void {
    this.ensure(index + 1);
    this.target[index] = degree;
    this.refresh(index);
  }

  /** Re-files a node after its degree or liveness changed. */
  refresh(index: number): void {
    this.ensure(index + 1);
    const want =
      this.net.isAlive(index) && this.net.neighbours(index).length < (this.target[index] as number);
    const pos = this.openPos[index] as number;
    if (want && pos < 0) {
      this.openPos[index] = this.openCount;
      this.open[this.openCount++] = index;
    } else if (!want && pos >= 0) {
      const last = this.open[--this.openCount] as number;
      this.open[pos] = last;
      this.openPos[last] = pos;
      this.openPos[index] = -1;
    }
  }

  /**
   * Opens one link from `n` to a node with a free slot; failing that, to a node
   * `fallback` picks (if given). Returns the partner or −1.
   */
  connect(n: number, fallback?: () => number): number {
    for (let t = 0; t < TRIES && this.openCount > 0; t++) {
      const m = this.open[this.rng.int(this.openCount)] as number;
      if (m !== n && this.link(n, m)) return m;
    }
    if (fallback === undefined) return -1;
    for (let t = 0; t < TRIES && this.net.liveNodes() > 1; t++) {
      const m = fallback();
      if (m >= 0 && m !== n && this.link(n, m)) return m;
    }
    return -1;
  }

  /**
   * Splits a random link u–v into u–n and n–v (u and v keep their degree, n gains two).
   * Returns false when no suitable link was found.
   */
  splitLink(n: number): boolean {
    const live = this.net.liveNodes();
    for (let t = 0; t < TRIES && live > 2; t++) {
      const u = this.net.liveAt(this.rng.int(live));
      const nu = this.net.neighbours(u);
      if (u === n || nu.length === 0) continue;
      const v = nu[this.rng.int(nu.length)] as number;
      if (v === n || this.net.hasLink(n, u) || this.net.hasLink(n, v)) continue;
      this.net.unlink(u, v);
      this.net.link(n, u);
      this.net.link(n, v);
      this.refresh(n);
      return true;
    }
    return false;
  }

  /** Links a new node up to its target: free slots first, then `fallback` or link splits. */
  join(n: number, target: number, fallback?: () => number): void {
    this.setTarget(n, target);
    let deficit = target;
    while (deficit > 0 && this.connect(n, fallback) >= 0) deficit--;
    while (fallback === undefined && deficit >= 2 && this.splitLink(n)) deficit -= 2;
  }

  /** A node lost a link: below target, it reconnects to a free slot (or `fallback`). */
  repair(n: number, fallback?: () => number): void {
    if (!this.net.isAlive(n) || this.net.neighbours(n).length >= (this.target[n] as number)) return;
    this.connect(n, fallback);
  }

  private link(a: number, b: number): boolean {
    if (!this.net.link(a, b)) return false;
    this.refresh(a);
    this.refresh(b);
    return true;
  }

  private ensure(n: number): void {
    if (n <= this.target.length) return;
    const c = Math.max(1024, n, this.target.length * 2);
    const t = new Int32Array(c);
    t.set(this.target);
    this.target = t;
    const o = new Int32Array(c);
    o.set(this.open);
    this.open = o;
    const p = new Int32Array(c).fill(-1);
    p.set(this.openPos);
    this.openPos = p;
  }
}
