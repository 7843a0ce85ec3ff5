/**
 * Copies one byte range of an open file to an HTTP response, chunk by chunk.
 *
 * - Double buffering: while one chunk is being written, the next is read; a chunk is read
 *   only into a buffer whose previous write has completed (its write callback ran), so an
 *   upload holds at most two chunks and never reads ahead of a slow socket.
 * - Buffers come from a shared pool and go back to it after their write completes: no
 *   fresh allocation (and page faults) per chunk. A buffer whose write never completes
 *   (connection destroyed) is simply left to the garbage collector, never reused.
 * - Before each read it asks the shared token bucket (rate limit) and `shouldStop()`
 *   (rotation); a stop, a read error or a file that got shorter destroys the response:
 *   the peer sees fewer bytes than Content-Length and resumes with Range later.
 */
import { close, read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { TransferError } from '../../core/errors.js';
import type { TokenBucket } from './rate-limit.js';

export const DEFAULT_CHUNK_BYTES = 512 * 1024;
/** buffers each upload uses at most */
const BUFFERS_PER_UPLOAD = 2;

/** Free buffers of one size, kept up to `maxFree`. */
export class BufferPool {
  private readonly free: Buffer[] = [];
  constructor(
    readonly size: number,
    private readonly maxFree: number,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.size);
  }

  give(buf: Buffer): void {
    if (buf.length === this.size && this.free.length < this.maxFree) this.free.push(buf);
  }

  freeCount(): number {
    return this.free.length;
  }
}

export interface PumpOptions {
  fd: number;
  /** first byte, inclusive */
  start: number;
  /** last byte, inclusive */
  end: number;
  pool: BufferPool;
  bucket?: TokenBucket | undefined;
  /** polled before each chunk; true cuts the response (rotation) */
  shouldStop?: (() => boolean) | undefined;
}

export type PumpOutcome = { ok: true; sent: number } | { ok: false; sent: number; error: Error };

/**
 * Streams [start, end] of `fd` into `res` (headers already written) and ends it.
 * Closes `fd` when done, whatever happens; `done` is called exactly once.
 */
export function pumpRange(
  res: ServerResponse,
  opts: PumpOptions,
  done: (outcome: PumpOutcome) => void,
): void {
  const { fd, pool, bucket, shouldStop } = opts;
  const chunkMax = Math.max(1, Math.min(pool.size, bucket?.burst ?? Infinity));
  let pos = opts.start;
  let remaining = Math.max(0, opts.end - opts.start + 1);
  let sent = 0;
  let buffers = BUFFERS_PER_UPLOAD;
  let reading = false;
  let waitingDrain = false;
  let cancelWait: (() => void) | undefined;
  let finished = false;
  let fdClosed = false;

  const closeFdOnce = (): void => {
    if (fdClosed || reading) return; // an in-flight read must not see the number reused
    fdClosed = true;
    close(fd, () => {});
  };

  const finish = (error: Error | undefined): void => {
    if (finished) return;
    finished = true;
    cancelWait?.();
    cancelWait = undefined;
    res.off('drain', onDrain);
    res.off('close', onClose);
    closeFdOnce();
    if (error === undefined) {
      res.end();
      done({ ok: true, sent });
    } else {
      if (!res.destroyed) res.destroy();
      done({ ok: false, sent, error });
    }
  };

  const onDrain = (): void => {
    waitingDrain = false;
    next();
  };
  const onClose = (): void => {
    if (!finished && !res.writableFinished) {
      finish(new TransferError('UPLOAD_ABORTED', 'connection closed during upload'));
    }
  };

  const next = (): void => {
    if (finished || reading || cancelWait !== undefined || waitingDrain) return;
    if (remaining === 0) {
      finish(undefined);
      return;
    }
    if (buffers === 0) return; // a write callback will call back
    if (shouldStop?.() === true) {
      finish(new TransferError('UPLOAD_CHOKED', 'upload slot rotated to a waiting peer'));
      return;
    }
    const n = Math.min(chunkMax, remaining);
    if (bucket === undefined) {
      readChunk(n);
      return;
    }
    let granted = false;
    const cancel = bucket.take(n, () => {
      granted = true;
      cancelWait = undefined;
      readChunk(n);
    });
    if (!granted) cancelWait = cancel;
  };

  const readChunk = (n: number): void => {
    if (finished) return;
    buffers--;
    reading = true;
    const buf = pool.take();
    read(fd, buf, 0, n, pos, (err, bytes) => {
      reading = false;
      if (finished) {
        closeFdOnce();
        return;
      }
      if (err !== null || bytes === 0) {
        finish(err ?? new TransferError('FILE_SHRANK', 'file ended before the announced length'));
        return;
      }
      pos += bytes;
      remaining -= bytes;
      sent += bytes;
      const ok = res.write(bytes === buf.length ? buf : buf.subarray(0, bytes), (wErr) => {
        buffers++;
        if (wErr === null || wErr === undefined) pool.give(buf);
        next();
      });
      if (!ok) waitingDrain = true;
      next();
    });
  };

  res.on('drain', onDrain);
  res.on('close', onClose);
  if (res.destroyed) finish(new TransferError('UPLOAD_ABORTED', 'connection closed before upload'));
  else next();
}
