import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Assignment, plan, segmentFor, type PlanSizes } from '../../src/transfer/download/planner.js';
import { RangeMap } from '../../src/transfer/download/range-map.js';

const SEED = 20260611;

describe('RangeMap', () => {
  it('merges equal-label neighbours, keeps different labels apart, splits on delete', () => {
    const m = new RangeMap<string>();
    m.set(0, 10, 'a');
    m.set(10, 20, 'a');
    m.set(20, 30, 'b');
    expect(m.list()).toEqual([
      { start: 0, end: 20, label: 'a' },
      { start: 20, end: 30, label: 'b' },
    ]);
    m.delete(5, 25);
    expect(m.list()).toEqual([
      { start: 0, end: 5, label: 'a' },
      { start: 25, end: 30, label: 'b' },
    ]);
    expect(m.gaps(0, 40)).toEqual([
      { start: 5, end: 25 },
      { start: 30, end: 40 },
    ]);
    expect(m.deleteLabel('b')).toBe(5);
    expect(m.bytes()).toBe(5);
  });

  it('behaves like a byte array (property, fixed seed)', () => {
    const N = 64;
    const op = fc.record({
      kind: fc.constantFrom('set', 'delete', 'deleteLabel'),
      a: fc.integer({ min: 0, max: N }),
      b: fc.integer({ min: 0, max: N }),
      label: fc.constantFrom('x', 'y', 'z'),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const m = new RangeMap<string>();
        const model: (string | undefined)[] = new Array<string | undefined>(N).fill(undefined);
        for (const o of ops) {
          const [s, e] = o.a <= o.b ? [o.a, o.b] : [o.b, o.a];
          if (o.kind === 'set') {
            m.set(s, e, o.label);
            for (let i = s; i < e; i++) model[i] = o.label;
          } else if (o.kind === 'delete') {
            m.delete(s, e);
            for (let i = s; i < e; i++) model[i] = undefined;
          } else {
            m.deleteLabel(o.label);
            for (let i = 0; i < N; i++) if (model[i] === o.label) model[i] = undefined;
          }
        }
        // same bytes, same labels, sorted, disjoint, merged
        const fromMap: (string | undefined)[] = new Array<string | undefined>(N).fill(undefined);
        let prevEnd = -1;
        let prevLabel: string | undefined;
        for (const r of m.list()) {
          expect(r.start).toBeGreaterThanOrEqual(prevEnd);
          expect(r.end).toBeGreaterThan(r.start);
          if (r.start === prevEnd) expect(r.label).not.toBe(prevLabel);
          for (let i = r.start; i < r.end; i++) fromMap[i] = r.label;
          prevEnd = r.end;
          prevLabel = r.label;
        }
        expect(fromMap).toEqual(model);
        expect(m.bytes()).toBe(model.filter((x) => x !== undefined).length);
        const gapBytes = m.gaps(0, N).reduce((n, g) => n + g.end - g.start, 0);
        expect(gapBytes).toBe(model.filter((x) => x === undefined).length);
        expect(m.covers(0, N)).toBe(gapBytes === 0);
        const other = new RangeMap<number>();
        other.set(10, 20, 1);
        const u = RangeMap.union(m, other);
        for (let i = 0; i < N; i++) {
          expect(u.covers(i, i + 1)).toBe(model[i] !== undefined || (i >= 10 && i < 20));
        }
      }),
      { seed: SEED, numRuns: 150, verbose: true },
    );
  });
});

const sizes: PlanSizes = {
  segmentBytes: 1000,
  minSegmentBytes: 100,
  maxSegmentBytes: 5000,
  segmentTargetMs: 1000,
};

function asg(
  id: number,
  sourceKey: string,
  start: number,
  end: number,
  pos = start,
  raceOf?: number,
): Assignment {
  return { id, sourceKey, start, end, pos, raceOf };
}

function taken(...ranges: [number, number][]): RangeMap<true> {
  const m = new RangeMap<true>();
  for (const [a, b] of ranges) m.set(a, b, true);
  return m;
}

