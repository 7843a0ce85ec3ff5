import { describe, expect, it } from 'vitest';
import { ManualClock, every } from '../../src/core/clock.js';
import { createRng, shuffle } from '../../src/core/rng.js';
import { keywords } from '../../src/core/keywords.js';

describe('ManualClock', () => {
  it('fires timers in time order, then insertion order', () => {
    const c = new ManualClock(0);
    const seen: string[] = [];
    c.setTimeout(() => seen.push('b@10'), 10);
    c.setTimeout(() => seen.push('a@5'), 5);
    c.setTimeout(() => seen.push('c@10'), 10);
    const h = c.setTimeout(() => seen.push('cancelled'), 7);
    c.clearTimeout(h);
    c.advance(9);
    expect(seen).toEqual(['a@5']);
    c.advance(1);
    expect(seen).toEqual(['a@5', 'b@10', 'c@10']);
    expect(c.now()).toBe(10);
  });

  it('every() repeats until stopped', () => {
    const c = new ManualClock();
    let n = 0;
    const stop = every(c, 100, () => n++);
    c.advance(350);
    expect(n).toBe(3);
    stop();
    c.advance(1000);
    expect(n).toBe(3);
  });
});

describe('Rng', () => {
  it('same seed, same sequence; different seed, different sequence', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 8 }, () => a.uint32());
    const sb = Array.from({ length: 8 }, () => b.uint32());
    const sc = Array.from({ length: 8 }, () => c.uint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('int(n) stays in range and covers it', () => {
    const r = createRng(1);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) {
      const v = r.int(6);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });

  it('shuffle is a permutation and deterministic', () => {
    const x = shuffle(createRng(7), [1, 2, 3, 4, 5, 6, 7, 8]);
    const y = shuffle(createRng(7), [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(x).toEqual(y);
    expect([...x].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('keywords', () => {
  it('lower-cases, strips accents, splits on punctuation, dedups', () => {
    expect(keywords('Beatles - Penny_Lane (Remastered).MP3')).toEqual([
      'beatles',
      'penny',
      'lane',
      'remastered',
      'mp3',
    ]);
    expect(keywords('Café Déjà-vu café')).toEqual(['cafe', 'deja', 'vu']);
    expect(keywords('a b cd')).toEqual(['cd']);
  });
});
