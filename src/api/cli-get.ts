/**
 * `servent get … --api HOST:PORT`: the running servent downloads (into its own download
 * folder) and this command follows the progress through the control API. With
 * `--search WORDS` the servent searches first and the best file (most holders of one urn,
 * then speed) is taken with all its holders. Ctrl-C stops following; the download goes on
 * in the servent (pause or cancel it on the page, or `POST /api/downloads/ID/cancel`).
 */
import { formatBytes } from '../core/format.js';
import cliProgress from 'cli-progress';
import { bestHitGroup } from '../transfer/download/hit-groups.js';
import { ApiClient } from './client.js';
import type { ApiHit } from './search-registry.js';
import type { DownloadView } from './views.js';

export interface GetThroughApiOptions {
  readonly api: { readonly host: string; readonly port: number };
  readonly token?: string;
  /** a hit URL or magnet link … */
  readonly source?: string;
  /** … or words to search for */
  readonly search?: string;
  readonly ttl?: number;
  /** seconds to collect hits */
  readonly timeoutS: number;
  /** poll period of the progress */
  readonly everyMs?: number;
  readonly out?: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Runs the command; resolves with the exit code (0 done, 1 failed or nothing found). */
export async function getThroughApi(o: GetThroughApiOptions): Promise<number> {
  const out = o.out ?? process.stdout;
  const err = o.err ?? process.stderr;
  const client = new ApiClient({ ...o.api, ...(o.token !== undefined ? { token: o.token } : {}) });
  let started: { download: DownloadView; created: boolean };
  if (o.source !== undefined) {
    started = await client.startDownload({ target: o.source });
  } else {
    const search = await client.startSearch({
      text: o.search ?? '',
      timeoutS: o.timeoutS,
      ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
    });
    const hits: ApiHit[] = [];
    for await (const h of client.events(search.id)) hits.push(h);
    const best = bestHitGroup(hits);
    const first = best?.hits[0] as ApiHit | undefined;
    if (best === undefined || first === undefined) {
      err.write(`servent get: no hits for "${o.search ?? ''}"\n`);
      return 1;
    }
    // by reference to the search: the servent takes every holder of the urn it saw
    started = await client.startDownload({ search: search.id, hit: first.id });
    err.write(
      `${best.name} (${formatBytes(best.size)}) from ${best.sources.length} source${best.sources.length === 1 ? '' : 's'}\n`,
    );
  }
  const id = started.download.id;
  if (!started.created) err.write(`already downloading as download ${id}; following it\n`);

  const bar =
    err.isTTY === true
      ? new cliProgress.SingleBar(
          {
            stream: err,
            format: ' {bar} {percentage}% | {have}/{want} | {speed}/s | {active}/{total} sources',
            hideCursor: true,
            barsize: 30,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(1, 0, { have: '0 B', want: '?', speed: '0 B', active: 0, total: 0 });
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  let last: DownloadView = started.download;
  try {
    for await (const d of client.follow(id, o.everyMs ?? 500, stop.signal)) {
      last = d;
      bar?.setTotal(Math.max(1, d.size ?? 1));
      bar?.update(d.bytes, {
        have: formatBytes(d.bytes),
        want: d.size === undefined ? '?' : formatBytes(d.size),
        speed: formatBytes(d.rate),
        active: d.sources.active,
        total: d.sources.total,
      });
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }
  if (stop.signal.aborted && last.state !== 'done') {
    err.write(`stopped following; download ${id} goes on in the servent (${last.state})\n`);
    return 0;
  }
  if (last.state === 'done') {
    err.write(
      `downloaded ${formatBytes(last.bytes)}, ${last.verified === true ? `SHA-1 verified (${last.urn ?? ''})` : 'not verified: no urn:sha1 known'}\n`,
    );
    out.write(`${last.path ?? ''}\n`);
    return 0;
  }
  const e = last.error;
  err.write(
    `servent get: download ${id} ${last.state}${e !== undefined ? `: ${e.message} [${e.code}]` : ''}\n`,
  );
  for (const s of last.sourceList)
    err.write(`  ${s.key}: ${s.status}${s.code !== undefined ? ` (${s.code})` : ''}\n`);
  return 1;
}
