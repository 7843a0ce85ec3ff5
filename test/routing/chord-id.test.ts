import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdSpace, between, betweenRight, compareFrom } from '../../src/routing/chord/index.js';
import { FingerTable } from '../../src/routing/chord/finger-table.js';
import { VNode } from '../../src/routing/chord/vnode.js';
import type { NodeRef } from '../../src/routing/chord/index.js';

const FC_SEED = 0x1d5;

/** reference arithmetic on plain integers for a small ring */
function refBetween(x: number, a: number, b: number, mod: number): boolean {
  const dx = (x - a + mod) % mod;
  const db = (b - a + mod) % mod;
  if (a === b) return x !== a;
  return dx > 0 && dx < db;
}

describe('chord identifiers', () => {
  const s = new IdSpace(10);
  const hex = (n: number): string => n.toString(16).padStart(3, '0');

  it('intervals with wrap-around agree with modular arithmetic', () => {
    fc.assert(
      fc.property(fc.nat(1023), fc.nat(1023), fc.nat(1023), (x, a, b) => {
        expect(between(hex(x), hex(a), hex(b))).toBe(refBetween(x, a, b, 1024));
        const right = a === b ? true : refBetween(x, a, b, 1024) || x === b;
        expect(betweenRight(hex(x), hex(a), hex(b))).toBe(right);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
    // explicit wrap cases
    expect(between('3ff', '3f0', '005')).toBe(true);
    expect(between('000', '3f0', '005')).toBe(true);
    expect(between('006', '3f0', '005')).toBe(false);
    expect(betweenRight('005', '3f0', '005')).toBe(true);
    expect(between('3f0', '3f0', '3f0')).toBe(false);
    expect(between('001', '3f0', '3f0')).toBe(true);
  });

  it('compareFrom orders clockwise from the origin', () => {
    const ids = ['100', '3ff', '000', '0ff', '101', '200'];
    const sorted = ids.slice().sort((x, y) => compareFrom('100', x, y));
    expect(sorted).toEqual(['100', '101', '200', '3ff', '000', '0ff']);
  });

  it('addPow2 = (n + 2^i) mod 2^m for every width', () => {
    for (const bits of [1, 3, 8, 10, 13, 32, 160]) {
      const sp = new IdSpace(bits);
      const mod = 1n << BigInt(bits);
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: mod - 1n }), fc.nat(bits - 1), (n, i) => {
          const id = sp.fromBigInt(n);
          expect(sp.isValid(id)).toBe(true);
          expect(sp.addPow2(id, i)).toBe(sp.fromBigInt((n + (1n << BigInt(i))) % mod));
        }),
        { seed: FC_SEED, numRuns: 200 },
      );
    }
  });

  it('hash = the top m bits of SHA-1', () => {
    for (const bits of [7, 16, 33, 160]) {
      const sp = new IdSpace(bits);
      const d = createHash('sha1').update('10.0.0.1:6346#0').digest();
      const want = (BigInt(`0x${d.toString('hex')}`) >> BigInt(160 - bits))
        .toString(16)
        .padStart(Math.ceil(bits / 4), '0');
      expect(sp.hash('10.0.0.1:6346#0')).toBe(want);
    }
  });

  it('log2Distance and random ids', () => {
    expect(s.log2Distance('000', '001')).toBe(0);
    expect(s.log2Distance('3ff', '001')).toBe(1);
    expect(s.log2Distance('000', '200')).toBe(9);
    expect(s.log2Distance('100', '100')).toBe(-1);
    let i = 0;
    const words = [0xffffffff, 0x12345678];
    const id = s.random(() => words[i++ % 2] as number);
    expect(s.isValid(id)).toBe(true);
  });
});

describe('finger table (runs)', () => {
  const ref = (id: string): NodeRef => ({ id, addr: '10.0.0.1:1', vn: 0 });

  it('set/get/remove keep one run per distinct neighbouring node', () => {
    const f = new FingerTable();
    expect(f.get(5)).toBeUndefined();
    f.set(5, ref('a'));
    f.set(7, ref('b'));
    f.set(6, ref('a'));
    expect(f.get(4)).toBeUndefined();
    expect(f.get(5)?.id).toBe('a');
    expect(f.get(6)?.id).toBe('a');
    expect(f.get(7)?.id).toBe('b');
    expect(f.get(100)?.id).toBe('b');
    expect(f.size).toBe(2);
    f.set(7, ref('a'));
    expect(f.size).toBe(1);
    f.set(9, ref('c'));
    f.set(12, ref('d'));
    expect(f.entries().map((n) => n.id)).toEqual(['a', 'c', 'd']);
    expect(f.remove('c')).toBe(true);
    expect(f.get(10)?.id).toBe('a');
    expect(f.remove('zz')).toBe(false);
    expect(f.remove('a')).toBe(true);
    expect(f.get(6)).toBeUndefined();
    expect(f.get(12)?.id).toBe('d');
  });

  it('closest preceding candidates equal a brute-force ordering over all known nodes', () => {
    const sp = new IdSpace(16);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(0xffff), { minLength: 2, maxLength: 40 }),
        fc.nat(0xffff),
        fc.integer({ min: 1, max: 5 }),
        (ids, key, k) => {
          const hexes = ids.map((n) => sp.fromBigInt(BigInt(n)));
          const self = hexes[0] as string;
          const v = new VNode(ref(self), 8);
          const others = hexes.slice(1);
          v.setSuccessors(others.slice(0, 8).map(ref));
          others.slice(8).forEach((id, i) => v.fingers.set(i, ref(id)));
          const keyHex = sp.fromBigInt(BigInt(key));
          const got = v.candidates(keyHex, k).map((n) => n.id);
          const known = new Set([...v.succs.map((n) => n.id), ...v.fingers.entries().map((n) => n.id)]);
          const want = [...known]
            .filter((id) => between(id, self, keyHex))
            .sort((x, y) => compareFrom(self, y, x))
            .slice(0, k);
          expect(got).toEqual(want);
        },
      ),
      { seed: FC_SEED, numRuns: 500 },
    );
  });
});
