/**
 * `servent get SOURCE [--out DIR] [--sources N]`: download a file named by a hit URL or a
 * magnet link; or `servent get --search WORDS --peer HOST:PORT`: search through a peer, pick
 * the best file (most holders sharing one urn, then speed) and download it from all of
 * them. A progress bar is drawn on stderr when it is a terminal; the final path is printed
 * on stdout. Exit codes: 0 done, 1 download failed, 2 bad usage.
 */
import { formatBytes } from '../../core/format.js';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { getThroughApi, parseApiAddress } from '../../api/index.js';
import { openClientSession, type ClientSession } from '../../client.js';
import { createSystemClock } from '../../core/clock.js';
import { ConfigError, ServentError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { SearchHit } from '../../routing/types.js';
import { bestHitGroup } from '../../transfer/download/hit-groups.js';
import { parseTarget, sourceFromHit, startDownload } from '../../transfer/download/index.js';
import type { Download, DownloadOptions, DownloadSource, PushSource } from '../../transfer/download/index.js';
import { createLogger, type LogLevel } from '../logger.js';
import { parseHostPortOption } from '../options.js';

type GetArgs = ArgumentsCamelCase<{
  source: string | undefined;
  out: string;
  sources: number;
  search: string | undefined;
  peer: string[] | undefined;
  timeout: number;
  ttl: number;
  logLevel: string;
  api: string | undefined;
  apiToken: string | undefined;
}>;

/** Most sources fetched from at once that `--sources` accepts. */
const MAX_SOURCES_OPTION = 32;
const TICK_MS = 250;

function duration(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

interface Target {
  sources: DownloadSource[];
  urn?: string;
  name: string;
  size?: number;
}

function checkUsage(args: GetArgs): void {
  if ((args.source === undefined) === (args.search === undefined)) {
    throw new ConfigError('E_USAGE', 'give either SOURCE (a hit URL or magnet link) or --search WORDS');
  }
  if (args.search !== undefined && (args.peer === undefined || args.peer.length === 0)) {
    throw new ConfigError('E_USAGE', '--search needs --peer HOST:PORT');
  }
  if (!Number.isInteger(args.sources) || args.sources < 1 || args.sources > MAX_SOURCES_OPTION) {
    throw new ConfigError('E_USAGE', `--sources must be an integer from 1 to ${MAX_SOURCES_OPTION}`);
  }
  if (!(args.timeout > 0)) throw new ConfigError('E_USAGE', '--timeout must be positive');
}

/** Searches through the session and returns the hits that arrived before the timeout. */
async function collectHits(
  session: ClientSession,
  text: string,
  ttl: number,
  timeoutS: number,
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  for await (const h of session.servent.router.search({ text, ttl }, AbortSignal.timeout(timeoutS * 1000))) {
    hits.push(h);
  }
  return hits;
}

/** Keeps looking for more holders of `urn` while the download runs. */
function feedMoreSources(
  session: ClientSession,
  d: Download,
  urn: string,
  ttl: number,
  timeoutS: number,
): AbortController {
  const ctl = new AbortController();
  const signal = AbortSignal.any([ctl.signal, AbortSignal.timeout(timeoutS * 1000)]);
  void (async () => {
    try {
      for await (const h of session.servent.router.search({ text: '', urn, ttl }, signal)) {
        d.addSources([sourceFromHit(h)]);
      }
    } catch {
      // a failed follow-up search only means fewer sources
    }
  })();
  return ctl;
}

/** Draws the bar (terminal) or nothing (pipe) while the download runs. */
function watch(d: Download): () => void {
  let bar: cliProgress.SingleBar | undefined;
  if (process.stderr.isTTY) {
    bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: ' {bar} {percentage}% | {have}/{want} | {speed}/s | ETA {eta_s} | {active}/{total} sources',
        hideCursor: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1, 0, { have: '0 B', want: '?', speed: '0 B', eta_s: '--:--', active: 0, total: 0 });
  }
  // the ticker also keeps the process alive while every source is backing off
  const timer = setInterval(() => {
    if (bar === undefined) return;
    const p = d.progress();
    bar.setTotal(Math.max(1, p.size ?? 1));
    bar.update(p.bytes, {
      have: formatBytes(p.bytes),
      want: p.size === undefined ? '?' : formatBytes(p.size),
      speed: formatBytes(p.rate),
      eta_s: duration(p.etaS),
      active: p.sources.active,
      total: p.sources.total,
    });
  }, TICK_MS);
  return () => {
    clearInterval(timer);
    bar?.stop();
  };
}

async function download(target: Target, args: GetArgs, log: Logger, session?: ClientSession): Promise<void> {
  const outDir = resolve(args.out);
  await mkdir(outDir, { recursive: true }).catch((e: unknown) => {
    throw new ConfigError('E_BAD_OUT', `--out ${outDir}: ${(e as Error).message}`);
  });
  const opts: DownloadOptions = {
    sources: target.sources,
    name: target.name,
    outDir,
    maxSources: args.sources,
    clock: createSystemClock(),
    log,
    ...(target.urn !== undefined ? { urn: target.urn } : {}),
    ...(target.size !== undefined ? { size: target.size } : {}),
    ...(session !== undefined
      ? {
          pushBroker: session.servent.pushBroker,
          requestPush: (s: PushSource) => (s.hit !== undefined ? session.servent.requestPush(s.hit) : false),
        }
      : {}),
  };
  const started = Date.now();
  const d = startDownload(opts);
  const more =
    session !== undefined && target.urn !== undefined
      ? feedMoreSources(session, d, target.urn, args.ttl, args.timeout * 4)
      : undefined;
  const stopWatching = watch(d);
  const onSigint = (): void => void d.cancel();
  process.once('SIGINT', onSigint);
  try {
    const res = await d.done;
    stopWatching();
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(
      `downloaded ${formatBytes(res.size)} in ${secs.toFixed(1)} s (${formatBytes(res.size / secs)}/s), ` +
        `${res.verified ? `SHA-1 verified (${res.urn ?? ''})` : 'not verified: no urn:sha1 known'}\n`,
    );
    process.stdout.write(`${res.path}\n`);
  } catch (e) {
    stopWatching();
    const code = e instanceof ServentError ? e.code : 'E_UNEXPECTED';
    const hint =
      code === 'E_CANCELLED' ? ` (partial data kept in ${d.partPath}; run the same command to resume)` : '';
    process.stderr.write(`servent get: ${(e as Error).message} [${code}]${hint}\n`);
    for (const s of d.sources())
      process.stderr.write(`  ${s.key}: ${s.status}${s.code !== undefined ? ` (${s.code})` : ''}\n`);
    process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSigint);
    more?.abort();
  }
}

