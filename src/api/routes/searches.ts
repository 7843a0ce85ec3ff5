/**
 * Searches: POST /api/searches starts one, GET …/:id/events streams its hits as
 * Server-Sent Events (`hit` events with the hit's number as event id, then one `end`),
 * POST …/:id/stop ends it (its hits stay, for downloads), DELETE stops and forgets it.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ApiError, ERROR_SCHEMA } from '../errors.js';
import { EVENTS_QUERY, ID_PARAMS, SEARCH_BODY, SEARCH_DETAIL, SEARCH_SUMMARY } from '../schemas.js';
import type { ApiSearch } from '../search-registry.js';
import { openSse } from '../sse.js';
import { searchSummary } from '../views.js';

interface SearchBody {
  text?: string;
  urn?: string;
  ttl?: number;
  maxHits?: number;
  timeoutS?: number;
}

function lastEventId(header: string | string[] | undefined): number {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || !/^\d{1,9}$/.test(v.trim())) return 0;
  return Number(v.trim());
}

export function searchRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { searches } = ctx;
  const find = (id: string): ApiSearch => {
    const s = searches.get(id);
    if (s === undefined) throw new ApiError('E_API_NO_SEARCH', `no search ${id}`);
    return s;
  };

  app.post<{ Body: SearchBody }>(
    '/api/searches',
    {
      schema: {
        body: SEARCH_BODY,
        response: { 201: SEARCH_SUMMARY, '4xx': ERROR_SCHEMA },
      },
    },
    async (req, reply) => {
      const b = req.body ?? {};
      const s = searches.start({
        text: b.text ?? '',
        ...(b.urn !== undefined ? { urn: b.urn } : {}),
        ...(b.ttl !== undefined ? { ttl: b.ttl } : {}),
        ...(b.maxHits !== undefined ? { maxHits: b.maxHits } : {}),
        ...(b.timeoutS !== undefined ? { timeoutMs: Math.round(b.timeoutS * 1000) } : {}),
      });
      reply.code(201).header('Location', `/api/searches/${s.id}`);
      return searchSummary(s);
    },
  );

  app.get(
    '/api/searches',
    { schema: { response: { 200: { type: 'array', items: SEARCH_SUMMARY } } } },
    async () => searches.list().map(searchSummary),
  );

  app.get<{ Params: { id: string } }>(
    '/api/searches/:id',
    { schema: { params: ID_PARAMS, response: { 200: SEARCH_DETAIL, '4xx': ERROR_SCHEMA } } },
    async (req) => {
      const s = find(req.params.id);
      return { ...searchSummary(s), results: s.hits };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after?: number } }>(
    '/api/searches/:id/events',
    { schema: { params: ID_PARAMS, querystring: EVENTS_QUERY, response: { '4xx': ERROR_SCHEMA } } },
    async (req, reply) => {
      const s = find(req.params.id);
      if (searches.listeners() >= searches.limits.maxListeners) {
        throw new ApiError(
          'E_API_TOO_MANY_STREAMS',
          `${searches.limits.maxListeners} event streams are open`,
        );
      }
      const after = Math.max(req.query.after ?? 0, lastEventId(req.headers['last-event-id']));
      const stream = openSse(reply, ctx.clock, ctx.sse);
      const unsubscribe = searches.subscribe(
        s,
        {
          hit: (h) => stream.send('hit', h, h.id),
          end: (reason) => {
            stream.send('end', { reason, hits: s.hits.length });
            stream.close();
          },
        },
        after,
      );
      stream.onClose(unsubscribe);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/searches/:id/stop',
    { schema: { params: ID_PARAMS, response: { 200: SEARCH_SUMMARY, '4xx': ERROR_SCHEMA } } },
    async (req) => {
      const s = find(req.params.id);
      searches.stop(s.id);
      return searchSummary(s);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/searches/:id',
    { schema: { params: ID_PARAMS, response: { '4xx': ERROR_SCHEMA } } },
    async (req, reply) => {
      if (!searches.remove(req.params.id))
        throw new ApiError('E_API_NO_SEARCH', `no search ${req.params.id}`);
      return reply.code(204).send();
    },
  );
}
