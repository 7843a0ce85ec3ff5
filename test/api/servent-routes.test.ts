import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerView, UploadsView } from '../../src/api/index.js';
import { apiNet, body, until } from './helpers.js';
import type { ApiNet } from './helpers.js';

interface Status {
  router: { messagesSent: number; extra: Record<string, number> };
  traffic: { messagesOut: number; bytesOut: number };
}
interface Overlay {
  self: unknown;
  neighbours: unknown[];
  routerState: Record<string, number>;
}
interface Library {
  total: number;
  offset: number;
  files: Array<{ relPath: string; name: string; urn?: string }>;
}

describe('status, peers, overlay, uploads, hosts, library (in-memory testnet, node 0 in the middle of a star)', () => {
  let t: ApiNet;
  beforeAll(async () => {
    t = await apiNet(
      3,
      (i) => (i === 0 ? { 'a song.mp3': 'aaaa', 'docs/b paper.pdf': 'bb' } : { [`n${i}.txt`]: 'x' }),
      {
        topology: 'star',
      },
    );
  });
  afterAll(() => t.close());

  it('GET /api/status: address, peers, routing, share totals, traffic and router counters', async () => {
    // one query out on each link, so that there is traffic to count
    const q = body<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/api/searches', payload: { text: 'zz' } }),
    );
    await t.app.inject({ method: 'DELETE', url: `/api/searches/${q.id}` });
    // bytes are counted when the (coalesced) write reaches the socket
    await until(
      async () =>
        body<Status>(await t.app.inject({ method: 'GET', url: '/api/status' })).traffic.bytesOut > 0,
    );
    const res = await t.app.inject({ method: 'GET', url: '/api/status' });
    expect(res.statusCode).toBe(200);
    const s = body<Status>(res);
    const self = t.net.servents[0]!;
    expect(s).toMatchObject({
      serventId: self.serventIdHex,
      userAgent: expect.stringMatching(/^servent\//),
      address: self.address(),
      routing: 'flood',
      peers: 2,
      firewalled: false,
      share: { files: 2, bytes: 6, hashed: 2 },
      searches: { running: 0, kept: 0, streams: 0 },
      hosts: 2,
      downloads: { active: 0, kept: 0, dir: join(self.config.dataDir, 'downloads') },
      uploads: { available: true, perUpload: false },
    });
    expect(s.router.messagesSent).toBeGreaterThan(0);
    expect(s.router.extra.links).toBe(2);
    expect(s.traffic.messagesOut).toBeGreaterThanOrEqual(2);
    expect(s.traffic.bytesOut).toBeGreaterThan(0);
  });

  it('GET /api/peers: one row per open connection with counters', async () => {
    const peers = body<PeerView[]>(await t.app.inject({ method: 'GET', url: '/api/peers' }));
    expect(peers).toHaveLength(2);
    const listens = peers.map((p) => `${p.listen?.ip}:${p.listen?.port}`).sort();
    const expected = t.net.servents
      .slice(1)
      .map((s) => `${s.address().ip}:${s.address().port}`)
      .sort();
    expect(listens).toEqual(expected);
    for (const p of peers) {
      expect(p).toMatchObject({
        direction: 'out',
        userAgent: expect.stringMatching(/^servent\//),
        version: '0.6',
      });
      expect(p.messagesOut).toBeGreaterThan(0);
      expect(p.bytesOut).toBeGreaterThan(0);
      expect(p.queuedBytes).toBeGreaterThanOrEqual(0);
    }
  });

  it('GET /api/overlay: us and our neighbours', async () => {
    const o = body<Overlay>(await t.app.inject({ method: 'GET', url: '/api/overlay' }));
    expect(o.self).toMatchObject({ serventId: t.net.servents[0]!.serventIdHex, routing: 'flood' });
    expect(o.neighbours).toHaveLength(2);
    expect(o.routerState.links).toBe(2);
  });

  it('GET /api/uploads: slot and byte counters (the upload side does not list uploads one by one)', async () => {
    const u = body<UploadsView>(await t.app.inject({ method: 'GET', url: '/api/uploads' }));
    expect(u).toMatchObject({ available: true, perUpload: false, slots: { total: 4, active: 0 } });
    expect(u.counters).toMatchObject({ started: 0, bytes: 0 });
  });

  it('GET/POST /api/hosts: lists the host cache, adds an address, dials one on request', async () => {
    const add = await t.app.inject({
      method: 'POST',
      url: '/api/hosts',
      payload: { host: '127.0.0.99', port: 6346 },
    });
    expect(add.statusCode).toBe(200);
    expect(body(add)).toEqual({ host: '127.0.0.99', port: 6346, added: true });
    const hosts = body<Array<{ host: string; port: number; source: string }>>(
      await t.app.inject({ method: 'GET', url: '/api/hosts' }),
    );
    expect(hosts).toContainEqual(
      expect.objectContaining({ host: '127.0.0.99', port: 6346, source: 'config' }),
    );
    // dialling an address nobody listens at answers connected: false
    const dial = await t.app.inject({
      method: 'POST',
      url: '/api/hosts',
      payload: { host: '127.0.0.98', port: 6346, connect: true },
    });
    expect(body(dial)).toEqual({ host: '127.0.0.98', port: 6346, added: true, connected: false });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/hosts',
      payload: { host: '224.0.0.1', port: 6346 },
    });
    expect(bad.statusCode).toBe(400);
    expect(body<{ error: { code: string } }>(bad).error.code).toBe('E_API_BAD_HOST');
  });

  it('GET /api/library pages and filters the shared files; POST /api/library/rescan picks up new ones', async () => {
    const lib = body<Library>(await t.app.inject({ method: 'GET', url: '/api/library' }));
    expect(lib.total).toBe(2);
    expect(lib.files.map((f) => f.relPath).sort()).toEqual(['a song.mp3', 'docs/b paper.pdf']);
    for (const f of lib.files) expect(f.urn).toMatch(/^urn:sha1:[A-Z2-7]{32}$/);
    const page = body<Library>(await t.app.inject({ method: 'GET', url: '/api/library?offset=1&limit=1' }));
    expect(page).toMatchObject({ total: 2, offset: 1 });
    expect(page.files).toHaveLength(1);
    const q = body<Library>(await t.app.inject({ method: 'GET', url: '/api/library?q=paper' }));
    expect(q.files.map((f) => f.name)).toEqual(['b paper.pdf']);

    await writeFile(join(t.net.shareDir(0), 'c new.ogg'), 'new');
    const r = await t.app.inject({ method: 'POST', url: '/api/library/rescan' });
    expect(r.statusCode).toBe(200);
    expect(body<Library>(r).total).toBe(3);
  });

  it('DELETE /api/peers/:id closes a connection', async () => {
    const peers = body<PeerView[]>(await t.app.inject({ method: 'GET', url: '/api/peers' }));
    const res = await t.app.inject({ method: 'DELETE', url: `/api/peers/${peers[0]!.id}` });
    expect(res.statusCode).toBe(204);
    const after = body<PeerView[]>(await t.app.inject({ method: 'GET', url: '/api/peers' }));
    expect(after.map((p) => p.id)).not.toContain(peers[0]!.id);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/peers/c999' })).statusCode).toBe(404);
  });

  it('unknown routes answer 404 E_API_NOT_FOUND in the catalogue shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(body(res)).toEqual({ error: { code: 'E_API_NOT_FOUND', message: 'no route GET /api/nothing' } });
  });

  it('serves the page and its modules with a strict content security policy', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<script type="module" src="js/main.js">');
    const js = await t.app.inject({ method: 'GET', url: '/js/main.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect((await t.app.inject({ method: 'GET', url: '/../package.json' })).statusCode).toBe(404);
  });
});
