import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { UploadSlots, type SlotAnswer, type UploadSlot } from '../../src/transfer/index.js';

function granted(a: SlotAnswer): UploadSlot {
  if (!a.ok) throw new Error(`refused: ${a.reason}`);
  return a.slot;
}

describe('UploadSlots', () => {
  it('grants up to the slot count, then refuses with Retry-After', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 2, retryAfterS: 30 });
    granted(s.acquire('10.0.0.1'));
    granted(s.acquire('10.0.0.2'));
    const r = s.acquire('10.0.0.3');
    expect(r).toEqual({ ok: false, reason: 'full', retryAfterS: 30, position: 1 });
    expect(s.stats()).toMatchObject({ active: 2, queued: 1 });
  });

  it('one slot per IP, and the holder is not queued for its second try', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 4 });
    granted(s.acquire('10.0.0.1'));
    expect(s.acquire('10.0.0.1')).toMatchObject({ ok: false, reason: 'per-ip', position: undefined });
    expect(s.stats().queued).toBe(0);
  });

  it('a freed slot goes to the queue head; newcomers wait during the grace period', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 1, retryAfterS: 10, graceMs: 20_000 });
    const a = granted(s.acquire('A'));
    expect(s.acquire('B').ok).toBe(false);
    expect(s.acquire('C')).toMatchObject({ ok: false, position: 2 });
    a.release();
    clock.advance(5_000);
    expect(s.acquire('D')).toMatchObject({ ok: false, reason: 'reserved', position: 3 });
    expect(s.acquire('C')).toMatchObject({ ok: false, reason: 'reserved', position: 2 });
    const b = granted(s.acquire('B'));
    expect(b.ip).toBe('B');
    expect(s.stats()).toMatchObject({ active: 1, queued: 2 });
  });

  it('an unclaimed reservation lapses after the grace period and passes down the queue', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 1, retryAfterS: 10, graceMs: 20_000, staleMs: 1e9 });
    const a = granted(s.acquire('A'));
    s.acquire('B');
    s.acquire('C');
    a.release();
    clock.advance(20_001);
    // B never came back: C, now at the head, gets its own grace period.
    expect(s.acquire('D')).toMatchObject({ ok: false, reason: 'reserved' });
    granted(s.acquire('C'));
    expect(s.acquire('B')).toMatchObject({ ok: false, reason: 'full' });
  });

  it('with more free slots than waiters, newcomers are served at once', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 2 });
    const a = granted(s.acquire('A'));
    const b = granted(s.acquire('B'));
    s.acquire('C');
    a.release();
    b.release();
    granted(s.acquire('D'));
    granted(s.acquire('C'));
  });

  it('forgets queue entries not seen for staleMs', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 1, staleMs: 1000 });
    granted(s.acquire('A'));
    s.acquire('B');
    expect(s.stats().queued).toBe(1);
    clock.advance(1001);
    expect(s.stats().queued).toBe(0);
  });

  it('the queue is bounded; past it refusals are not remembered', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 1, queueMax: 3 });
    granted(s.acquire('A'));
    for (const ip of ['B', 'C', 'D']) expect(s.acquire(ip).ok).toBe(false);
    expect(s.acquire('E')).toMatchObject({ ok: false, position: undefined });
    expect(s.stats().queued).toBe(3);
  });

  it('rotation: a holder is choked only after rotationMs and only while others wait', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 1, rotationMs: 60_000, retryAfterS: 60 });
    const a = granted(s.acquire('A'));
    clock.advance(120_000);
    expect(a.choked()).toBe(false); // nobody waits
    s.acquire('B');
    expect(a.choked()).toBe(true);
    a.release();
    expect(a.choked()).toBe(false);
    const b = granted(s.acquire('B'));
    s.acquire('A'); // the choked peer queues like anyone
    clock.advance(59_000);
    expect(b.choked()).toBe(false); // not held long enough yet
    clock.advance(2_000);
    expect(b.choked()).toBe(true);
    expect(s.stats().choked).toBe(2);
  });

  it('release is idempotent and a stale handle cannot free a newer holder', () => {
    const clock = new ManualClock();
    const s = new UploadSlots({ clock, slots: 1 });
    const a = granted(s.acquire('A'));
    a.release();
    const a2 = granted(s.acquire('A'));
    a.release();
    expect(s.stats().active).toBe(1);
    a2.release();
    expect(s.stats().active).toBe(0);
  });
});
