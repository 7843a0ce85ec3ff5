/**
 * Downloads: POST /api/downloads starts one from a search hit of this API (every hit of
 * that search sharing the hit's urn becomes a source), from a hit given in full, or from a
 * magnet link / hit URL; pause, resume (also restarts a failed or cancelled one from its
 * .part file), cancel; DELETE forgets it.
 */
import type { FastifyInstance } from 'fastify';
import { ServentError } from '../../core/errors.js';
import type { SearchHit } from '../../routing/types.js';
import { groupHits } from '../../transfer/download/hit-groups.js';
import { parseTarget, sourceFromHit } from '../../transfer/download/index.js';
import type { ApiContext } from '../context.js';
import type { DownloadEntry, DownloadTarget } from '../download-registry.js';
import { ApiError, ERROR_SCHEMA } from '../errors.js';
import { DISCARD_QUERY, DOWNLOAD, DOWNLOAD_BODY, DOWNLOAD_STARTED, ID_PARAMS } from '../schemas.js';
import { downloadView } from '../views.js';

interface DownloadBody {
  search?: string;
  hit?: number | (SearchHit & { id?: number });
  target?: string;
}

function fromSearchHit(ctx: ApiContext, searchId: string, hitId: number): DownloadTarget {
  const s = ctx.searches.get(searchId);
  if (s === undefined) throw new ApiError('E_API_NO_SEARCH', `no search ${searchId}`);
  const hit = s.hitById(hitId);
  if (hit === undefined) throw new ApiError('E_API_NO_HIT', `search ${searchId} has no hit ${hitId}`);
  const group = groupHits(s.hits).find((g) => g.hits.includes(hit));
  const sources = group?.sources ?? [sourceFromHit(hit)];
  return {
    sources,
    name: hit.file.name,
    size: hit.file.size,
    ...(hit.file.urn !== undefined ? { urn: hit.file.urn } : {}),
  };
}

function fromHit(hit: SearchHit): DownloadTarget {
  return {
    sources: [sourceFromHit(hit)],
    name: hit.file.name,
    size: hit.file.size,
    ...(hit.file.urn !== undefined ? { urn: hit.file.urn } : {}),
  };
}

function fromText(text: string): DownloadTarget {
  try {
    const t = parseTarget(text);
    return {
      sources: t.sources,
      name: t.name ?? '',
      ...(t.urn !== undefined ? { urn: t.urn } : {}),
      ...(t.size !== undefined ? { size: t.size } : {}),
    };
  } catch (e) {
    if (e instanceof ServentError) throw new ApiError('E_API_BAD_TARGET', e.message, e.code);
    throw e;
  }
}

/** Exactly one way of naming the file: {search, hit: N}, {hit: {…}} or {target}. */
function targetOf(ctx: ApiContext, b: DownloadBody): DownloadTarget {
  const byId = b.search !== undefined;
  const ways = Number(byId) + Number(typeof b.hit === 'object' && !byId) + Number(b.target !== undefined);
  if (ways !== 1 || (byId && typeof b.hit !== 'number') || (!byId && typeof b.hit === 'number')) {
    throw new ApiError(
      'E_API_BAD_REQUEST',
      'body must name the file one way: {"search": ID, "hit": N}, {"hit": {holder, file, …}} or {"target": "magnet:?…" | "http://…"}',
    );
  }
  if (byId) return fromSearchHit(ctx, b.search as string, b.hit as number);
  if (b.target !== undefined) return fromText(b.target);
  return fromHit(b.hit as SearchHit);
}

export function downloadRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { downloads } = ctx;
  const find = (id: string): DownloadEntry => {
    const e = downloads.get(id);
    if (e === undefined) throw new ApiError('E_API_NO_DOWNLOAD', `no download ${id}`);
    return e;
  };
  const one = { params: ID_PARAMS, response: { 200: DOWNLOAD, '4xx': ERROR_SCHEMA } };

  app.post<{ Body: DownloadBody }>(
    '/api/downloads',
    {
      schema: {
        body: DOWNLOAD_BODY,
        response: { 200: DOWNLOAD_STARTED, 201: DOWNLOAD_STARTED, '4xx': ERROR_SCHEMA },
      },
    },
    async (req, reply) => {
      const { entry, created, added } = await downloads.start(targetOf(ctx, req.body ?? {}));
      if (created) reply.code(201).header('Location', `/api/downloads/${entry.id}`);
      return { download: downloadView(entry), created, added };
    },
  );

  app.get('/api/downloads', { schema: { response: { 200: { type: 'array', items: DOWNLOAD } } } }, async () =>
    downloads.list().map(downloadView),
  );

  app.get<{ Params: { id: string } }>('/api/downloads/:id', { schema: one }, async (req) =>
    downloadView(find(req.params.id)),
  );

  app.post<{ Params: { id: string } }>('/api/downloads/:id/pause', { schema: one }, async (req) => {
    const e = find(req.params.id);
    await downloads.pause(e);
    return downloadView(e);
  });

  app.post<{ Params: { id: string } }>('/api/downloads/:id/resume', { schema: one }, async (req) => {
    const e = find(req.params.id);
    downloads.resume(e);
    return downloadView(e);
  });

  app.post<{ Params: { id: string }; Querystring: { discard?: boolean } }>(
    '/api/downloads/:id/cancel',
    { schema: { ...one, querystring: DISCARD_QUERY } },
    async (req) => {
      const e = find(req.params.id);
      await downloads.cancel(e, req.query.discard === true);
      return downloadView(e);
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { discard?: boolean } }>(
    '/api/downloads/:id',
    { schema: { params: ID_PARAMS, querystring: DISCARD_QUERY, response: { '4xx': ERROR_SCHEMA } } },
    async (req, reply) => {
      await downloads.remove(find(req.params.id), req.query.discard === true);
      return reply.code(204).send();
    },
  );
}
