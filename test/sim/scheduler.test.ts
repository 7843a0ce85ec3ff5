import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/sim/scheduler.js';

const SEED = 20240601;

function recorder(s: Scheduler): [number, number, unknown][] {
  const log: [number, number, unknown][] = [];
  s.on(7, (target, _aux, payload) => log.push([s.now(), target, payload]));
  return log;
}

describe('Scheduler', () => {
  it('runs events by time, and same-time events in scheduling order', () => {
    const s = new Scheduler(16);
    const log = recorder(s);
    s.schedule(10, 7, 1, 0, 'b');
    s.schedule(5, 7, 2, 0, 'a');
    s.schedule(10, 7, 3, 0, 'c');
    s.schedule(10, 7, 4, 0, 'd');
    s.schedule(0, 7, 5, 0, 'z');
    s.runUntil(Infinity);
    expect(log.map((e) => e[2])).toEqual(['z', 'a', 'b', 'c', 'd']);
    expect(log.map((e) => e[0])).toEqual([0, 5, 10, 10, 10]);
  });

  it('passes target, aux and payload to the handler of the kind', () => {
    const s = new Scheduler();
    const got: unknown[] = [];
    s.on(3, (t, a, p) => got.push(['three', t, a, p]));
    s.on(4, (t, a, p) => got.push(['four', t, a, p]));
    s.schedule(1, 4, 11, -2, { x: 1 });
    s.schedule(2, 3, 12, 99, null);
    s.runUntil(10);
    expect(got).toEqual([
      ['four', 11, -2, { x: 1 }],
      ['three', 12, 99, null],
    ]);
  });

  it('an event scheduled by a handler for "now" runs after the events already due now', () => {
    const s = new Scheduler();
    const order: string[] = [];
    s.on(1, (_t, _a, p) => {
      order.push(String(p));
      if (p === 'first') s.schedule(s.now(), 1, 0, 0, 'spawned');
    });
    s.schedule(3, 1, 0, 0, 'first');
    s.schedule(3, 1, 0, 0, 'second');
    s.runUntil(Infinity);
    expect(order).toEqual(['first', 'second', 'spawned']);
  });

  it('cancels lazily: a cancelled event never runs and stops counting as pending', () => {
    const s = new Scheduler();
    const log = recorder(s);
    const a = s.schedule(1, 7, 0, 0, 'a');
    s.schedule(2, 7, 0, 0, 'b');
    const seqA = s.seqOf(a);
    expect(s.pending()).toBe(2);
    expect(s.cancel(a, seqA)).toBe(true);
    expect(s.cancel(a, seqA)).toBe(false);
    expect(s.pending()).toBe(1);
    expect(s.peekTime()).toBe(2);
    s.runUntil(Infinity);
    expect(log.map((e) => e[2])).toEqual(['b']);
    expect(s.eventsRun()).toBe(1);
  });

  it('ignores a stale reference after the slot was reused', () => {
    const s = new Scheduler(16);
    const log = recorder(s);
    const a = s.schedule(1, 7, 0, 0, 'a');
    const seqA = s.seqOf(a);
    s.runUntil(1);
    const b = s.schedule(2, 7, 0, 0, 'b');
    expect(b).toBe(a); // slot recycled
    expect(s.cancel(a, seqA)).toBe(false);
    s.runUntil(Infinity);
    expect(log.map((e) => e[2])).toEqual(['a', 'b']);
  });

  it('runUntil stops at the bound and moves time to it; the past is clamped to now', () => {
    const s = new Scheduler();
    const log = recorder(s);
    s.schedule(5, 7, 0, 0, 'a');
    s.schedule(15, 7, 0, 0, 'b');
    expect(s.runUntil(10)).toBe(1);
    expect(s.now()).toBe(10);
    s.schedule(3, 7, 0, 0, 'late');
    s.runUntil(20);
    expect(log).toEqual([
      [5, 0, 'a'],
      [10, 0, 'late'],
      [15, 0, 'b'],
    ]);
    expect(() => s.schedule(Number.NaN, 7, 0, 0, 'x')).toThrow(RangeError);
  });

  it('rejects bad kinds and double registration, and fails loudly on an unhandled kind', () => {
    const s = new Scheduler();
    expect(() => s.on(0, () => {})).toThrow(RangeError);
    expect(() => s.on(256, () => {})).toThrow(RangeError);
    s.on(9, () => {});
    expect(() => s.on(9, () => {})).toThrow(/already/);
    s.schedule(1, 10, 0, 0, undefined);
    expect(() => s.step()).toThrow(/no handler/);
  });

  it('matches a sort by (time, seq) for random schedules with cancellations, across growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { minLength: 1, maxLength: 400 }),
        (items) => {
          const s = new Scheduler(16);
          const log = recorder(s);
          const refs = items.map(([t], i) => {
            const slot = s.schedule(t, 7, i, 0, i);
            return [slot, s.seqOf(slot)] as const;
          });
          items.forEach(([, cancel], i) => {
            if (cancel) s.cancel(...(refs[i] as readonly [number, number]));
          });
          s.runUntil(Infinity);
          const expected = items
            .map(([t, c], i) => ({ t, c, i }))
            .filter((e) => !e.c)
            .sort((a, b) => a.t - b.t || a.i - b.i)
            .map((e) => e.i);
          expect(log.map((e) => e[1])).toEqual(expected);
          expect(s.pending()).toBe(0);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('handles a million events with a bounded heap (push/pop interleaved)', () => {
    const s = new Scheduler(1024);
    let n = 0;
    s.on(1, (t) => {
      n++;
      if (t > 0) s.schedule(s.now() + 1 + (t % 7), 1, t - 1, 0, undefined);
    });
    for (let i = 0; i < 1000; i++) s.schedule(i % 13, 1, 999, 0, undefined);
    s.runUntil(Infinity);
    expect(n).toBe(1_000_000);
    expect(s.pending()).toBe(0);
  });
});
