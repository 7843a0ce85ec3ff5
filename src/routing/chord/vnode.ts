/**
 * One ring position: finger table, successor list, predecessor. A servent hosts one or
 * more of these (virtual nodes). Pure state and the local routing decisions; messaging
 * lives in lookup.ts and maintenance.ts.
 */
import type { NodeRef } from '../../protocol/chord/messages.js';
import type { TimerHandle } from '../../core/clock.js';
import { between, compareFrom } from './id.js';
import { FingerTable } from './finger-table.js';

export class VNode {
  readonly self: NodeRef;
  readonly fingers = new FingerTable();
  /** successor list, nearest first, never containing self, at most `r` long */
  succs: readonly NodeRef[] = [];
  pred: NodeRef | undefined;
  /** fix_fingers cursor */
  fixNext = 0;
  /** one timer drives the three maintenance tasks: it fires at the earliest due time */
  timer: TimerHandle | undefined;
  dueStabilize = 0;
  dueFix = 0;
  dueCheck = 0;
  /** the timer callback, built once per position */
  tick: (() => void) | undefined;
  /** the successor that missed one stabilize reply (dropped at the second miss) */
  suspect: string | undefined;
  /** a stabilize round is waiting for its reply */
  stabilizing = false;
  /** joined a ring (or created one) */
  joined = false;
  private readonly r: number;

  constructor(self: NodeRef, r: number) {
    this.self = self;
    this.r = r;
  }

  successor(): NodeRef {
    return this.succs[0] ?? this.self;
  }

  /** replaces the successor list: drops self and duplicates, keeps the first r */
  setSuccessors(list: readonly NodeRef[]): void {
    const out: NodeRef[] = [];
    const seen = new Set<string>();
    seen.add(this.self.id);
    for (const n of list) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      out.push(n);
      if (out.length >= this.r) break;
    }
    this.succs = out;
  }

  /**
   * True when [first, ...rest] would leave the successor list as it is (the steady state
   * of stabilize): then nothing is allocated.
   */
  sameSuccessors(first: NodeRef, rest: readonly NodeRef[]): boolean {
    const s = this.succs;
    if (s[0]?.id !== first.id) return false;
    const selfId = this.self.id;
    let k = 1;
    for (let j = 0; j < rest.length && k < this.r; j++) {
      const n = rest[j] as NodeRef;
      // the list wraps past us (a ring smaller than r): let setSuccessors sort it out
      if (n.id === selfId) return false;
      if (s[k]?.id !== n.id) return false;
      k++;
    }
    return k === s.length;
  }

  /**
   * Up to k known nodes strictly between self and key, closest to key first: the
   * closest-preceding-node rule over fingers, successor list and predecessor.
   */
  candidates(key: string, k: number, skip?: ReadonlySet<string>): NodeRef[] {
    const best: NodeRef[] = [];
    for (const n of this.succs) this.consider(best, n, key, k, skip);
    const fs = this.fingers.entries();
    for (let i = fs.length - 1; i >= 0; i--) this.consider(best, fs[i] as NodeRef, key, k, skip);
    if (this.pred !== undefined) this.consider(best, this.pred, key, k, skip);
    return best;
  }

  /** inserts n into `best` (closest to key first, at most k) when it precedes key */
  private consider(
    best: NodeRef[],
    n: NodeRef,
    key: string,
    k: number,
    skip: ReadonlySet<string> | undefined,
  ): void {
    const self = this.self.id;
    if (!between(n.id, self, key)) return;
    if (skip !== undefined && skip.has(n.id)) return;
    let pos = best.length;
    for (let j = 0; j < best.length; j++) {
      const b = best[j] as NodeRef;
      if (b.id === n.id) return;
      // n closer to key than b ⇔ b comes before n clockwise from self
      if (pos === best.length && compareFrom(self, b.id, n.id) < 0) pos = j;
    }
    if (pos >= k) return;
    best.splice(pos, 0, n);
    if (best.length > k) best.pop();
  }

  /** forgets a node everywhere; true when it was known */
  removeNode(id: string): boolean {
    let hit = this.fingers.remove(id);
    if (this.succs.some((n) => n.id === id)) {
      this.succs = this.succs.filter((n) => n.id !== id);
      hit = true;
    }
    if (this.pred?.id === id) {
      this.pred = undefined;
      hit = true;
    }
    return hit;
  }

  /** distinct nodes this position points at (for state accounting) */
  distinctRefs(): number {
    return this.fingers.size + this.succs.length + (this.pred !== undefined ? 1 : 0);
  }
}
