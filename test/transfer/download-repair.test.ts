import { describe, expect, it } from 'vitest';
import { RepairRounds } from '../../src/transfer/download/repair-rounds.js';
import { bestHitGroup, groupHits } from '../../src/transfer/download/hit-groups.js';
import type { SearchHit } from '../../src/routing/types.js';

describe('RepairRounds', () => {
  it('suspects accused sources first, then the smallest contributor; reinstates the innocent', () => {
    const r = new RepairRounds(8);
    const contributors = new Map([
      ['a', 500],
      ['b', 100],
      ['c', 300],
    ]);
    expect(r.mismatch(contributors, new Map([['q', 'c']]))).toEqual({ innocent: undefined, next: 'c' });
    expect(r.mismatch(contributors, new Map())).toEqual({ innocent: 'c', next: 'b' });
    expect(r.mismatch(contributors, new Map())).toEqual({ innocent: 'b', next: 'a' });
    expect(r.mismatch(contributors, new Map())).toEqual({ innocent: 'a', next: undefined });
    expect(r.failures).toBe(4);
  });

  it('gives up at once with a single contributor, and after the round cap', () => {
    expect(new RepairRounds(8).mismatch(new Map([['a', 1]]), new Map()).next).toBeUndefined();
    const r = new RepairRounds(1);
    const many = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    expect(r.mismatch(many, new Map()).next).toBe('a');
    expect(r.mismatch(many, new Map()).next).toBeUndefined();
  });
});

describe('hit groups', () => {
  const URN_A = 'urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB';
  const URN_B = 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5';
  const hit = (ip: string, urn: string | undefined, speed?: number, name = 'f.ogg'): SearchHit => ({
    holder: { ip, port: 6346, serventId: ip.replace(/\./g, '').padEnd(32, '0'), needsPush: false },
    file: { index: 1, name, size: 100, urn },
    hops: 1,
    backend: 'flood',
    ...(speed !== undefined ? { speed } : {}),
  });

  it('groups by urn (any case), one source per holder', () => {
    const g = groupHits([
      hit('10.0.0.1', URN_A),
      hit('10.0.0.2', URN_A.toLowerCase().replace('urn:sha1:', 'urn:sha1:')),
      hit('10.0.0.1', URN_A),
    ]);
    expect(g.length).toBe(1);
    expect(g[0]?.sources.length).toBe(2);
    expect(g[0]?.hits.length).toBe(3);
  });

  it('best: most holders, then speed; hits without urn stand alone', () => {
    const hits = [
      hit('10.0.0.9', undefined, 9999),
      hit('10.0.0.1', URN_B, 10),
      hit('10.0.0.2', URN_A, 5),
      hit('10.0.0.3', URN_A, 5),
    ];
    expect(bestHitGroup(hits)?.urn).toBe(URN_A);
    expect(bestHitGroup([hit('10.0.0.1', URN_B, 10), hit('10.0.0.2', URN_A, 50)])?.urn).toBe(URN_A);
    expect(bestHitGroup([])).toBeUndefined();
  });
});
