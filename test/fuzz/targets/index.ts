/** Every fuzz target, in the order runs report them. */
import type { FuzzTarget } from '../lib/target.js';
import { chordTarget } from './chord.js';
import { frameTarget } from './frame.js';
import { ggepTarget } from './ggep.js';
import { handshakeTarget } from './handshake.js';
import { loadKelipsTarget } from './kelips.js';
import { rangeTarget } from './range.js';

export interface TargetSet {
  readonly targets: FuzzTarget[];
  /** targets that cannot run in this build, with the reason */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

export async function loadTargets(): Promise<TargetSet> {
  const kelips = await loadKelipsTarget();
  const targets = [frameTarget, handshakeTarget, ggepTarget, chordTarget, rangeTarget];
  if (typeof kelips === 'string') return { targets, skipped: [{ name: 'kelips', reason: kelips }] };
  return { targets: [...targets.slice(0, 4), kelips, rangeTarget], skipped: [] };
}
