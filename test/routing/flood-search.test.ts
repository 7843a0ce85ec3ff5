import { describe, expect, it } from 'vitest';
import { encodeMessage, HEADER_SIZE, isModernGuid } from '../../src/protocol/index.js';
import type { Query, QueryHit } from '../../src/protocol/messages.js';
import type { SearchEndReason, SearchHit } from '../../src/routing/types.js';
import { complianceFile } from '../compliance/router.js';
import { extra, single, type Single } from './fake-transport.js';

const FILE = complianceFile(5, 'Blue Danube Waltz.ogg', 1234);

interface Run {
  readonly hits: SearchHit[];
  readonly ends: SearchEndReason[];
  readonly q: Query;
  readonly cancel: () => void;
}

function start(
  s: Single,
  text = 'blue danube',
  more: { ttl?: number; maxHits?: number; urn?: string } = {},
): Run {
  const hits: SearchHit[] = [];
  const ends: SearchEndReason[] = [];
  const h = s.router.startSearch({ text, ...more }, { hit: (x) => hits.push(x), end: (r) => ends.push(r) });
  const sent = s.t.take();
  const q = sent[0]?.msg as Query;
  return { hits, ends, q, cancel: () => h.cancel() };
}

const hit = (q: Query, over: Partial<QueryHit> = {}): QueryHit => ({
  type: 'queryhit',
  guid: q.guid,
  ttl: 4,
  hops: 2,
  port: 6349,
  ip: '127.0.0.44',
  speed: 320,
  results: [{ index: FILE.index, size: FILE.size, name: FILE.name, urns: [FILE.urn as string] }],
  vendor: 'GTKG',
  flags: { push: true },
  serventId: Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
  ...over,
});

describe('originating a search', () => {
  it('sends one Query to every link: new modern GUID, TTL 4, hops 0, flags 0x8800 read BE', async () => {
    const s = await single();
    const hits: SearchHit[] = [];
    s.router.startSearch({ text: 'blue danube' }, { hit: (h) => hits.push(h), end: () => {} });
    const sent = s.t.take();
    expect(sent.map((x) => x.to)).toEqual(['a', 'b', 'c']);
    const q = sent[0]?.msg as Query;
    expect(q).toMatchObject({ type: 'query', ttl: 4, hops: 0, search: 'blue danube', urns: [] });
    expect(isModernGuid(q.guid)).toBe(true);
    const wire = encodeMessage(q);
    expect([...wire.subarray(HEADER_SIZE, HEADER_SIZE + 2)]).toEqual([0x88, 0x00]);
    expect(sent.every((x) => x.msg === q)).toBe(true);
  });

  it('sets the firewalled bit (wire c8 00) when firewalled, caps TTL by maxTtl', async () => {
    const s = await single({ firewalled: () => true, maxTtl: 5 });
    const { q } = start(s, 'blue danube', { ttl: 9 });
    expect([...encodeMessage(q).subarray(HEADER_SIZE, HEADER_SIZE + 2)]).toEqual([0xc8, 0x00]);
    expect(q.ttl).toBe(5);
  });

  it('searches by URN with the "\\" criteria and the URN in the extension area', async () => {
    const s = await single();
    const { q } = start(s, '', { urn: (FILE.urn as string).toLowerCase() });
    expect(q).toMatchObject({ search: '\\', urns: [FILE.urn] });
  });

  it('fails at once, without traffic, for an empty search, a bad URN, when stopped or when too many run', async () => {
    const s = await single({ maxActiveSearches: 2 });
    expect(start(s, 'a b').ends).toEqual(['failed']);
    expect(start(s, '', { urn: 'urn:sha1:XYZ' }).ends).toEqual(['failed']);
    expect(s.t.take()).toEqual([]);
    start(s, 'one thing');
    start(s, 'two things');
    expect(start(s, 'three things').ends).toEqual(['failed']);
    await s.router.stop();
    expect(start(s, 'four things').ends).toEqual(['failed']);
  });

  it('drops its own Query when it comes back over another link', async () => {
    const s = await single();
    const { q } = start(s);
    s.t.deliver('b', { ...q, ttl: 3, hops: 1 });
    expect(s.t.take()).toEqual([]);
    expect(extra(s.router, 'duplicates')).toBe(1);
  });
});

