import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHit, DownloadView } from '../../src/api/index.js';
import { apiNet, body, sseEvents, until } from './helpers.js';
import type { ApiNet } from './helpers.js';

const SONG = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));

type Started = { download: DownloadView; created: boolean; added: number };

describe('downloads through the API (in-memory testnet, 0-1-2 in a line)', () => {
  let t: ApiNet;
  let out: string;
  let hits: ApiHit[];
  let searchId: string;
  const get = async (id: string): Promise<DownloadView> =>
    body<DownloadView>(await t.app.inject({ method: 'GET', url: `/api/downloads/${id}` }));
  const settled = async (id: string): Promise<DownloadView> => {
    let d = await get(id);
    await until(
      async () => ['done', 'failed', 'cancelled'].includes((d = await get(id)).state),
      15_000,
      `download ${id}`,
    );
    return d;
  };

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'servent-api-dl-'));
    t = await apiNet(
      3,
      (i) =>
        i === 0 ? {} : i === 1 ? { 'penny lane.mp3': SONG } : { 'penny lane.mp3': SONG, 'other.txt': 'x' },
      { downloadDir: out },
    );
    const s = body<{ id: string }>(
      await t.app.inject({
        method: 'POST',
        url: '/api/searches',
        payload: { text: 'penny lane', timeoutS: 0.8 },
      }),
    );
    searchId = s.id;
    await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}/events` });
    hits = body<{ results: ApiHit[] }>(
      await t.app.inject({ method: 'GET', url: `/api/searches/${s.id}` }),
    ).results;
    expect(hits).toHaveLength(2);
  });
  afterAll(async () => {
    await t.close();
    await rm(out, { recursive: true, force: true });
  });

  it('starts from a search hit with every holder of its urn as a source, and finishes verified', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/downloads',
      payload: { search: searchId, hit: 1 },
    });
    expect(res.statusCode).toBe(201);
    const started = body<Started>(res);
    expect(started).toMatchObject({ created: true, added: 2 });
    expect(started.download).toMatchObject({
      name: 'penny lane.mp3',
      size: SONG.length,
      urn: hits[0]!.file.urn,
    });
    const d = await settled(started.download.id);
    expect(d).toMatchObject({ state: 'done', bytes: SONG.length, size: SONG.length, verified: true });
    expect(d.sourceList).toHaveLength(2);
    expect((await readFile(d.path!)).equals(SONG)).toBe(true);
    const list = body<DownloadView[]>(await t.app.inject({ method: 'GET', url: '/api/downloads' }));
    expect(list.map((x) => x.id)).toContain(d.id);
    // done: pausing makes no sense
    const pause = await t.app.inject({ method: 'POST', url: `/api/downloads/${d.id}/pause` });
    expect(pause.statusCode).toBe(409);
    expect(body<{ error: { code: string } }>(pause).error.code).toBe('E_API_CONFLICT');
  });

  it('starts from a hit given in full, and from a hit URL (a second copy gets a numbered name)', async () => {
    const h = hits[1]!;
    const a = body<Started>(
      await t.app.inject({ method: 'POST', url: '/api/downloads', payload: { hit: h } }),
    );
    const da = await settled(a.download.id);
    expect(da.state).toBe('done');
    expect((await readFile(da.path!)).equals(SONG)).toBe(true);
    const url = `http://${h.holder.ip}:${h.holder.port}/get/${h.file.index}/${encodeURIComponent(h.file.name)}`;
    const b = body<Started>(
      await t.app.inject({ method: 'POST', url: '/api/downloads', payload: { target: url } }),
    );
    const db = await settled(b.download.id);
    expect(db).toMatchObject({ state: 'done', verified: true });
    expect(db.path).not.toBe(da.path);
  });

  it('starts from a magnet link naming a source', async () => {
    const h = hits[0]!;
    const magnet =
      `magnet:?xt=${h.file.urn}&dn=magnet%20copy.mp3&xl=${SONG.length}` +
      `&xs=${encodeURIComponent(`http://${h.holder.ip}:${h.holder.port}/uri-res/N2R?${h.file.urn}`)}`;
    const s = body<Started>(
      await t.app.inject({ method: 'POST', url: '/api/downloads', payload: { target: magnet } }),
    );
    expect(s.download.name).toBe('magnet copy.mp3');
    const d = await settled(s.download.id);
    expect(d).toMatchObject({ state: 'done', verified: true });
    expect((await readFile(d.path!)).equals(SONG)).toBe(true);
  });

  it('pause, resume, cancel, and resume again restarts a cancelled download; DELETE forgets it', async () => {
    // a source nobody listens at: the download stays running, backing off
    const target =
      'magnet:?xt=urn:sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&dn=nowhere.bin&xs=http%3A%2F%2F127.0.9.9%3A6346%2Fget%2F1%2Fnowhere.bin';
    const s = body<Started>(
      await t.app.inject({ method: 'POST', url: '/api/downloads', payload: { target } }),
    );
    const id = s.download.id;
    const act = async (what: string): Promise<DownloadView> => {
      const res = await t.app.inject({ method: 'POST', url: `/api/downloads/${id}/${what}` });
      expect(res.statusCode).toBe(200);
      return body<DownloadView>(res);
    };
    expect((await act('pause')).state).toBe('paused');
    expect((await act('resume')).state).toBe('running');
    expect((await act('cancel')).state).toBe('cancelled');
    expect((await get(id)).error).toEqual({ code: 'E_CANCELLED', message: 'download cancelled' });
    const again = await act('resume');
    expect(again.state).toBe('running');
    expect(again.error).toBeUndefined();
    // the same urn again joins the running download instead of starting another
    const dup = await t.app.inject({ method: 'POST', url: '/api/downloads', payload: { target } });
    expect(dup.statusCode).toBe(200);
    expect(body<Started>(dup)).toMatchObject({ created: false, added: 0, download: { id } });
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/downloads/${id}?discard=true` })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `/api/downloads/${id}` })).statusCode).toBe(404);
  });

  it('names what is wrong with a start request', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, 'E_API_BAD_REQUEST'],
      [{ search: searchId }, 400, 'E_API_BAD_REQUEST'],
      [{ search: searchId, hit: 1, target: 'magnet:?xt=x' }, 400, 'E_API_BAD_REQUEST'],
      [{ search: '999', hit: 1 }, 404, 'E_API_NO_SEARCH'],
      [{ search: searchId, hit: 99 }, 404, 'E_API_NO_HIT'],
      [{ target: 'magnet:?dn=only-a-name' }, 400, 'E_API_BAD_TARGET'],
      [{ target: 'ftp://example/x' }, 400, 'E_API_BAD_TARGET'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/api/downloads', payload: payload as object });
      expect({
        payload,
        status: res.statusCode,
        code: body<{ error: { code: string } }>(res).error.code,
      }).toEqual({
        payload,
        status,
        code,
      });
    }
    const bad = body<{ error: { code: string; cause?: string; message: string } }>(
      await t.app.inject({
        method: 'POST',
        url: '/api/downloads',
        payload: { target: 'magnet:?dn=only-a-name' },
      }),
    );
    expect(bad.error.cause).toBe('E_BAD_MAGNET');
    for (const url of ['/api/downloads/77', '/api/downloads/77/pause']) {
      const res = await t.app.inject({ method: url.endsWith('pause') ? 'POST' : 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(body<{ error: { code: string } }>(res).error.code).toBe('E_API_NO_DOWNLOAD');
    }
  });

  it('the search events of the hit used are unaffected by downloads (sanity)', async () => {
    const ev = sseEvents(
      (await t.app.inject({ method: 'GET', url: `/api/searches/${searchId}/events` })).body,
    );
    expect(ev.filter((e) => e.event === 'hit')).toHaveLength(2);
  });
});
