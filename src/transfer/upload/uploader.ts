/**
 * Serving one file request: range decision, upload slot, verification, open, stream.
 *
 * Slots belong to connections, not requests: a downloader fetching several ranges on one
 * keep-alive connection keeps its slot between them. The slot is given back when the
 * connection closes, or when it stays without a request in flight for `slotIdleMs`.
 *
 * Choking (rotation): once `UploadSlots` says a holder is choked, its response in flight is
 * cut after the current chunk — the connection is destroyed, the downloader resumes later
 * with a Range request — and a request arriving on a choked connection gets 503.
 * HEAD never takes a slot. 404 and 416 answers do not need one either.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { closeFd, openIndexedFile } from './file-source.js';
import { pumpRange, type BufferPool } from './pump.js';
import type { UploadFile, VerifyFn } from './library.js';
import { decideRange, type RangeCaps } from './range.js';
import type { TokenBucket } from './rate-limit.js';
import type { UploadSlot, UploadSlots } from './slots.js';

export interface UploaderDeps {
  serverName: string;
  clock: Clock;
  log: Logger;
  slots: UploadSlots;
  bucket: TokenBucket | undefined;
  verify: VerifyFn;
  slotIdleMs: number;
  pool: BufferPool;
  rangeCaps: RangeCaps;
}

export interface UploadStats {
  /** responses with a body started (200/206 to GET) */
  started: number;
  /** of those, bodies sent to the end */
  completed: number;
  /** of those, cut by rotation */
  choked: number;
  /** bytes of file data handed to sockets */
  bytes: number;
  busy: number;
  notFound: number;
  unsatisfiable: number;
  refusedByVerify: number;
}

interface Connection {
  readonly socket: Socket;
  readonly ip: string;
  slot: UploadSlot | undefined;
  idle: TimerHandle | undefined;
  inFlight: number;
}

/** '::ffff:1.2.3.4' → '1.2.3.4', so one IPv4 host is one IP whatever the socket family. */
export function normaliseIp(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Writes the response head ourselves (fastify steps aside): header names keep their
 * canonical case on the wire — some old servents compare them case-sensitively.
 */
export function respond(
  reply: FastifyReply,
  status: number,
  headers: Record<string, string>,
): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(status, headers);
  return res;
}

export class Uploader {
  private readonly d: UploaderDeps;
  private readonly conns = new WeakMap<object, Connection>();
  private readonly live = new Set<Connection>();
  readonly stats: UploadStats = {
    started: 0,
    completed: 0,
    choked: 0,
    bytes: 0,
    busy: 0,
    notFound: 0,
    unsatisfiable: 0,
    refusedByVerify: 0,
  };

  constructor(deps: UploaderDeps) {
    this.d = deps;
  }

  private connection(socket: Socket): Connection {
    let c = this.conns.get(socket);
    if (c !== undefined) return c;
    const conn: Connection = {
      socket,
      ip: normaliseIp(socket.remoteAddress),
      slot: undefined,
      idle: undefined,
      inFlight: 0,
    };
    this.conns.set(socket, conn);
    this.live.add(conn);
    socket.once('close', () => this.forget(conn));
    c = conn;
    return c;
  }

  private forget(conn: Connection): void {
    this.d.clock.clearTimeout(conn.idle);
    conn.idle = undefined;
    conn.slot?.release();
    conn.slot = undefined;
    this.live.delete(conn);
  }

  /** Response over (sent, failed or cut): start the idle countdown of the slot. */
  private settle(conn: Connection): void {
    conn.inFlight = Math.max(0, conn.inFlight - 1);
    if (conn.inFlight > 0 || conn.slot === undefined) return;
    if (conn.socket.destroyed) {
      this.forget(conn);
      return;
    }
    this.d.clock.clearTimeout(conn.idle);
    conn.idle = this.d.clock.setTimeout(() => {
      conn.idle = undefined;
      if (conn.inFlight === 0) {
        conn.slot?.release();
        conn.slot = undefined;
      }
    }, this.d.slotIdleMs);
  }

  private empty(reply: FastifyReply, status: number, headers: Record<string, string> = {}): void {
    respond(reply, status, { Server: this.d.serverName, 'Content-Length': '0', ...headers }).end();
  }

  notFound(reply: FastifyReply): void {
    this.stats.notFound++;
    this.empty(reply, 404);
  }