describe('planner', () => {
  it('sizes segments by the source rate, within bounds', () => {
    expect(segmentFor(undefined, sizes)).toBe(1000);
    expect(segmentFor(50, sizes)).toBe(100);
    expect(segmentFor(2500, sizes)).toBe(2500);
    expect(segmentFor(1e9, sizes)).toBe(5000);
  });

  it('fresh: the lowest untaken, unassigned bytes', () => {
    const p = plan({
      size: 10_000,
      taken: taken([0, 500]),
      assignments: [asg(1, 'a', 500, 1500)],
      sourceKey: 'b',
      rates: new Map(),
      sizes,
    });
    expect(p).toEqual({ kind: 'fresh', start: 1500, end: 2500 });
  });

  it('fresh: takes a tail sliver smaller than a minimum segment along', () => {
    const p = plan({ size: 1050, taken: taken(), assignments: [], sourceKey: 'a', rates: new Map(), sizes });
    expect(p).toEqual({ kind: 'fresh', start: 0, end: 1050 });
  });

  it('split: no gap left, the remainder is shared in proportion to the rates', () => {
    const p = plan({
      size: 2000,
      taken: taken([0, 1000]),
      assignments: [asg(1, 'slow', 1000, 2000)],
      sourceKey: 'fast',
      rates: new Map([
        ['slow', 100],
        ['fast', 300],
      ]),
      sizes,
    });
    expect(p).toEqual({ kind: 'split', victim: 1, at: 1250, end: 2000 });
  });

  it('split: unknown rates split in half; a share under the minimum is not split off', () => {
    expect(
      plan({
        size: 1000,
        taken: taken(),
        assignments: [asg(1, 'a', 0, 1000)],
        sourceKey: 'b',
        rates: new Map(),
        sizes,
      }),
    ).toEqual({
      kind: 'split',
      victim: 1,
      at: 500,
      end: 1000,
    });
    const p = plan({
      size: 1000,
      taken: taken([0, 600]),
      assignments: [asg(1, 'a', 0, 1000, 600)],
      sourceKey: 'b',
      rates: new Map([
        ['a', 1000],
        ['b', 10],
      ]),
      sizes,
    });
    expect(p?.kind).not.toBe('split');
  });

  it('race (end-game): a small remainder is duplicated, at most by two sources', () => {
    const assignments = [asg(1, 'a', 0, 1000, 900), asg(2, 'b', 1000, 2000, 1950)];
    const p = plan({
      size: 2000,
      taken: taken([0, 900], [1000, 1950]),
      assignments,
      sourceKey: 'c',
      rates: new Map(),
      sizes,
    });
    expect(p).toEqual({ kind: 'race', victim: 1, start: 900, end: 1000 });
    const withRacer = [...assignments, asg(3, 'c', 900, 1000, 900, 1)];
    const q = plan({
      size: 2000,
      taken: taken([0, 900], [1000, 1950]),
      assignments: withRacer,
      sourceKey: 'd',
      rates: new Map(),
      sizes,
    });
    expect(q).toEqual({ kind: 'race', victim: 2, start: 1950, end: 2000 });
    const fully = [...withRacer, asg(4, 'd', 1950, 2000, 1950, 2)];
    expect(
      plan({
        size: 2000,
        taken: taken([0, 900], [1000, 1950]),
        assignments: fully,
        sourceKey: 'e',
        rates: new Map(),
        sizes,
      }),
    ).toBeUndefined();
  });

  it('race: prefers the remainder expected to finish last; never races its own bytes', () => {
    const assignments = [asg(1, 'a', 0, 1000, 950), asg(2, 'b', 1000, 2000, 1900)];
    const rates = new Map([
      ['a', 1],
      ['b', 1000],
    ]);
    const p = plan({
      size: 2000,
      taken: taken([0, 950], [1000, 1900]),
      assignments,
      sourceKey: 'c',
      rates,
      sizes,
    });
    expect(p).toMatchObject({ kind: 'race', victim: 1 });
    const own = plan({
      size: 1000,
      taken: taken([0, 950]),
      assignments: [asg(1, 'a', 0, 1000, 950)],
      sourceKey: 'a',
      rates,
      sizes,
    });
    expect(own).toBeUndefined();
  });

  it('every byte ends up planned exactly once while gaps remain (property, fixed seed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 6 }), (size, n) => {
        const assignments: Assignment[] = [];
        const done = new RangeMap<true>();
        let id = 1;
        for (let round = 0; round < 200; round++) {
          const p = plan({
            size,
            taken: done,
            assignments,
            sourceKey: `s${round % n}`,
            rates: new Map(),
            sizes,
          });
          if (p === undefined || p.kind !== 'fresh') break;
          for (const a of assignments) expect(p.start >= a.end || p.end <= a.pos).toBe(true);
          assignments.push(asg(id++, `s${round % n}`, p.start, p.end));
          if (assignments.length >= n) {
            const a = assignments.shift() as Assignment;
            done.set(a.start, a.end, true);
          }
        }
        for (const a of assignments) done.set(a.start, a.end, true);
        expect(done.covers(0, size)).toBe(true);
      }),
      { seed: SEED, numRuns: 200, verbose: true },
    );
  });
});
