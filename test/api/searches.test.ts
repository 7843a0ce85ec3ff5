import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHit } from '../../src/api/index.js';
import { apiNet, body, sseEvents } from './helpers.js';
import type { ApiNet } from './helpers.js';

const SONG = Buffer.alloc(40_000, 7);

describe('searches over an in-memory testnet (node 0 carries the API; 0-1-2 in a line)', () => {
  let t: ApiNet;
  beforeAll(async () => {
    t = await apiNet(3, (i) =>
      i === 0
        ? { 'own penny.txt': 'ours' }
        : i === 1
          ? { 'penny lane.mp3': SONG }
          : { 'music/penny lane.mp3': SONG, 'strawberry fields.ogg': 'sf' },
    );
  });
  afterAll(() => t.close());

  it('POST /api/searches starts a search, its event stream replays and streams hits, then ends', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/searches',
      payload: { text: 'penny lane', timeoutS: 1 },
    });
    expect(res.statusCode).toBe(201);
    const s = body<{ id: string; state: string; text: string }>(res);
    expect(s).toMatchObject({ text: 'penny lane', state: 'running' });
    expect(res.headers['location']).toBe(`/api/searches/${s.id}`);

    const ev = await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}/events` });
    expect(ev.statusCode).toBe(200);
    expect(ev.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = sseEvents(ev.body);
    const hits = events.filter((e) => e.event === 'hit').map((e) => e.data as ApiHit);
    expect(hits).toHaveLength(2);
    expect(hits.map((h) => h.file.name).sort()).toEqual(['penny lane.mp3', 'penny lane.mp3']);
    expect(new Set(hits.map((h) => h.file.urn)).size).toBe(1);
    expect(hits.map((h) => h.hops).sort()).toEqual([1, 2]);
    // the event id is the hit's number, so EventSource can resume with Last-Event-ID
    expect(events.filter((e) => e.event === 'hit').map((e) => e.id)).toEqual(hits.map((h) => String(h.id)));
    expect(events.at(-1)).toEqual({ event: 'end', data: { reason: 'timeout', hits: 2 } });

    const detail = body<{ state: string; endReason: string; results: ApiHit[] }>(
      await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}` }),
    );
    expect(detail).toMatchObject({ state: 'ended', endReason: 'timeout' });
    expect(detail.results).toHaveLength(2);
    expect(detail.results[0]).toMatchObject({ id: 1, backend: 'flood' });
  });

  it('a reconnecting stream gets only the hits after Last-Event-ID (or ?after=)', async () => {
    const s = body<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/api/searches', payload: { text: 'penny', timeoutS: 0.6 } }),
    );
    await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}/events` }); // wait for the end
    const after1 = sseEvents(
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/searches/${s.id}/events`,
          headers: { 'last-event-id': '1' },
        })
      ).body,
    );
    expect(after1.filter((e) => e.event === 'hit').map((e) => e.id)).toEqual(['2']);
    const after2 = sseEvents(
      (await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}/events?after=2` })).body,
    );
    expect(after2.map((e) => e.event)).toEqual(['end']);
  });

  it('lists searches; DELETE stops and forgets one; unknown ids are 404 E_API_NO_SEARCH', async () => {
    const s = body<{ id: string }>(
      await t.app.inject({
        method: 'POST',
        url: '/api/searches',
        payload: { text: 'strawberry', timeoutS: 30 },
      }),
    );
    const list = body<Array<{ id: string; state: string }>>(
      await t.app.inject({ method: 'GET', url: '/api/searches' }),
    );
    expect(list.find((x) => x.id === s.id)?.state).toBe('running');
    const del = await t.app.inject({ method: 'DELETE', url: `/api/searches/${s.id}` });
    expect(del.statusCode).toBe(204);
    for (const url of [`/api/searches/${s.id}`, `/api/searches/${s.id}/events`]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(body(res)).toEqual({ error: { code: 'E_API_NO_SEARCH', message: `no search ${s.id}` } });
    }
    expect((await t.app.inject({ method: 'DELETE', url: `/api/searches/${s.id}` })).statusCode).toBe(404);
  });

  it('a stream opened while the search runs receives the end when the search is stopped', async () => {
    const s = body<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/api/searches', payload: { text: 'penny', timeoutS: 60 } }),
    );
    const streaming = t.app.inject({ method: 'GET', url: `/api/searches/${s.id}/events` });
    await new Promise((r) => setTimeout(r, 300));
    await t.app.inject({ method: 'DELETE', url: `/api/searches/${s.id}` });
    const events = sseEvents((await streaming).body);
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { reason: 'stopped' } });
  });

  it('POST /api/searches/:id/stop ends a search but keeps its hits (they can still be downloaded)', async () => {
    const s = body<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/api/searches', payload: { text: 'penny', timeoutS: 60 } }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const stop = await t.app.inject({ method: 'POST', url: `/api/searches/${s.id}/stop` });
    expect(stop.statusCode).toBe(200);
    expect(body(stop)).toMatchObject({ id: s.id, state: 'ended', endReason: 'stopped', hits: 2 });
    const detail = body<{ results: ApiHit[] }>(
      await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}` }),
    );
    expect(detail.results).toHaveLength(2);
    expect((await t.app.inject({ method: 'POST', url: '/api/searches/999/stop' })).statusCode).toBe(404);
  });

  it('search by urn finds both holders', async () => {
    const first = body<{ results: ApiHit[] }>(await t.app.inject({ method: 'GET', url: '/api/searches/1' }))
      .results[0]!;
    const s = body<{ id: string }>(
      await t.app.inject({
        method: 'POST',
        url: '/api/searches',
        payload: { text: '', urn: first.file.urn!.toLowerCase(), timeoutS: 0.6 },
      }),
    );
    const hits = sseEvents(
      (await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}/events` })).body,
    ).filter((e) => e.event === 'hit');
    expect(hits).toHaveLength(2);
  });

  it('refuses searches without a keyword or a urn (400 E_API_EMPTY_SEARCH)', async () => {
    for (const payload of [{ text: '' }, { text: ' a ! ' }, {}]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/searches', payload });
      expect(res.statusCode).toBe(400);
      expect(body<{ error: { code: string } }>(res).error.code).toBe('E_API_EMPTY_SEARCH');
    }
  });
});
