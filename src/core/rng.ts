/**
 * Randomness is injected. `createRng(seed)` is a small, fast, seedable generator
 * (sfc32, seeded through splitmix32) so that the same seed gives the same run; the
 * composition root seeds it from `crypto` for live use.
 */
export interface Rng {
  /** uniform unsigned 32-bit integer */
  uint32(): number;
  /** uniform float in [0, 1) */
  float(): number;
  /** uniform integer in [0, n) ; n ≥ 1 */
  int(n: number): number;
  /** fills a new buffer with n random bytes */
  bytes(n: number): Buffer;
  /** an independent generator derived from this one (for per-node streams) */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  float(): number {
    return this.uint32() / 4294967296;
  }

  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`rng.int needs n >= 1, got ${n}`);
    return Math.floor(this.float() * n);
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.uint32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return out;
  }

  fork(): Rng {
    return new Sfc32(this.uint32());
  }
}

export function createRng(seed: number): Rng {
  return new Sfc32(seed);
}

/** Fisher–Yates shuffle in place, driven by `rng`. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}