  /** Serves `file` (already resolved through the library) to `request`. */
  async serve(request: FastifyRequest, reply: FastifyReply, file: UploadFile): Promise<void> {
    const conn = this.connection(request.raw.socket);
    conn.inFlight++;
    this.d.clock.clearTimeout(conn.idle);
    conn.idle = undefined;
    reply.raw.once('close', () => this.settle(conn));
    const isHead = request.method === 'HEAD';
    const size = file.size;
    const range = decideRange(request.headers.range, size, this.d.rangeCaps);
    if (range.kind === 'unsatisfiable') {
      this.stats.unsatisfiable++;
      return this.empty(reply, 416, { 'Content-Range': `bytes */${size}` });
    }

    let fresh = false;
    if (!isHead) {
      if (conn.slot?.choked() === true) {
        conn.slot.release();
        conn.slot = undefined;
        this.d.log.debug({ ip: conn.ip }, 'upload slot rotated at request boundary');
      }
      if (conn.slot === undefined) {
        const answer = this.d.slots.acquire(conn.ip);
        if (!answer.ok) {
          this.stats.busy++;
          this.d.log.debug({ ip: conn.ip, reason: answer.reason, position: answer.position }, 'upload busy');
          return this.empty(reply, 503, { 'Retry-After': String(answer.retryAfterS) });
        }
        conn.slot = answer.slot;
        fresh = true;
      }
    }
    const giveBack = (): void => {
      if (fresh) {
        conn.slot?.release();
        conn.slot = undefined;
      }
    };

    const verdict = await this.d.verify(file);
    if (!verdict.ok) {
      this.stats.refusedByVerify++;
      this.d.log.warn(
        { index: file.index, name: file.name, reason: verdict.reason },
        'refusing to serve file',
      );
      giveBack();
      return this.notFound(reply);
    }

    const start = range.kind === 'partial' ? range.range.start : 0;
    const end = range.kind === 'partial' ? range.range.end : size - 1;
    const headers: Record<string, string> = {
      Server: this.d.serverName,
      'Content-Type': 'application/binary',
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
      'Last-Modified': new Date(file.mtimeMs).toUTCString(),
    };
    if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    if (file.urn !== undefined) {
      headers['X-Gnutella-Content-URN'] = file.urn;
      headers['X-Content-URN'] = file.urn;
    }
    const status = range.kind === 'partial' ? 206 : 200;
    // HEAD and empty bodies open too: the open-time checks decide what exists, not only verify.
    const opened = await openIndexedFile(file, verdict);
    if (!opened.ok) {
      this.stats.refusedByVerify++;
      this.d.log.warn({ index: file.index, name: file.name, reason: opened.reason }, 'refusing to open file');
      giveBack();
      return this.notFound(reply);
    }
    if (isHead || end < start) {
      closeFd(opened.fd);
      respond(reply, status, headers).end();
      return;
    }
    const slot = conn.slot;
    const length = end - start + 1;
    this.stats.started++;
    this.d.log.debug({ ip: conn.ip, name: file.name, start, end, status }, 'upload');
    const res = respond(reply, status, headers);
    pumpRange(
      res,
      {
        fd: opened.fd,
        start,
        end,
        pool: this.d.pool,
        bucket: this.d.bucket,
        shouldStop: () => slot === undefined || slot.choked(),
      },
      (outcome) => {
        this.stats.bytes += outcome.sent;
        if (outcome.ok) {
          this.stats.completed++;
          return;
        }
        const code = (outcome.error as { code?: string }).code;
        if (code === 'UPLOAD_CHOKED') {
          this.stats.choked++;
          this.d.log.info({ ip: conn.ip, name: file.name, sent: outcome.sent, length }, 'upload choked');
        } else if (code === 'UPLOAD_ABORTED') {
          this.d.log.debug(
            { ip: conn.ip, name: file.name, sent: outcome.sent, length },
            'upload aborted by peer',
          );
        } else {
          this.d.log.warn({ ip: conn.ip, name: file.name, err: outcome.error.message }, 'upload read failed');
        }
      },
    );
  }

  /** Drops every slot and idle timer (app shutdown); sockets are closed by the caller. */
  close(): void {
    for (const conn of [...this.live]) {
      this.forget(conn);
      if (typeof conn.socket.destroy === 'function') conn.socket.destroy();
    }
  }
}
