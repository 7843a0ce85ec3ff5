/**
 * Puts the control API on its own port.
 *
 * Default address: the servent's listen host, port = listen port + 1000 (6346 → 7346), on
 * loopback. Not listen port + 1: people run servents on consecutive ports (6346, 6347, …)
 * and each one's page would take the next one's Gnutella port. When that default port is
 * busy the next free one up to `DEFAULT_PORT_TRIES` is used; an explicit `--api` address
 * is used as given or not at all.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../core/errors.js';
import { buildApiApp } from './app.js';
import type { ApiAppOptions } from './app.js';
import { checkBind, isLoopbackHost } from './auth.js';

export const API_PORT_OFFSET = 1000;
export const DEFAULT_PORT_TRIES = 10;

export interface ApiServerOptions extends ApiAppOptions {
  /** where to listen; undefined = the default derived from the servent's listen address */
  readonly host?: string;
  readonly port?: number;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly host: string;
  readonly port: number;
  /** the page's address (with `?token=` when a token is set) */
  readonly url: string;
  close(): Promise<void>;
}

/** The default API address for a servent listening on `listen`. */
export function defaultApiAddress(listen: { host: string; port: number }): { host: string; port: number } {
  const host = isLoopbackHost(listen.host) ? listen.host : '127.0.0.1';
  const port = listen.port === 0 || listen.port + API_PORT_OFFSET > 65535 ? 0 : listen.port + API_PORT_OFFSET;
  return { host, port };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const explicit = opts.host !== undefined || opts.port !== undefined;
  const def = defaultApiAddress({ host: opts.servent.config.listen.host, port: opts.servent.address().port });
  const host = opts.host ?? def.host;
  const port = opts.port ?? def.port;
  checkBind(host, opts.token);
  const app = await buildApiApp(opts);
  const tries = explicit || port === 0 ? 1 : DEFAULT_PORT_TRIES;
  let lastError: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      await app.listen({ host, port: port + i });
      lastError = undefined;
      break;
    } catch (e) {
      lastError = e;
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  if (lastError !== undefined) {
    await app.close();
    const code = (lastError as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      'E_API_LISTEN',
      `cannot serve the control API on ${host}:${port}${tries > 1 ? `…${port + tries - 1}` : ''}: ${code} (try --api HOST:PORT, or --api off)`,
    );
  }
  const addr = app.server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const tokenPart = opts.token !== undefined ? `?token=${encodeURIComponent(opts.token)}` : '';
  return {
    app,
    host: addr.address,
    port: addr.port,
    url: `http://${urlHost(shownHost)}:${addr.port}/${tokenPart}`,
    close: () => app.close(),
  };
}