async function runGet(args: GetArgs): Promise<void> {
  if (args.api !== undefined) {
    if ((args.source === undefined) === (args.search === undefined)) {
      throw new ConfigError('E_USAGE', 'give either SOURCE (a hit URL or magnet link) or --search WORDS');
    }
    const token = args.apiToken ?? process.env['SERVENT_API_TOKEN'];
    process.exitCode = await getThroughApi({
      api: parseApiAddress(args.api),
      timeoutS: args.timeout,
      ttl: args.ttl,
      ...(args.source !== undefined ? { source: args.source } : { search: args.search ?? '' }),
      ...(token !== undefined && token !== '' ? { token } : {}),
    });
    return;
  }
  checkUsage(args);
  const log = createLogger(args.logLevel as LogLevel, 2);
  if (args.source !== undefined) {
    const t = parseTarget(args.source);
    if (t.sources.length === 0) {
      throw new ConfigError(
        'E_USAGE',
        'the magnet names no source (xs=/as=); search by its urn with --search instead',
      );
    }
    const name = t.name ?? (t.urn !== undefined ? t.urn.slice('urn:sha1:'.length) : 'download');
    await download(
      {
        sources: t.sources,
        name,
        ...(t.urn !== undefined ? { urn: t.urn } : {}),
        ...(t.size !== undefined ? { size: t.size } : {}),
      },
      args,
      log,
    );
    return;
  }
  const peers = (args.peer ?? []).map((p) => parseHostPortOption(p, '--peer'));
  const session = await openClientSession({ peers, ttl: args.ttl, log });
  try {
    if (session.connected === 0) {
      process.stderr.write(`servent get: could not connect to ${(args.peer ?? []).join(', ')}\n`);
      process.exitCode = 1;
      return;
    }
    const hits = await collectHits(session, args.search ?? '', args.ttl, args.timeout);
    const best = bestHitGroup(hits);
    if (best === undefined) {
      process.stderr.write(`servent get: no hits for "${args.search ?? ''}"\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(
      `${best.name} (${formatBytes(best.size)}) from ${best.sources.length} source${best.sources.length === 1 ? '' : 's'}\n`,
    );
    await download(
      {
        sources: best.sources,
        name: best.name,
        size: best.size,
        ...(best.urn !== undefined ? { urn: best.urn } : {}),
      },
      args,
      log,
      session,
    );
  } finally {
    await session.close();
  }
}

export const getCommand: CommandModule<object, GetArgs> = {
  command: 'get [source]',
  describe: 'download a file: a hit URL, a magnet link, or the best hit of --search',
  builder: (y: Argv) =>
    y
      .positional('source', {
        type: 'string',
        describe: 'http://host:port/get/<index>/<name>, /uri-res/N2R?urn:sha1:…, or magnet:?xt=…',
      })
      .options({
        out: { type: 'string', default: '.', describe: 'folder to write the file into' },
        sources: { type: 'number', default: 4, describe: 'sources to fetch from at once' },
        search: { type: 'string', describe: 'search these words and download the best hit' },
        peer: {
          type: 'string',
          array: true,
          describe: 'servent to search through (HOST:PORT), with --search',
        },
        timeout: { type: 'number', default: 5, describe: 'seconds to collect hits, with --search' },
        ttl: { type: 'number', default: 4, describe: 'query TTL, with --search' },
        'log-level': { type: 'string', default: 'warn', describe: 'log level (logs go to stderr)' },
        api: {
          type: 'string',
          describe:
            'let a running servent download (into its own folder; --out is not used) through its control API (HOST:PORT) and follow it',
        },
        'api-token': { type: 'string', describe: 'token of that API (or SERVENT_API_TOKEN)' },
      }) as unknown as Argv<GetArgs>,
  handler: runGet,
};
