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
import type { IdSpace } from './id.js';

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

/**
 * Ring positions as floats in [0, 1): exact for the leading ≥ 49 bits of each id, so the
 * finger searches compare doubles; equal doubles fall back to the exact hex order.
 * Computed once per ring and shared by every node that installs from it.
 */
const positions = new WeakMap<readonly NodeRef[], Float64Array>();

function positionsOf(space: IdSpace, refs: readonly NodeRef[]): Float64Array {
  let p = positions.get(refs);
  if (p === undefined) {
    p = new Float64Array(refs.length);
    for (let k = 0; k < refs.length; k++) p[k] = position(space, (refs[k] as NodeRef).id);
    positions.set(refs, p);
  }
  return p;
}

/** value / 2^m from the leading 13 hex digits (a power-of-two scaling: no rounding) */
function position(space: IdSpace, id: string): number {
  const lead = id.length <= 13 ? id : id.slice(0, 13);
  return parseInt(lead, 16) * 2 ** (4 * (space.digits - lead.length) - space.bits);
}

/** first index whose position ≥ x (ties broken by the exact id), N when none */
function lowerBoundAt(
  pos: Float64Array,
  refs: readonly NodeRef[],
  x: number,
  space: IdSpace,
  self: string,
  i: number,
): number {
  let lo = 0;
  let hi = pos.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((pos[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo < pos.length && pos[lo] === x) {
    const key = space.addPow2(self, i);
    while (lo < pos.length && pos[lo] === x && (refs[lo] as NodeRef).id < key) lo++;
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
  const space = node.space;
  const r = Math.min(node.cfg.successors, n - 1);
  v.succs =
    j + 1 + r <= n ? refs.slice(j + 1, j + 1 + r) : [...refs.slice(j + 1), ...refs.slice(0, j + 1 + r - n)];
  v.pred = refs[(j + n - 1) % n];
  const nextIdx = (j + 1) % n;
  const pos = positionsOf(space, refs);
  const self = pos[j] as number;
  // below this index 2^i is finer than the doubles resolve: exact hex arithmetic instead
  const exactBelow = 4 * space.digits - 52;
  // collected from the top index down, reversed at the end
  const from: number[] = [];
  const nodes: NodeRef[] = [];
  for (let i = space.bits - 1; i >= 0; i--) {
    let k: number;
    if (i >= exactBelow) {
      let x = self + 2 ** (i - space.bits);
      if (x >= 1) x -= 1;
      k = lowerBoundAt(pos, refs, x, space, v.self.id, i);
    } else {
      k = lowerBound(refs, space.addPow2(v.self.id, i));
    }
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
  v.fingers.adopt(from.reverse(), nodes.reverse());
  v.fixNext = 0;
}
