import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRange, parseRangeHeader, resolveSpec } from '../../src/transfer/index.js';

const SIZE = 1000;

describe('decideRange', () => {
  it('no header → whole file', () => {
    expect(decideRange(undefined, SIZE)).toEqual({ kind: 'full' });
  });

  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, 999],
    ['bytes=-100', 900, 999],
    ['bytes=0-', 0, 999],
    ['bytes=500-5000', 500, 999], // end past the file is clamped
    ['bytes=-5000', 0, 999], // suffix longer than the file = whole file
    ['bytes=999-999', 999, 999],
    ['BYTES = 10 - 20', 10, 20], // unit is case-insensitive, whitespace tolerated
    ['bytes=, 3-4', 3, 4], // empty list elements are ignored
  ])('%s → %i-%i', (header, start, end) => {
    expect(decideRange(header, SIZE)).toEqual({ kind: 'partial', range: { start, end } });
  });

  it.each([
    ['bytes=1000-', 'RANGE_UNSATISFIABLE'], // starts at the end
    ['bytes=2000-3000', 'RANGE_UNSATISFIABLE'],
    ['bytes=-0', 'RANGE_UNSATISFIABLE'],
    ['bytes=5-1', 'RANGE_SYNTAX'], // a > b
    ['bytes=abc', 'RANGE_SYNTAX'],
    ['bytes=1-2-3', 'RANGE_SYNTAX'],
    ['bytes=-', 'RANGE_SYNTAX'],
    ['bytes=', 'RANGE_SYNTAX'],
    ['bytes=0x10-20', 'RANGE_SYNTAX'],
    ['bytes=+1-2', 'RANGE_SYNTAX'],
    ['bytes=1.5-2', 'RANGE_SYNTAX'],
    ['0-99', 'RANGE_SYNTAX'],
    ['items=0-99', 'RANGE_UNIT'],
    ['bytes=1234567890123456-', 'RANGE_SYNTAX'], // 16 digits: over the exact-integer cap
  ])('%s → 416 (%s)', (header, reason) => {
    expect(decideRange(header, SIZE)).toEqual({ kind: 'unsatisfiable', reason });
  });

  it('several ranges: serves the first satisfiable one', () => {
    expect(decideRange('bytes=0-9,20-29', SIZE)).toEqual({ kind: 'partial', range: { start: 0, end: 9 } });
    expect(decideRange('bytes=5000-,20-29', SIZE)).toEqual({
      kind: 'partial',
      range: { start: 20, end: 29 },
    });
    expect(decideRange('bytes=5000-,6000-', SIZE)).toEqual({
      kind: 'unsatisfiable',
      reason: 'RANGE_UNSATISFIABLE',
    });
  });

  it('zero-length file: every range is unsatisfiable, no range is a 200', () => {
    expect(decideRange(undefined, 0)).toEqual({ kind: 'full' });
    for (const h of ['bytes=0-', 'bytes=0-0', 'bytes=-1']) {
      expect(decideRange(h, 0)).toEqual({ kind: 'unsatisfiable', reason: 'RANGE_UNSATISFIABLE' });
    }
  });

  it('caps the header length', () => {
    const long = 'bytes=0-1' + ' '.repeat(1100);
    expect(decideRange(long, SIZE)).toEqual({ kind: 'unsatisfiable', reason: 'RANGE_TOO_LONG' });
    expect(parseRangeHeader('bytes=0-1,2-3', { maxHeaderLength: 8, maxRanges: 16 })).toEqual({
      ok: false,
      code: 'RANGE_TOO_LONG',
    });
  });

  it('caps the number of ranges', () => {
    const many = 'bytes=' + Array.from({ length: 17 }, (_, i) => `${i}-${i}`).join(',');
    expect(parseRangeHeader(many)).toEqual({ ok: false, code: 'RANGE_TOO_MANY' });
    const sixteen = 'bytes=' + Array.from({ length: 16 }, (_, i) => `${i}-${i}`).join(',');
    const ok = parseRangeHeader(sixteen);
    expect(ok.ok && ok.specs.length).toBe(16);
  });
});

describe('range properties (fast-check, seed 20240601)', () => {
  const params = { seed: 20240601, numRuns: 500 };

  it('a resolved range always lies inside the file', () => {
    fc.assert(
      fc.property(
        fc.nat(1 << 30),
        fc.oneof(
          fc.record({
            kind: fc.constant('span' as const),
            start: fc.nat(2 ** 31),
            end: fc.option(fc.nat(2 ** 31), { nil: undefined }),
          }),
          fc.record({ kind: fc.constant('suffix' as const), length: fc.nat(2 ** 31) }),
        ),
        (size, spec) => {
          if (spec.kind === 'span' && spec.end !== undefined && spec.end < spec.start) return;
          const r = resolveSpec(spec, size);
          if (r === undefined) return;
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.start).toBeLessThanOrEqual(r.end);
          expect(r.end).toBeLessThan(size);
        },
      ),
      params,
    );
  });

  it('never throws on arbitrary header text and agrees with a reference for a-b', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.nat(10_000), (text, size) => {
        const d = decideRange(text, size);
        expect(['partial', 'unsatisfiable']).toContain(d.kind);
      }),
      params,
    );
    fc.assert(
      fc.property(fc.nat(5000), fc.nat(5000), fc.nat(5000), (a, b, size) => {
        const d = decideRange(`bytes=${a}-${b}`, size);
        if (a > b) expect(d).toEqual({ kind: 'unsatisfiable', reason: 'RANGE_SYNTAX' });
        else if (a >= size) expect(d).toEqual({ kind: 'unsatisfiable', reason: 'RANGE_UNSATISFIABLE' });
        else expect(d).toEqual({ kind: 'partial', range: { start: a, end: Math.min(b, size - 1) } });
      }),
      params,
    );
  });
});
