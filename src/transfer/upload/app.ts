/**
 * The HTTP side of the servent's single port: a fastify instance that never listens.
 * The listener hands it sockets that start with `GET ` / `HEAD ` (see hand-off.ts).
 *
 * Only files resolved through the library are served; anything else is 404 without
 * touching the disk. Errors carry no body (`Content-Length: 0`): downloaders look at the
 * status line and headers only.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { serveBrowse, type BrowseSource } from './browse.js';
import { BufferPool, DEFAULT_CHUNK_BYTES } from './pump.js';
import { verifyServable } from '../../share/index.js';
import type { SharedFile } from '../../share/types.js';
import type { UploadFile, UploadLibrary, VerifyFn } from './library.js';
import { DEFAULT_RANGE_CAPS, type RangeCaps } from './range.js';
import { TokenBucket } from './rate-limit.js';
import { MAX_TARGET_LENGTH, nameMatches, parseGetTarget, parseN2rTarget } from './request-target.js';
import { UploadSlots } from './slots.js';
import { respond, Uploader, type UploadStats } from './uploader.js';
import type { SlotStats } from './slots.js';

export interface HttpAppOptions {
  library: UploadLibrary;
  /** `Server:` header value */
  serverName: string;
  clock: Clock;
  log: Logger;
  /** concurrent uploads (default 4), one per remote IP */
  uploadSlots?: number;
  /** bytes/s shared by all uploads; undefined = unlimited */
  maxUploadRate?: number;
  /** a slot held this long may be taken back when others wait (default 10 min) */
  rotationMs?: number;
  /** `Retry-After` seconds in 503 answers (default 60) */
  retryAfterS?: number;
  /**
   * re-checks a file just before serving. Default: the share library's `verifyServable`,
   * which only accepts file objects handed out by a live share library (anything else is
   * refused: fail closed). `verifyIndexedFile` suits libraries that are not share's.
   */
  verify?: VerifyFn;
  /** a slot is released after this long without a request on its connection (default 15 s) */
  slotIdleMs?: number;
  /** refused IPs remembered for the next free slot (default 64) */
  queueMax?: number;
  /** how long a freed slot waits for the queue head (default retryAfter + 15 s) */
  graceMs?: number;
  /** bytes per disk read; two such buffers per upload (default 512 KiB) */
  chunkBytes?: number;
  rangeCaps?: RangeCaps;
  /** socket inactivity (no byte read or written) before it is destroyed (default 60 s) */
  idleTimeoutMs?: number;
  /** idle keep-alive connection lifetime between requests (default 30 s) */
  keepAliveTimeoutMs?: number;
  /** browse host (`GET /`): our share as QueryHit descriptors; undefined = `GET /` is 404 */
  browse?: BrowseSource;
}

export const DEFAULT_SLOT_IDLE_MS = 15_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 30_000;

/**
 * share's verifier looks the object up by identity among the files its library handed out
 * (the fields it reads are those of `UploadFile`), so an object from any other source is
 * refused with `not shared`.
 */
const defaultVerify: VerifyFn = (file: UploadFile) => verifyServable(file as SharedFile);

const registry = new WeakMap<FastifyInstance, { uploader: Uploader; slots: UploadSlots }>();

export async function buildHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    connectionTimeout: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    routerOptions: { maxParamLength: MAX_TARGET_LENGTH },
    return503OnClosing: false,
    forceCloseConnections: true,
    // Malformed percent-encoding in the path and the like: 400, no body, no echo of the URL.
    frameworkErrors: (_error, _request, reply) => {
      respond(reply, 400, { Server: opts.serverName, 'Content-Length': '0' }).end();
    },
  });
  const slots = new UploadSlots({
    clock: opts.clock,
    ...(opts.uploadSlots !== undefined ? { slots: opts.uploadSlots } : {}),
    ...(opts.retryAfterS !== undefined ? { retryAfterS: opts.retryAfterS } : {}),
    ...(opts.rotationMs !== undefined ? { rotationMs: opts.rotationMs } : {}),
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    ...(opts.queueMax !== undefined ? { queueMax: opts.queueMax } : {}),
  });
  const bucket =
    opts.maxUploadRate !== undefined
      ? new TokenBucket({ clock: opts.clock, rate: opts.maxUploadRate })
      : undefined;
  const log = opts.log.child({ component: 'upload' });
  const uploader = new Uploader({
    serverName: opts.serverName,
    clock: opts.clock,
    log,
    slots,
    bucket,
    verify: opts.verify ?? defaultVerify,
    slotIdleMs: opts.slotIdleMs ?? DEFAULT_SLOT_IDLE_MS,
    // two buffers per upload slot stay pooled; bursts beyond that are garbage-collected
    pool: new BufferPool(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, 2 * slots.slots),
    rangeCaps: opts.rangeCaps ?? DEFAULT_RANGE_CAPS,
  });
  registry.set(app, { uploader, slots });

  const methods: ('GET' | 'HEAD')[] = ['GET', 'HEAD'];
  // The wildcard only dispatches; the target is parsed from the raw request line.
  app.route({
    method: methods,
    url: '/get/*',
    handler: async (request, reply) => {
      const target = parseGetTarget(request.raw.url ?? '');
      if (target.kind !== 'index') return uploader.notFound(reply);
      const file = opts.library.byIndex(target.index);
      if (file === undefined || !nameMatches(target.name, file.name)) return uploader.notFound(reply);
      return uploader.serve(request, reply, file);
    },
  });
  app.route({
    method: methods,
    url: '/uri-res/N2R',
    handler: async (request, reply) => {
      const target = parseN2rTarget(request.raw.url ?? '');
      if (target.kind !== 'urn') return uploader.notFound(reply);
      const file = opts.library.byUrn(target.urn);
      if (file === undefined || file.urn?.toUpperCase() !== target.urn.toUpperCase()) {
        return uploader.notFound(reply);
      }
      return uploader.serve(request, reply, file);
    },
  });
  const browse = opts.browse;
  if (browse !== undefined) {
    app.route({
      method: methods,
      url: '/',
      handler: async (request, reply) => serveBrowse(request, reply, browse, opts.serverName),
    });
  }
  app.setNotFoundHandler((_request, reply) => uploader.notFound(reply));
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) log.warn({ err: error.message }, 'upload request failed');
    respond(reply, status, { Server: opts.serverName, 'Content-Length': '0' }).end();
  });
  app.addHook('onClose', async () => {
    uploader.close();
    bucket?.close();
  });
  await app.ready();
  return app;
}

/** Counters of an app built by `buildHttpApp` (for the control API and benches). */
export function uploadStats(app: FastifyInstance): { uploads: UploadStats; slots: SlotStats } | undefined {
  const entry = registry.get(app);
  if (entry === undefined) return undefined;
  return { uploads: { ...entry.uploader.stats }, slots: entry.slots.stats() };
}
