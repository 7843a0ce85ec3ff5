/**
 * The control API and the web page, as a fastify instance that never listens by itself:
 * tests drive it with `inject()`, `startApiServer` (server.ts) puts it on a port.
 *
 *   /api/…   JSON (and one Server-Sent Events stream per search), see README § Control API
 *   /        the page: plain HTML, CSS and ES modules from ./public, no build step
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { Servent } from '../servent.js';
import { USER_AGENT } from '../servent.js';
import type { Connector, DownloadLimits, PushSource } from '../transfer/download/index.js';
import {
  hostOfHeader,
  isLoopbackHost,
  presentedToken,
  sameOrigin,
  tokenCookie,
  tokensEqual,
} from './auth.js';
import type { ApiContext } from './context.js';
import { DownloadRegistry } from './download-registry.js';
import type { DownloadRegistryLimits } from './download-registry.js';
import { ApiError, errorBody } from './errors.js';
import { downloadRoutes } from './routes/downloads.js';
import { searchRoutes } from './routes/searches.js';
import { serventRoutes } from './routes/servent.js';
import { SearchRegistry } from './search-registry.js';
import type { SearchLimits } from './search-registry.js';
import type { SSE_DEFAULTS } from './sse.js';

/** Largest request body accepted (the largest legal one, a magnet link, is 16 KiB). */
export const API_BODY_LIMIT = 64 * 1024;

export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

export interface ApiAppOptions {
  readonly servent: Servent;
  /** when set, every request must carry it (see auth.ts) */
  readonly token?: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** where downloads are written (default `<dataDir>/downloads`) */
  readonly downloadDir?: string;
  /** how downloads open connections (default: the servent's own `dial`) */
  readonly connect?: Connector;
  /** sources fetched from at once per download (default: the downloader's) */
  readonly maxSources?: number;
  readonly searchLimits?: Partial<SearchLimits>;
  readonly downloadRegistryLimits?: Partial<DownloadRegistryLimits>;
  readonly downloadLimits?: Partial<DownloadLimits>;
  readonly sse?: Partial<typeof SSE_DEFAULTS>;
  /** serve the web page at / (default true) */
  readonly page?: boolean;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  if (e.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="servent"');
  return reply.code(e.statusCode).type('application/json; charset=utf-8').send(errorBody(e));
}

function queryToken(req: FastifyRequest): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  const t = q?.['token'];
  return typeof t === 'string' ? t : undefined;
}

/** Refuses requests that lack the token (or, tokenless, do not name a loopback host). */
function guard(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const host = req.headers.host;
    if (token === undefined) {
      const name = hostOfHeader(host);
      if (name === undefined || !isLoopbackHost(name)) {
        throw new ApiError(
          'E_API_FORBIDDEN',
          'this API answers loopback host names only (start it with --api-token to serve others)',
        );
      }
    } else {
      const presented = presentedToken({
        authorization: req.headers.authorization,
        queryToken: queryToken(req),
        cookie: req.headers.cookie,
      });
      if (presented === undefined)
        throw new ApiError('E_API_UNAUTHORIZED', 'this API needs a token (Authorization: Bearer …)');
      if (!tokensEqual(presented, token)) throw new ApiError('E_API_UNAUTHORIZED', 'wrong token');
      if (queryToken(req) !== undefined && !req.url.startsWith('/api/'))
        reply.header('Set-Cookie', tokenCookie(token));
    }
    const origin = req.headers.origin;
    if (WRITES.has(req.method) && origin !== undefined && origin !== 'null' && !sameOrigin(origin, host)) {
      throw new ApiError('E_API_FORBIDDEN', `cross-origin ${req.method} from ${origin} refused`);
    }
    if (WRITES.has(req.method) && origin === 'null') {
      throw new ApiError('E_API_FORBIDDEN', `${req.method} from an opaque origin refused`);
    }
  };
}

/** Maps whatever a route threw to the error catalogue. */
function toApiError(error: FastifyError | Error, log: Logger): ApiError {
  if (error instanceof ApiError) return error;
  const fe = error as FastifyError;
  if (fe.validation !== undefined) return new ApiError('E_API_BAD_REQUEST', fe.message);
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 413)
    return new ApiError('E_API_TOO_LARGE', `body larger than ${API_BODY_LIMIT} bytes`, fe.code);
  if (status === 415)
    return new ApiError('E_API_UNSUPPORTED_MEDIA', 'send JSON (Content-Type: application/json)', fe.code);
  if (status >= 400 && status < 500) return new ApiError('E_API_BAD_REQUEST', fe.message, fe.code);
  log.error({ err: String(error), stack: error.stack }, 'control API request failed');
  return new ApiError('E_API_INTERNAL', 'internal error (see the servent log)');
}

export async function buildApiApp(opts: ApiAppOptions): Promise<FastifyInstance> {
  const { servent, clock } = opts;
  const log = opts.log.child({ c: 'api' });
  const app = Fastify({
    logger: false,
    bodyLimit: API_BODY_LIMIT,
    return503OnClosing: false,
    forceCloseConnections: true,
    // unknown fields are an error (400), not silently dropped
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
  });
  const searches = new SearchRegistry({
    router: servent.router,
    clock,
    log,
    ...(opts.searchLimits !== undefined ? { limits: opts.searchLimits } : {}),
  });
  const downloads = new DownloadRegistry({
    outDir: opts.downloadDir ?? join(servent.config.dataDir, 'downloads'),
    clock,
    log: log.child({ c: 'download' }),
    connect: opts.connect ?? ((host, port) => servent.dial(host, port)),
    pushBroker: servent.pushBroker,
    requestPush: (source: PushSource) => (source.hit !== undefined ? servent.requestPush(source.hit) : false),
    userAgent: USER_AGENT,
    ...(opts.maxSources !== undefined ? { maxSources: opts.maxSources } : {}),
    ...(opts.downloadLimits !== undefined ? { downloadLimits: opts.downloadLimits } : {}),
    ...(opts.downloadRegistryLimits !== undefined ? { limits: opts.downloadRegistryLimits } : {}),
  });
  const ctx: ApiContext = {
    servent,
    searches,
    downloads,
    clock,
    log,
    startedAt: clock.now(),
    sse: opts.sse ?? {},
  };

  app.addHook('onRequest', guard(opts.token));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    return payload;
  });
  app.setErrorHandler((error: FastifyError, _req, reply) => sendError(reply, toApiError(error, log)));
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new ApiError('E_API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`),
    ),
  );

  serventRoutes(app, ctx);
  searchRoutes(app, ctx);
  downloadRoutes(app, ctx);

  if (opts.page !== false) {
    await app.register(fastifyStatic, {
      root: PUBLIC_DIR,
      prefix: '/',
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (res: FastifyReply) => {
        res.header('Cache-Control', 'no-cache');
        res.header(
          'Content-Security-Policy',
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        );
      },
    });
  }

  app.addHook('onClose', async () => {
    searches.close();
    await downloads.close();
  });
  await app.ready();
  return app;
}
