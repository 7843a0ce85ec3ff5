/**
 * The servent itself: status, peers, the overlay around us, uploads, the host cache and
 * the shared library.
 */
import type { FastifyInstance } from 'fastify';
import { keywords } from '../../core/keywords.js';
import { isDialable } from '../../net/host-cache.js';
import { USER_AGENT } from '../../servent.js';
import type { ApiContext } from '../context.js';
import { ApiError, ERROR_SCHEMA } from '../errors.js';
import {
  HOST,
  HOST_ADDED,
  HOST_BODY,
  LIBRARY,
  LIBRARY_QUERY,
  OVERLAY,
  PEER,
  PEER_PARAMS,
  STATUS,
  UPLOADS,
} from '../schemas.js';
import { peerView, uploadsView } from '../views.js';

/** files a library search (`?q=`) returns at most */
export const MAX_LIBRARY_MATCHES = 10_000;

interface LibraryQuery {
  q?: string;
  offset: number;
  limit: number;
}

interface HostBody {
  host: string;
  port: number;
  connect?: boolean;
}

export function serventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { servent, clock } = ctx;
  const open = () => servent.connections.list().filter((c) => c.state === 'open');

  app.get('/api/status', { schema: { response: { 200: STATUS } } }, async () => {
    const conns = open();
    const traffic = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, queuedBytes: 0 };
    for (const c of conns) {
      traffic.messagesIn += c.counters.messagesIn;
      traffic.messagesOut += c.counters.messagesOut;
      traffic.bytesIn += c.counters.bytesIn;
      traffic.bytesOut += c.counters.bytesOut;
      traffic.queuedBytes += c.queuedBytes;
    }
    return {
      serventId: servent.serventIdHex,
      userAgent: USER_AGENT,
      address: servent.address(),
      firewalled: servent.config.firewalled,
      leaf: servent.config.leaf,
      routing: servent.router.kind,
      uptimeS: (clock.now() - ctx.startedAt) / 1000,
      peers: conns.length,
      hosts: servent.hostCache.size,
      share: servent.library.totals(),
      router: servent.router.stats(),
      traffic,
      searches: {
        running: ctx.searches.runningCount(),
        kept: ctx.searches.list().length,
        streams: ctx.searches.listeners(),
      },
      downloads: {
        active: ctx.downloads.activeCount(),
        kept: ctx.downloads.list().length,
        dir: ctx.downloads.outDir,
      },
      uploads: uploadsView(servent),
    };
  });

  app.get('/api/peers', { schema: { response: { 200: { type: 'array', items: PEER } } } }, async () => {
    const now = clock.now();
    return open().map((c) => peerView(c, now));
  });

  app.delete<{ Params: { id: string } }>(
    '/api/peers/:id',
    { schema: { params: PEER_PARAMS, response: { '4xx': ERROR_SCHEMA } } },
    async (req, reply) => {
      const c = servent.connections.list().find((x) => x.info.id === req.params.id);
      if (c === undefined) throw new ApiError('E_API_NOT_FOUND', `no peer ${req.params.id}`);
      await c.close(200, 'Closed by the user');
      return reply.code(204).send();
    },
  );

  app.get('/api/overlay', { schema: { response: { 200: OVERLAY } } }, async () => {
    const stats = servent.router.stats();
    return {
      self: {
        serventId: servent.serventIdHex,
        address: servent.address(),
        routing: servent.router.kind,
        leaf: servent.config.leaf,
        firewalled: servent.config.firewalled,
      },
      neighbours: open().map((c) => ({
        id: c.info.id,
        address: c.info.listen ?? c.info.remote,
        userAgent: c.info.userAgent,
        direction: c.info.direction,
        ultrapeer: c.info.remoteUltrapeer,
        messagesIn: c.counters.messagesIn,
        messagesOut: c.counters.messagesOut,
      })),
      routerState: stats.extra ?? {},
    };
  });

  app.get('/api/uploads', { schema: { response: { 200: UPLOADS } } }, async () => uploadsView(servent));

  app.get('/api/hosts', { schema: { response: { 200: { type: 'array', items: HOST } } } }, async () =>
    servent.hostCache.all().sort((a, b) => b.lastSeen - a.lastSeen),
  );

  app.post<{ Body: HostBody }>(
    '/api/hosts',
    {
      schema: {
        body: HOST_BODY,
        response: {
          200: HOST_ADDED,
          '4xx': ERROR_SCHEMA,
        },
      },
    },
    async (req) => {
      const { host, port } = req.body;
      if (!isDialable(host, port)) {
        throw new ApiError('E_API_BAD_HOST', `${host}:${port} is not an address a servent may dial`);
      }
      if (req.body.connect === true) {
        return { host, port, added: true, connected: await servent.connect(host, port) };
      }
      servent.hostCache.add(host, port, 'config');
      return { host, port, added: true };
    },
  );

  app.get<{ Querystring: LibraryQuery }>(
    '/api/library',
    { schema: { querystring: LIBRARY_QUERY, response: { 200: LIBRARY, '4xx': ERROR_SCHEMA } } },
    async (req) => {
      const { q, offset, limit } = req.query;
      const words = q === undefined ? [] : keywords(q);
      const all =
        words.length > 0
          ? servent.library.match({ text: q as string, urns: [] }, MAX_LIBRARY_MATCHES)
          : servent.library.files();
      return {
        total: all.length,
        offset,
        totals: servent.library.totals(),
        files: all.slice(offset, offset + limit).map((f) => ({
          index: f.index,
          name: f.name,
          relPath: f.relPath,
          size: f.size,
          ...(f.urn !== undefined ? { urn: f.urn } : {}),
        })),
      };
    },
  );

  app.post('/api/library/rescan', { schema: { response: { 200: LIBRARY } } }, async () => {
    await servent.library.rescan();
    const files = servent.library.files();
    return { total: files.length, offset: 0, totals: servent.library.totals(), files: [] };
  });
}
