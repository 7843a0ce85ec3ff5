/**
 * One source's side of a download: opening (and reusing) its connection, then fetching an
 * assignment with as many range requests as it takes (a 206 may be shorter than asked).
 * A request that starts next to bytes another source sent re-asks the last
 * `overlapBytes` before it and compares them with the disk: a source whose bytes differ
 * fails with E_OVERLAP_MISMATCH (and is banned by the engine).
 */
import type { Duplex } from 'node:stream';
import { TransferError } from '../../core/errors.js';
import { connectByPush, connectWithin, tcpConnect } from './connect.js';
import type { DownloadFile, Running } from './download-file.js';
import { HttpClientConnection } from './http-client.js';
import type { SourceEntry } from './source-entry.js';
import type { DownloadLimits, DownloadOptions } from './types.js';

const DEFAULT_USER_AGENT = 'servent/0.1';

export interface FetchContext {
  readonly file: DownloadFile;
  readonly limits: DownloadLimits;
  readonly opts: DownloadOptions;
  /** the sanitised file name (for /get/ requests over a push) */
  readonly name: string;
  /** false once the download is paused, cancelled, finishing or failed */
  running(): boolean;
  /** every assignment in progress (a 200 may only extend up to the next one) */
  assignments(): readonly Running[];
  /** after bytes were written for `a` */
  afterWrite(e: SourceEntry, a: Running, written: number): void;
  /** the first answer told the file size */
  sizeLearned(): void;
}

export function aborted(): TransferError {
  return new TransferError('E_ABORTED', 'stopped');
}

/** The open connection to `e`, dialling it (or waiting for its GIV) when there is none. */
async function connection(
  ctx: FetchContext,
  e: SourceEntry,
  signal: AbortSignal,
): Promise<HttpClientConnection> {
  if (e.conn?.usable() === true) return e.conn;
  e.conn = undefined;
  const { opts, limits } = ctx;
  const src = e.source;
  const push = src.kind === 'push' ? src : e.viaPush;
  let socket: Duplex;
  let hostHeader: string;
  if (push !== undefined) {
    socket = await connectByPush(push, opts.pushBroker, opts.requestPush, limits.pushTimeoutMs, signal);
    const ra = socket as { remoteAddress?: string; remotePort?: number };
    hostHeader =
      ra.remoteAddress !== undefined ? `${ra.remoteAddress}:${ra.remotePort ?? 0}` : push.serventId;
  } else if (src.kind === 'direct') {
    const connector = opts.connect ?? tcpConnect;
    socket = await connectWithin(connector, src.host, src.port, limits.connectTimeoutMs, opts.clock, signal);
    hostHeader = `${src.host.includes(':') ? `[${src.host}]` : src.host}:${src.port}`;
  } else throw new TransferError('E_BAD_SOURCE', 'unknown source kind');
  if (signal.aborted) {
    socket.destroy();
    throw aborted();
  }
  e.conn = new HttpClientConnection(socket, {
    clock: opts.clock,
    hostHeader,
    userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
    firstByteTimeoutMs: limits.firstByteTimeoutMs,
    idleTimeoutMs: limits.idleTimeoutMs,
    drainBytes: limits.drainBytes,
    maxRetryAfterMs: limits.maxRetryAfterMs,
  });
  return e.conn;
}

/** Request target: what a direct source was named with; by urn (or index) over a push. */
function pathFor(ctx: FetchContext, e: SourceEntry): string {
  const src = e.source;
  if (src.kind === 'direct' && e.viaPush === undefined) return src.path;
  const push = src.kind === 'push' ? src : e.viaPush;
  if (ctx.file.urn !== undefined) return `/uri-res/N2R?${ctx.file.urn}`;
  return `/get/${push?.index ?? 0}/${encodeURIComponent(push?.name || ctx.name)}`;
}

/** Fetches `a` from `e` until every byte of it is on disk (ours or someone else's). */
export async function fetchAssignment(ctx: FetchContext, e: SourceEntry, a: Running): Promise<void> {
  const { file, limits, opts } = ctx;
  /** position whose overlap this source already passed: never re-checked */
  let checkedAt = -1;
  while (a.pos < a.end) {
    if (!ctx.running() || a.ctl.signal.aborted) throw aborted();
    if (file.freeGaps(a.pos, a.end).length === 0) return; // someone else wrote these bytes
    const conn = await connection(ctx, e, a.ctl.signal);
    const posBefore = a.pos;
    let ov = checkedAt === a.pos ? 0 : file.overlapFor(e.key, a.pos, limits.overlapBytes);
    const expected = ov > 0 ? await file.part.read(a.pos - ov, ov) : Buffer.alloc(0);
    ov = expected.length;
    const reqStart = a.pos - ov;
    const t0 = opts.clock.now();
    let got = 0;
    await conn.fetch(
      {
        path: pathFor(ctx, e),
        start: reqStart,
        endInclusive: a.end - 1,
        ...(file.urn !== undefined ? { urn: file.urn } : {}),
        signal: a.ctl.signal,
      },
      (info) => {
        if (file.acceptHead(a, info, ctx.assignments())) ctx.sizeLearned();
      },
      async (chunk, off) => {
        let data = chunk;
        let at = off;
        if (at < a.pos) {
          const n = Math.min(a.pos - at, data.length);
          const want = expected.subarray(at - reqStart, at - reqStart + n);
          if (!want.equals(data.subarray(0, n))) {
            const theirs = file.part.completed.slice(a.pos - 1, a.pos)[0]?.label;
            if (theirs !== undefined) file.conflicts.set(e.key, theirs);
            throw new TransferError(
              'E_OVERLAP_MISMATCH',
              `bytes before ${a.pos} differ from the data on disk`,
            );
          }
          if (at + n === a.pos) checkedAt = a.pos;
          data = data.subarray(n);
          at += n;
        }
        const end = Math.min(at + data.length, a.end);
        if (end > at) {
          const written = await file.store(e.key, a, data.subarray(0, end - at), at);
          e.bytes += written;
          ctx.afterWrite(e, a, written);
        }
        got += data.length;
        return a.pos >= a.end || a.ctl.signal.aborted || !ctx.running() ? 'stop' : 'more';
      },
    );
    e.recordRate(got, opts.clock.now() - t0);
    if (!conn.usable()) e.closeConnection();
    // a source answering only bytes we already have would loop for ever
    if (a.pos === posBefore && checkedAt !== a.pos) {
      throw new TransferError('E_NO_PROGRESS', `no new bytes at ${a.pos}`);
    }
  }
}
