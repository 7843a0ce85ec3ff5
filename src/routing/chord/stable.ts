/**
 * Installs the state a ring converges to, computed from the sorted list of every ring
 * position: predecessor, the next r positions, and fingers successor(n + 2^i). Used by
 * the simulator to build a 10^6-node ring without simulating joins.
 *
 * Fingers are found from the top index down, one binary search each, and the walk stops
 * at the first index whose successor is the immediate successor: every lower index maps
 * there too, and unset low indices already mean "the successor". So a node costs
 * O(log N) searches of O(log N) comparisons.
 */
import type { NodeRef } from '../../protocol/chord/messages.js';
import type { ChordNode } from './node.js';
import type { VNode } from './vnode.js';

/** first index whose id ≥ key, N when none */
export function lowerBound(refs: readonly NodeRef[], key: string): number {
  let lo = 0;
  let hi = refs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((refs[mid] as NodeRef).id < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function installStableState(node: ChordNode, v: VNode, refs: readonly NodeRef[]): void {
  const n = refs.length;
  const j = lowerBound(refs, v.self.id);
  if (j >= n || (refs[j] as NodeRef).id !== v.self.id) {
    throw new RangeError(`installStable: ${v.self.id} is not in the ring`);
  }
  v.joined = true;
  if (n === 1) {
    v.setSuccessors([]);
    v.pred = undefined;
    v.fingers.clear();
    return;
  }
  const r = node.cfg.successors;
  const succs: NodeRef[] = [];
  for (let k = 1; k <= Math.min(r, n - 1); k++) succs.push(refs[(j + k) % n] as NodeRef);
  v.succs = succs;
  v.pred = refs[(j + n - 1) % n];
  const nextIdx = (j + 1) % n;
  // collected from the top index down, reversed at the end
  const from: number[] = [];
  const nodes: NodeRef[] = [];
  for (let i = node.space.bits - 1; i >= 0; i--) {
    const start = node.space.addPow2(v.self.id, i);
    let k = lowerBound(refs, start);
    if (k === n) k = 0;
    const f = refs[k] as NodeRef;
    if (f.id === v.self.id) continue;
    if (nodes.length > 0 && nodes[nodes.length - 1] === f) from[from.length - 1] = i;
    else {
      from.push(i);
      nodes.push(f);
    }
    if (k === nextIdx) break;
  }
  v.fingers.replace(from.reverse(), nodes.reverse());
  v.fixNext = 0;
}