describe('hits of our searches', () => {
  it('become SearchHits: holder, file, overlay distance, speed, vendor', async () => {
    const s = await single();
    const run = start(s);
    s.t.deliver('b', hit(run.q));
    expect(run.hits).toEqual([
      {
        holder: {
          ip: '127.0.0.44',
          port: 6349,
          serventId: '0123456789abcdef0123456789abcdef',
          needsPush: true,
        },
        file: { index: FILE.index, name: FILE.name, size: FILE.size, urn: FILE.urn },
        hops: 3,
        speed: 320,
        vendor: 'GTKG',
        backend: 'flood',
      },
    ]);
    // a 0.4 hit: no trailer, no flags
    const { flags: _flags, ...old } = hit(run.q, { vendor: null, serventId: Buffer.alloc(16, 1), hops: 0 });
    s.t.deliver('c', old);
    expect(run.hits[1]).not.toHaveProperty('vendor');
    expect(run.hits[1]?.holder.needsPush).toBe(false);
    expect(run.hits[1]?.hops).toBe(1);
    expect(s.t.take()).toEqual([]); // hits for us are not relayed
  });

  it('accepts a TTL 0 hit addressed to us (0.4 style), drops one with TTL above 15', async () => {
    const s = await single();
    const run = start(s);
    s.t.deliver('a', hit(run.q, { ttl: 16 }));
    expect(run.hits).toEqual([]);
    expect(extra(s.router, 'droppedTtl')).toBe(1);
    s.t.deliver('a', hit(run.q, { ttl: 0 }));
    expect(run.hits).toHaveLength(1);
  });

  it('delivers a (holder, index) once even when it arrives over several paths', async () => {
    const s = await single();
    const run = start(s);
    s.t.deliver('a', hit(run.q));
    s.t.deliver('b', hit(run.q, { hops: 4 }));
    expect(run.hits).toHaveLength(1);
    expect(extra(s.router, 'duplicateHits')).toBe(1);
  });

  it('ends with "timeout" after searchTimeoutMs; later hits are dropped', async () => {
    const s = await single({ searchTimeoutMs: 5000 });
    const run = start(s);
    s.clock.advance(4999);
    expect(run.ends).toEqual([]);
    s.clock.advance(1);
    expect(run.ends).toEqual(['timeout']);
    s.t.deliver('a', hit(run.q));
    expect(run.hits).toEqual([]);
    expect(extra(s.router, 'droppedSearchClosed')).toBe(1);
    expect(s.clock.pendingTimers()).toBe(0);
  });

  it('ends with "limit" at maxHits', async () => {
    const s = await single();
    const run = start(s, 'blue danube', { maxHits: 2 });
    const results = [1, 2, 3].map((i) => ({ index: i, size: 1, name: `blue danube ${i}`, urns: [] }));
    s.t.deliver('a', hit(run.q, { results }));
    expect(run.hits.map((h) => h.file.index)).toEqual([1, 2]);
    expect(run.ends).toEqual(['limit']);
    s.t.deliver('a', hit(run.q, { serventId: Buffer.alloc(16, 7) }));
    expect(run.hits).toHaveLength(2);
  });

  it('never delivers more than maxHitsPerSearch, whatever the request asks', async () => {
    const s = await single({ maxHitsPerSearch: 3 });
    const run = start(s, 'blue danube', { maxHits: 50 });
    const results = [1, 2, 3, 4, 5].map((i) => ({ index: i, size: 1, name: `blue danube ${i}`, urns: [] }));
    s.t.deliver('a', hit(run.q, { results }));
    expect(run.hits).toHaveLength(3);
    expect(run.ends).toEqual(['limit']);
  });

  it('cancel() stops every callback and drops later hits; it is idempotent', async () => {
    const s = await single();
    const run = start(s);
    run.cancel();
    run.cancel();
    s.t.deliver('a', hit(run.q));
    s.clock.advance(60_000);
    expect(run.hits).toEqual([]);
    expect(run.ends).toEqual([]);
    expect(s.t.take()).toEqual([]);
    expect(s.clock.pendingTimers()).toBe(0);
    expect(extra(s.router, 'activeSearches')).toBe(0);
  });

  it('a sink may cancel from inside its hit callback', async () => {
    const s = await single();
    const got: number[] = [];
    let handle: { cancel(): void } | undefined;
    handle = s.router.startSearch(
      { text: 'blue danube' },
      {
        hit: (h) => {
          got.push(h.file.index);
          handle?.cancel();
        },
        end: () => got.push(-1),
      },
    );
    const q = s.t.take()[0]?.msg as Query;
    const results = [1, 2, 3].map((i) => ({ index: i, size: 1, name: `n ${i}`, urns: [] }));
    s.t.deliver('a', hit(q, { results }));
    expect(got).toEqual([1]);
    handle = undefined;
  });
});

describe('state size', () => {
  it('an idle router reports a small, fixed state; traffic grows it within the configured bounds', async () => {
    const s = await single({ seenMaxEntries: 50 });
    const idle = s.router.stats().stateBytes;
    expect(idle).toBeLessThan(2000);
    for (let i = 0; i < 500; i++) {
      s.t.deliver('a', {
        type: 'query',
        guid: Buffer.alloc(16, i % 256).fill(i >> 8, 0, 1),
        ttl: 2,
        hops: 0,
        minSpeed: 0,
        search: 'x',
        urns: [],
      });
    }
    const st = s.router.stats();
    expect(st.extra?.seenEntries).toBe(50);
    expect(st.stateBytes).toBeGreaterThan(idle);
    expect(st.stateBytes).toBeLessThan(idle + 50 * 200);
  });
});
