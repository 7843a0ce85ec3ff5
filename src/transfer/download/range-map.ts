/**
 * Half-open byte ranges `[start, end)` with a label each, kept sorted, non-overlapping and
 * merged when neighbours carry the same label. The downloader uses it for the bytes it
 * has on disk (label = the source that sent them), for writes in flight, and derives the
 * gaps still to fetch from it. Operations are O(n) in the number of ranges, which stays
 * around the number of segments of one file.
 */
export interface LabelledRange<L> {
  readonly start: number;
  readonly end: number;
  readonly label: L;
}

export class RangeMap<L> {
  private ranges: LabelledRange<L>[] = [];

  /** The bytes covered by either map, as one unlabelled map (linear merge). */
  static union(a: RangeMap<unknown>, b: RangeMap<unknown>): RangeMap<true> {
    const out = new RangeMap<true>();
    const xs = a.ranges;
    const ys = b.ranges;
    let i = 0;
    let j = 0;
    while (i < xs.length || j < ys.length) {
      const x = xs[i];
      const y = ys[j];
      let next: LabelledRange<unknown>;
      if (y === undefined || (x !== undefined && x.start <= y.start)) {
        next = x as LabelledRange<unknown>;
        i++;
      } else {
        next = y;
        j++;
      }
      const last = out.ranges[out.ranges.length - 1];
      if (last !== undefined && next.start <= last.end) {
        if (next.end > last.end)
          out.ranges[out.ranges.length - 1] = { start: last.start, end: next.end, label: true };
      } else {
        out.ranges.push({ start: next.start, end: next.end, label: true });
      }
    }
    return out;
  }

  /** Ranges in ascending order (a copy-free read-only view). */
  list(): readonly LabelledRange<L>[] {
    return this.ranges;
  }

  count(): number {
    return this.ranges.length;
  }

  /** Total bytes covered. */
  bytes(): number {
    let n = 0;
    for (const r of this.ranges) n += r.end - r.start;
    return n;
  }

  /** Labels `[start, end)`, replacing whatever covered those bytes before. */
  set(start: number, end: number, label: L): void {
    if (end <= start) return;
    this.delete(start, end);
    let i = this.firstEndingAfter(start);
    this.ranges.splice(i, 0, { start, end, label });
    // merge with equal-label neighbours that touch
    if (i > 0) {
      const prev = this.ranges[i - 1] as LabelledRange<L>;
      const cur = this.ranges[i] as LabelledRange<L>;
      if (prev.end === cur.start && prev.label === cur.label) {
        this.ranges.splice(i - 1, 2, { start: prev.start, end: cur.end, label: cur.label });
        i -= 1;
      }
    }
    const cur = this.ranges[i] as LabelledRange<L>;
    const next = this.ranges[i + 1];
    if (next !== undefined && cur.end === next.start && cur.label === next.label) {
      this.ranges.splice(i, 2, { start: cur.start, end: next.end, label: cur.label });
    }
  }

  /** Forgets `[start, end)`, splitting ranges that straddle its edges. */
  delete(start: number, end: number): void {
    if (end <= start) return;
    const out: LabelledRange<L>[] = [];
    for (const r of this.ranges) {
      if (r.end <= start || r.start >= end) {
        out.push(r);
        continue;
      }
      if (r.start < start) out.push({ start: r.start, end: start, label: r.label });
      if (r.end > end) out.push({ start: end, end: r.end, label: r.label });
    }
    this.ranges = out;
  }

  /** Forgets every range carrying `label`; returns the bytes removed. */
  deleteLabel(label: L): number {
    let n = 0;
    this.ranges = this.ranges.filter((r) => {
      if (r.label !== label) return true;
      n += r.end - r.start;
      return false;
    });
    return n;
  }

  /** True when every byte of `[start, end)` is covered. */
  covers(start: number, end: number): boolean {
    return this.gaps(start, end, 1).length === 0;
  }

  /** The uncovered sub-ranges of `[start, end)`, at most `limit` of them. */
  gaps(start: number, end: number, limit = Number.POSITIVE_INFINITY): { start: number; end: number }[] {
    const out: { start: number; end: number }[] = [];
    let pos = start;
    for (let i = this.firstEndingAfter(start); i < this.ranges.length && pos < end; i++) {
      const r = this.ranges[i] as LabelledRange<L>;
      if (r.start >= end) break;
      if (r.start > pos) {
        out.push({ start: pos, end: r.start });
        if (out.length >= limit) return out;
      }
      pos = Math.max(pos, r.end);
    }
    if (pos < end) out.push({ start: pos, end });
    return out;
  }

  /** Ranges intersecting `[start, end)`, clipped to it. */
  slice(start: number, end: number): LabelledRange<L>[] {
    const out: LabelledRange<L>[] = [];
    for (let i = this.firstEndingAfter(start); i < this.ranges.length; i++) {
      const r = this.ranges[i] as LabelledRange<L>;
      if (r.start >= end) break;
      out.push({ start: Math.max(r.start, start), end: Math.min(r.end, end), label: r.label });
    }
    return out;
  }

  /** Bytes per label. */
  bytesByLabel(): Map<L, number> {
    const m = new Map<L, number>();
    for (const r of this.ranges) m.set(r.label, (m.get(r.label) ?? 0) + r.end - r.start);
    return m;
  }

  /** Index of the first range whose end is after `pos` (binary search). */
  private firstEndingAfter(pos: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ranges[mid] as LabelledRange<L>).end <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
