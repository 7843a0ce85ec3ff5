/**
 * `servent start` (what `npm start` runs): join the overlay, share folders, answer
 * searches, serve downloads. Ctrl-C says Bye to every peer, saves the host cache, exits 0.
 */
import { formatBytes } from '../../core/format.js';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createSystemClock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import { createRng } from '../../core/rng.js';
import { startApiServer } from '../../api/index.js';
import type { ApiServer } from '../../api/index.js';
import { DEFAULT_CONFIG, seedFromCrypto, startServent } from '../../servent.js';
import type { RoutingKind, ServentConfig } from '../../servent.js';
import { createLogger } from '../logger.js';
import type { LogLevel } from '../logger.js';
import { commonOptions, overlayOptions, parseHostPortOption } from '../options.js';

const startOptions = {
  ...commonOptions,
  ...overlayOptions,
  listen: { type: 'string', default: '127.0.0.1:6346', describe: 'address to listen on (HOST:PORT)' },
  share: { type: 'string', array: true, default: [] as string[], describe: 'folder to share (repeatable)' },
  'min-peers': { type: 'number', default: DEFAULT_CONFIG.minPeers, describe: 'connections to keep open' },
  'max-peers': { type: 'number', default: DEFAULT_CONFIG.maxPeers, describe: 'most connections accepted' },
  'max-per-ip': {
    type: 'number',
    default: DEFAULT_CONFIG.maxPerIp,
    describe: 'most connections from one IP',
  },
  'max-ttl': {
    type: 'number',
    default: DEFAULT_CONFIG.maxTtl,
    describe: 'cap on TTL+hops of relayed queries',
  },
  'upload-slots': { type: 'number', default: DEFAULT_CONFIG.uploadSlots, describe: 'concurrent uploads' },
  'max-upload-rate': { type: 'number', describe: 'upload rate limit in bytes/s, shared by all uploads' },
  firewalled: {
    type: 'boolean',
    default: false,
    describe: 'accept no inbound connections; peers reach our files by Push → GIV',
  },
  compress: { type: 'boolean', default: true, describe: 'offer deflate link compression' },
  watch: { type: 'boolean', default: true, describe: 'notice changes in shared folders while running' },
  seed: { type: 'number', describe: 'seed the random generator (reproducible runs)' },
  api: {
    type: 'string',
    describe: 'control API and web page address (HOST:PORT), or "off"',
    defaultDescription: '127.0.0.1:<listen port + 1000>',
  },
  'api-token': {
    type: 'string',
    describe:
      'token every API request must carry (needed to serve the API beyond loopback; or SERVENT_API_TOKEN)',
  },
} as const;

type StartArgs = ArgumentsCamelCase<{
  data: string;
  logLevel: string;
  routing: string;
  peer: string[];
  ttl: number;
  leaf: boolean;
  legacy: boolean;
  listen: string;
  share: string[];
  minPeers: number;
  maxPeers: number;
  maxPerIp: number;
  maxTtl: number;
  uploadSlots: number;
  maxUploadRate: number | undefined;
  firewalled: boolean;
  compress: boolean;
  watch: boolean;
  seed: number | undefined;
  api: string | undefined;
  apiToken: string | undefined;
}>;

export function configFromArgs(a: StartArgs): ServentConfig {
  return {
    dataDir: resolve(a.data),
    listen: parseHostPortOption(a.listen, '--listen'),
    peers: a.peer.map((p) => parseHostPortOption(p, '--peer')),
    shares: a.share.map((s) => resolve(s)),
    share: true,
    routing: a.routing as RoutingKind,
    minPeers: a.minPeers,
    maxPeers: a.maxPeers,
    maxPerIp: a.maxPerIp,
    ttl: a.ttl,
    maxTtl: a.maxTtl,
    leaf: a.leaf,
    legacy: a.legacy,
    compress: a.compress,
    firewalled: a.firewalled,
    uploadSlots: a.uploadSlots,
    maxUploadRate: a.maxUploadRate,
    watch: a.watch,
    handshakeTimeoutMs: DEFAULT_CONFIG.handshakeTimeoutMs,
  };
}

export const startCommand: CommandModule<object, StartArgs> = {
  command: 'start',
  describe: 'run the servent: join the overlay, share folders, answer searches, serve downloads',
  builder: (y: Argv) => y.options(startOptions) as unknown as Argv<StartArgs>,
  handler: async (args) => {
    const config = configFromArgs(args);
    const log = createLogger(args.logLevel as LogLevel, 1);
    const clock = createSystemClock();
    const rng = createRng(args.seed ?? seedFromCrypto());
    let servent;
    try {
      servent = await startServent(config, { clock, rng, log });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new ConfigError(
          'E_LISTEN',
          `cannot listen on ${args.listen}: ${code} (another servent? try --listen HOST:PORT)`,
        );
      }
      throw e;
    }
    let api: ApiServer | undefined;
    if (args.api !== 'off') {
      const where = args.api === undefined ? {} : parseHostPortOption(args.api, '--api');
      const token = args.apiToken ?? process.env['SERVENT_API_TOKEN'];
      try {
        api = await startApiServer({
          servent,
          clock,
          log,
          ...where,
          ...(token !== undefined && token !== '' ? { token } : {}),
        });
      } catch (e) {
        await servent.stop();
        throw e;
      }
    }
    const t = servent.library.totals();
    const a = servent.address();
    const shares = config.shares.length > 0 ? config.shares.join(', ') : `${config.dataDir}/share`;
    process.stdout.write(
      `servent ${config.firewalled ? 'firewalled (no inbound), ' : ''}listening on ${a.ip}:${a.port} · ` +
        `${config.routing} · sharing ${t.files} files (${formatBytes(t.bytes)}) from ${shares} · ` +
        `search with: npx servent search WORDS --peer ${a.ip}:${a.port}\n`,
    );
    if (api !== undefined) {
      process.stdout.write(`web page: ${api.url} · control API: --api ${api.host}:${api.port}\n`);
    }
    await new Promise<void>((resolveStop) => {
      let stopping = false;
      const stop = (sig: string): void => {
        if (stopping) {
          process.exit(130);
        }
        stopping = true;
        log.info({ signal: sig }, 'shutting down');
        void (api?.close() ?? Promise.resolve())
          .then(() => servent.stop())
          .then(resolveStop, (e: unknown) => {
            log.error({ err: String(e) }, 'shutdown failed');
            resolveStop();
          });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    process.exitCode = 0;
  },
};
