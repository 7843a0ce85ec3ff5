import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { TokenBucket } from '../../src/transfer/index.js';

describe('TokenBucket', () => {
  it('grants the burst at once, then at the configured rate', () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ clock, rate: 10_000, burst: 1_000 });
    let granted = 0;
    b.take(1_000, () => granted++);
    expect(granted).toBe(1);
    b.take(1_000, () => granted++);
    expect(granted).toBe(1);
    clock.advance(99);
    expect(granted).toBe(1);
    clock.advance(1);
    expect(granted).toBe(2);
  });

  it('serves waiters in order and never faster than the rate', () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ clock, rate: 1_000, burst: 500 });
    const order: string[] = [];
    let bytes = 0;
    for (let i = 0; i < 10; i++) b.take(500, () => ((bytes += 500), order.push(String(i))));
    clock.advance(2_000);
    // 500 burst + 2 s × 1000 B/s
    expect(bytes).toBe(2_500);
    expect(order).toEqual(['0', '1', '2', '3', '4']);
    clock.advance(10_000);
    expect(order.length).toBe(10);
    expect(b.pending()).toBe(0);
  });

  it('a withdrawn request is never granted and frees the line', () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ clock, rate: 1_000, burst: 1_000 });
    b.take(1_000, () => {});
    let a = 0;
    let c = 0;
    const cancel = b.take(1_000, () => a++);
    b.take(500, () => c++);
    cancel();
    clock.advance(500);
    expect(a).toBe(0);
    expect(c).toBe(1);
  });

  it('refuses requests larger than the burst', () => {
    const b = new TokenBucket({ clock: new ManualClock(), rate: 1_000, burst: 100 });
    expect(() => b.take(101, () => {})).toThrow(RangeError);
    expect(() => new TokenBucket({ clock: new ManualClock(), rate: 0 })).toThrow(RangeError);
  });
});
