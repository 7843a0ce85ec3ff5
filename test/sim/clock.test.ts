import { describe, expect, it } from 'vitest';
import { ManualClock, every } from '../../src/core/clock.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { SimClock } from '../../src/sim/sim-clock.js';

describe('SimClock', () => {
  it('implements Clock: timers fire at their time, in order, and now() follows the scheduler', () => {
    const s = new Scheduler();
    const c = new SimClock(s);
    const seen: string[] = [];
    c.setTimeout(() => seen.push(`b@${c.now()}`), 10);
    c.setTimeout(() => seen.push(`a@${c.now()}`), 5);
    c.setTimeout(() => seen.push(`c@${c.now()}`), 10);
    const h = c.setTimeout(() => seen.push('cancelled'), 7);
    c.clearTimeout(h);
    c.clearTimeout(undefined);
    s.runUntil(100);
    expect(seen).toEqual(['a@5', 'b@10', 'c@10']);
    expect(c.now()).toBe(100);
  });

  it('treats negative and NaN delays as "as soon as possible"', () => {
    const s = new Scheduler();
    const c = new SimClock(s);
    const seen: number[] = [];
    c.setTimeout(() => seen.push(1), -5);
    c.setTimeout(() => seen.push(2), Number.NaN);
    s.runUntil(0);
    expect(seen).toEqual([1, 2]);
  });

  it('every() from core works on a node view', () => {
    const s = new Scheduler();
    const c = new SimClock(s);
    const v = c.view(3);
    let n = 0;
    const stop = every(v, 100, () => n++);
    s.runUntil(350);
    expect(n).toBe(3);
    stop();
    s.runUntil(1000);
    expect(n).toBe(3);
    expect(v.pending).toBe(0);
  });

  it('killing a node cancels all of its timers and ignores new ones; other nodes are unaffected', () => {
    const s = new Scheduler();
    const c = new SimClock(s);
    const a = c.view(0);
    const b = c.view(1);
    expect(c.view(0)).toBe(a);
    const fired: string[] = [];
    for (let i = 1; i <= 5; i++) a.setTimeout(() => fired.push(`a${i}`), i * 10);
    b.setTimeout(() => fired.push('b'), 30);
    s.runUntil(15);
    expect(a.pending).toBe(4);
    c.killNode(0);
    expect(a.pending).toBe(0);
    a.setTimeout(() => fired.push('after-death'), 1);
    s.runUntil(100);
    expect(fired).toEqual(['a1', 'b']);
  });

  it('tracks pending timers per view through fire and clear', () => {
    const s = new Scheduler();
    const c = new SimClock(s);
    const v = c.view(0);
    const h1 = v.setTimeout(() => {}, 10);
    v.setTimeout(() => {}, 20);
    expect(v.pending).toBe(2);
    v.clearTimeout(h1);
    v.clearTimeout(h1);
    expect(v.pending).toBe(1);
    s.runUntil(25);
    expect(v.pending).toBe(0);
  });

  it('ignores handles that belong to another clock', () => {
    const s = new Scheduler();
    const c = new SimClock(s);
    const m = new ManualClock();
    let fired = 0;
    c.setTimeout(() => fired++, 1);
    c.clearTimeout(m.setTimeout(() => {}, 1));
    s.runUntil(2);
    expect(fired).toBe(1);
  });
});
