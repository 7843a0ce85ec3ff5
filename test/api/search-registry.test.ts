import { describe, expect, it } from 'vitest';
import { SearchRegistry } from '../../src/api/search-registry.js';
import type { ApiHit, ApiSearchEnd } from '../../src/api/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import type { SearchHit, SearchRequest, SearchSink } from '../../src/routing/types.js';

/** A router whose searches are driven by the test: `sinks[i].hit(...)`. */
function fakeRouter() {
  const started: Array<{ q: SearchRequest; sink: SearchSink; cancelled: boolean }> = [];
  return {
    started,
    startSearch(q: SearchRequest, sink: SearchSink) {
      const entry = { q, sink, cancelled: false };
      started.push(entry);
      return { cancel: () => void (entry.cancelled = true) };
    },
  };
}

const hit = (i: number): SearchHit => ({
  holder: { ip: '127.0.0.2', port: 6346, serventId: '00'.repeat(16), needsPush: false },
  file: { index: i, name: `f${i}.mp3`, size: i, urn: undefined },
  hops: 1,
  backend: 'flood',
});

function recorder() {
  const hits: number[] = [];
  const ends: ApiSearchEnd[] = [];
  return {
    hits,
    ends,
    listener: { hit: (h: ApiHit) => void hits.push(h.id), end: (r: ApiSearchEnd) => void ends.push(r) },
  };
}

describe('SearchRegistry limits (manual clock, scripted router)', () => {
  it('numbers hits from 1, replays them to late listeners, and ends on the timeout (cancelling the search)', () => {
    const clock = new ManualClock();
    const router = fakeRouter();
    const reg = new SearchRegistry({ router, clock, log: silentLogger, limits: { defaultTimeoutMs: 1000 } });
    const s = reg.start({ text: 'penny lane', ttl: 3 });
    expect(router.started[0]!.q).toEqual({ text: 'penny lane', ttl: 3, maxHits: 1000 });
    router.started[0]!.sink.hit(hit(1));
    const late = recorder();
    reg.subscribe(s, late.listener);
    router.started[0]!.sink.hit(hit(2));
    expect(late.hits).toEqual([1, 2]);
    const after1 = recorder();
    reg.subscribe(s, after1.listener, 1);
    expect(after1.hits).toEqual([2]);
    expect(reg.listeners()).toBe(2);
    clock.advance(1000);
    expect(s.endReason).toBe('timeout');
    expect(router.started[0]!.cancelled).toBe(true);
    expect(late.ends).toEqual(['timeout']);
    expect(reg.listeners()).toBe(0);
    // a hit arriving after the end is ignored
    router.started[0]!.sink.hit(hit(3));
    expect(s.hits).toHaveLength(2);
  });

  it('ends with "limit" at maxHits, and the back-end is asked for no more than that', () => {
    const clock = new ManualClock();
    const router = fakeRouter();
    const reg = new SearchRegistry({ router, clock, log: silentLogger, limits: { maxHits: 3 } });
    const s = reg.start({ text: 'abc', maxHits: 50 });
    expect(router.started[0]!.q.maxHits).toBe(3);
    for (let i = 1; i <= 5; i++) router.started[0]!.sink.hit(hit(i));
    expect(s.hits.map((h) => h.id)).toEqual([1, 2, 3]);
    expect(s.endReason).toBe('limit');
  });

  it('refuses a search past maxRunning (429), and a stream past maxListeners', () => {
    const clock = new ManualClock();
    const reg = new SearchRegistry({
      router: fakeRouter(),
      clock,
      log: silentLogger,
      limits: { maxRunning: 2, maxListeners: 1 },
    });
    const a = reg.start({ text: 'aa' });
    reg.start({ text: 'bb' });
    expect(() => reg.start({ text: 'cc' })).toThrow(
      expect.objectContaining({ code: 'E_API_TOO_MANY_SEARCHES', statusCode: 429 }),
    );
    reg.stop(a.id);
    expect(reg.start({ text: 'cc' }).running).toBe(true);
    const b = reg.list().find((s) => s.text === 'bb')!;
    reg.subscribe(b, recorder().listener);
    expect(() => reg.subscribe(b, recorder().listener)).toThrow(
      expect.objectContaining({ code: 'E_API_TOO_MANY_STREAMS' }),
    );
  });

  it('forgets ended searches after keepMs, and the oldest ended ones past maxKept', () => {
    const clock = new ManualClock();
    const reg = new SearchRegistry({
      router: fakeRouter(),
      clock,
      log: silentLogger,
      limits: { keepMs: 5000, maxKept: 3, maxRunning: 3 },
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = reg.start({ text: `w${i}x` });
      ids.push(s.id);
      clock.advance(10);
      reg.stop(s.id);
    }
    reg.start({ text: 'fourth' });
    expect(reg.get(ids[0]!)).toBeUndefined(); // the oldest ended one made room
    expect(reg.list()).toHaveLength(3);
    clock.advance(5000);
    expect(reg.list().map((s) => s.text)).toEqual(['fourth']); // running ones are never forgotten
  });

  it('a back-end that ends the search at once ("failed") leaves an ended search, nothing to cancel', () => {
    const clock = new ManualClock();
    const reg = new SearchRegistry({
      router: { startSearch: (_q, sink) => (sink.end('failed'), { cancel: () => {} }) },
      clock,
      log: silentLogger,
    });
    const s = reg.start({ text: 'abc' });
    expect(s.endReason).toBe('failed');
    const r = recorder();
    reg.subscribe(s, r.listener);
    expect(r.ends).toEqual(['failed']);
    expect(clock.pendingTimers()).toBe(0);
  });
});
