/**
 * Which bytes a source that has just become free should fetch next. Pure: it sees the
 * file size, what is taken (on disk, being written, or assigned to a source) and the
 * sources' measured rates, and answers with one of three plans:
 *
 * - `fresh`: the lowest untaken gap, cut to a segment sized for this source
 *   (about `segmentTargetMs` of transfer at its rate, within [min, max]);
 * - `split`: no gap left, but another source still has a large remainder: it keeps the
 *   front, this source takes the tail, cut so both should finish together;
 * - `race` (end-game): nothing worth splitting; this source fetches the same remainder as
 *   a slower one, first to finish wins. At most two sources fetch the same bytes.
 */
import type { RangeMap } from './range-map.js';

export interface Assignment {
  readonly id: number;
  readonly sourceKey: string;
  readonly start: number;
  /** exclusive; lowered when another source splits this assignment */
  end: number;
  /** next byte this assignment will write */
  pos: number;
  /** set for end-game duplicates: the assignment whose bytes are raced */
  readonly raceOf: number | undefined;
}

export interface PlanSizes {
  segmentBytes: number;
  minSegmentBytes: number;
  maxSegmentBytes: number;
  segmentTargetMs: number;
}

export interface PlanInput {
  readonly size: number;
  /** bytes on disk or being written */
  readonly taken: RangeMap<unknown>;
  readonly assignments: readonly Assignment[];
  readonly sourceKey: string;
  /** bytes/s per source key, when measured */
  readonly rates: ReadonlyMap<string, number>;
  readonly sizes: PlanSizes;
}

export type Plan =
  | { readonly kind: 'fresh'; readonly start: number; readonly end: number }
  | { readonly kind: 'split'; readonly victim: number; readonly at: number; readonly end: number }
  | { readonly kind: 'race'; readonly victim: number; readonly start: number; readonly end: number };

/** Segment length for a source: ~segmentTargetMs of transfer at its rate. */
export function segmentFor(rate: number | undefined, s: PlanSizes): number {
  if (rate === undefined || !(rate > 0)) return s.segmentBytes;
  const want = Math.round((rate * s.segmentTargetMs) / 1000);
  return Math.min(s.maxSegmentBytes, Math.max(s.minSegmentBytes, want));
}

export function plan(input: PlanInput): Plan | undefined {
  const { size, taken, assignments, sourceKey, rates, sizes } = input;
  // untaken = not on disk, not being written, not assigned
  const assigned = assignments.map((a) => ({ start: a.pos, end: a.end })).filter((r) => r.end > r.start);
  for (const gap of taken.gaps(0, size)) {
    const free = subtract(gap, assigned);
    const first = free[0];
    if (first === undefined) continue;
    const seg = segmentFor(rates.get(sourceKey), sizes);
    let end = Math.min(first.end, first.start + seg);
    // never leave a sliver behind that is smaller than a minimum segment
    if (first.end - end < sizes.minSegmentBytes) end = first.end;
    return { kind: 'fresh', start: first.start, end };
  }

  const mine = rates.get(sourceKey);
  let best: { victim: number; at: number; end: number; share: number } | undefined;
  for (const a of assignments) {
    if (a.sourceKey === sourceKey || a.raceOf !== undefined) continue;
    if (assignments.some((b) => b.raceOf === a.id)) continue; // already raced: leave it alone
    const remaining = a.end - a.pos;
    if (remaining < 2 * sizes.minSegmentBytes) continue;
    const theirs = rates.get(a.sourceKey);
    // unknown rates count as equal: split in half
    const share =
      mine !== undefined && theirs !== undefined && mine + theirs > 0
        ? Math.floor((remaining * mine) / (mine + theirs))
        : Math.floor(remaining / 2);
    if (share < sizes.minSegmentBytes || remaining - share < 1) continue;
    if (best === undefined || share > best.share)
      best = { victim: a.id, at: a.end - share, end: a.end, share };
  }
  if (best !== undefined) return { kind: 'split', victim: best.victim, at: best.at, end: best.end };

  // end-game: duplicate the remainder expected to finish last
  let race: { victim: number; start: number; end: number; eta: number } | undefined;
  for (const a of assignments) {
    if (a.sourceKey === sourceKey || a.raceOf !== undefined || a.end <= a.pos) continue;
    const racers = assignments.filter((b) => b.raceOf === a.id);
    if (racers.length > 0) continue; // at most two sources on the same bytes
    const remaining = taken.gaps(a.pos, a.end);
    const first = remaining[0];
    if (first === undefined) continue;
    const rate = rates.get(a.sourceKey) ?? 0;
    const left = a.end - first.start;
    // a long remainder is only worth racing by a source that is not slower than its owner
    if (left >= 2 * sizes.minSegmentBytes && mine !== undefined && rate > 0 && mine < rate) continue;
    const eta = rate > 0 ? left / rate : Number.POSITIVE_INFINITY;
    if (race === undefined || eta > race.eta || (eta === race.eta && left > race.end - race.start)) {
      race = { victim: a.id, start: first.start, end: a.end, eta };
    }
  }
  if (race !== undefined) return { kind: 'race', victim: race.victim, start: race.start, end: race.end };
  return undefined;
}

/** `range` minus a set of (possibly overlapping, unsorted) ranges. */
function subtract(
  range: { start: number; end: number },
  cut: readonly { start: number; end: number }[],
): { start: number; end: number }[] {
  let parts = [range];
  for (const c of cut) {
    const next: { start: number; end: number }[] = [];
    for (const p of parts) {
      if (c.end <= p.start || c.start >= p.end) {
        next.push(p);
        continue;
      }
      if (c.start > p.start) next.push({ start: p.start, end: c.start });
      if (c.end < p.end) next.push({ start: c.end, end: p.end });
    }
    parts = next;
  }
  return parts.sort((a, b) => a.start - b.start);
}
