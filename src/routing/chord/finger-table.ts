/**
 * The finger table, stored as runs: entry i (0 ≤ i < m) should be successor(n + 2^i), and
 * consecutive entries share a node (all entries below m − log N are the immediate
 * successor w.h.p.), so only O(log N) distinct runs are kept: run k covers indices
 * [from[k], from[k+1]) (the last run up to m − 1). Indices below the first run are unset
 * and mean "the successor". Neighbouring runs never hold the same node.
 */
import type { NodeRef } from '../../protocol/chord/messages.js';

export class FingerTable {
  private from: number[] = [];
  private nodes: NodeRef[] = [];

  get size(): number {
    return this.nodes.length;
  }

  /** distinct nodes, lowest index first (shared array: do not mutate) */
  entries(): readonly NodeRef[] {
    return this.nodes;
  }

  /** first index of run k */
  startOf(k: number): number {
    return this.from[k] as number;
  }

  /** node of finger i, or undefined when unset (= the successor) */
  get(i: number): NodeRef | undefined {
    const k = this.runOf(i);
    return k < 0 ? undefined : this.nodes[k];
  }

  /** index of the run covering i, −1 when below every run */
  private runOf(i: number): number {
    const f = this.from;
    let lo = 0;
    let hi = f.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((f[mid] as number) <= i) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** finger i := node; indices above i up to the next run follow it (they lie between) */
  set(i: number, node: NodeRef): void {
    const k = this.runOf(i);
    if (k >= 0 && (this.nodes[k] as NodeRef).id === node.id) {
      if (this.nodes[k] !== node) this.nodes[k] = node;
      return;
    }
    if (k >= 0 && this.from[k] === i) {
      this.nodes[k] = node;
      this.mergeAround(k);
      return;
    }
    this.from.splice(k + 1, 0, i);
    this.nodes.splice(k + 1, 0, node);
    this.mergeAround(k + 1);
  }

  /** replaces the whole table with these arrays (taken over, not copied): runs lowest index first */
  adopt(from: number[], nodes: NodeRef[]): void {
    this.from = from;
    this.nodes = nodes;
  }

  /** replaces the whole table: runs given lowest index first */
  replace(from: readonly number[], nodes: readonly NodeRef[]): void {
    this.from = from.slice();
    this.nodes = nodes.slice();
  }

  /** drops every run holding `id`; its indices fall to the run below. Returns true if any. */
  remove(id: string): boolean {
    let hit = false;
    for (let k = this.nodes.length - 1; k >= 0; k--) {
      if ((this.nodes[k] as NodeRef).id !== id) continue;
      hit = true;
      this.from.splice(k, 1);
      this.nodes.splice(k, 1);
      if (k > 0 && k < this.nodes.length) this.mergeAround(k);
    }
    return hit;
  }

  clear(): void {
    this.from = [];
    this.nodes = [];
  }

  private mergeAround(k: number): void {
    // merge with the next run, then with the previous one
    if (k + 1 < this.nodes.length && (this.nodes[k + 1] as NodeRef).id === (this.nodes[k] as NodeRef).id) {
      this.from.splice(k + 1, 1);
      this.nodes.splice(k + 1, 1);
    }
    if (k > 0 && (this.nodes[k - 1] as NodeRef).id === (this.nodes[k] as NodeRef).id) {
      this.from.splice(k, 1);
      this.nodes.splice(k, 1);
    }
  }
}
