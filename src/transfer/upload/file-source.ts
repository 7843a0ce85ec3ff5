/**
 * Opening an indexed file for upload and streaming one byte range of it.
 *
 * Opening: O_NOFOLLOW refuses a symlink in the last component, O_NONBLOCK keeps a FIFO
 * swapped in for the file from blocking the open; then the descriptor itself is checked
 * (regular file, indexed size) and, on Linux, /proc/self/fd/N must name exactly the
 * indexed path inside its root — that catches a directory on the path replaced by a
 * symlink between verification and open. Elsewhere the path's dev/inode must match.
 *
 * Streaming: a Readable that reads `chunkBytes` at a time with positional reads, asks the
 * shared token bucket before each read and stops (with an error, which makes the HTTP
 * layer destroy the connection) when `shouldStop()` turns true between two chunks.
 */
import { close, constants, fstat, open, read, readlink, stat } from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { TransferError } from '../../core/errors.js';
import { isInsideRoot, type UploadFile } from './library.js';
import type { TokenBucket } from './rate-limit.js';

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const statAsync = promisify(stat);
const readlinkAsync = promisify(readlink);
const closeAsync = promisify(close);

export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export type OpenResult = { ok: true; fd: number } | { ok: false; reason: string };

export async function openIndexedFile(file: UploadFile): Promise<OpenResult> {
  let fd: number;
  try {
    fd = await openAsync(file.path, OPEN_FLAGS);
  } catch (e) {
    return { ok: false, reason: `open: ${(e as NodeJS.ErrnoException).code ?? 'failed'}` };
  }
  const reason = await checkDescriptor(fd, file).catch(
    (e: unknown) => `check: ${(e as NodeJS.ErrnoException).code ?? 'failed'}`,
  );
  if (reason === undefined) return { ok: true, fd };
  await closeAsync(fd).catch(() => {});
  return { ok: false, reason };
}

async function checkDescriptor(fd: number, file: UploadFile): Promise<string | undefined> {
  const st = await fstatAsync(fd);
  if (!st.isFile()) return 'not a regular file';
  if (st.size !== file.size) return 'size changed since indexing';
  if (!isInsideRoot(file.path, file.root)) return 'outside its share root';
  let opened: string | undefined;
  try {
    opened = await readlinkAsync(`/proc/self/fd/${fd}`);
  } catch {
    opened = undefined;
  }
  if (opened !== undefined) {
    if (opened !== file.path) return 'opened file is not the indexed path';
  } else {
    const byPath = await statAsync(file.path);
    if (byPath.dev !== st.dev || byPath.ino !== st.ino) return 'opened file is not the indexed path';
  }
  return undefined;
}

export function closeFd(fd: number): void {
  close(fd, () => {});
}

export interface FileRangeStreamOptions {
  fd: number;
  /** first byte, inclusive */
  start: number;
  /** last byte, inclusive; `end < start` means an empty stream */
  end: number;
  chunkBytes?: number;
  bucket?: TokenBucket | undefined;
  /** polled before each chunk; true ends the stream with an UPLOAD_CHOKED error */
  shouldStop?: (() => boolean) | undefined;
}

/** Streams bytes [start, end] of an open descriptor, which it owns and closes. */
export class FileRangeStream extends Readable {
  private readonly fd: number;
  private pos: number;
  private remaining: number;
  private readonly chunkBytes: number;
  private readonly bucket: TokenBucket | undefined;
  private readonly shouldStop: (() => boolean) | undefined;
  private cancelWait: (() => void) | undefined;
  private reading = false;
  private closeWhenIdle: ((err: Error | null) => void) | undefined;
  private fdClosed = false;
  /** bytes handed to the consumer so far */
  sent = 0;

  constructor(opts: FileRangeStreamOptions) {
    const chunk = Math.max(
      1,
      Math.min(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, opts.bucket?.burst ?? Infinity),
    );
    // highWaterMark = one chunk: at most one chunk waits here while the socket drains.
    super({ highWaterMark: chunk });
    this.fd = opts.fd;
    this.pos = opts.start;
    this.remaining = Math.max(0, opts.end - opts.start + 1);
    this.chunkBytes = chunk;
    this.bucket = opts.bucket;
    this.shouldStop = opts.shouldStop;
  }

  override _read(): void {
    if (this.reading || this.cancelWait !== undefined) return;
    if (this.remaining === 0) {
      this.push(null);
      return;
    }
    if (this.shouldStop?.() === true) {
      this.destroy(new TransferError('UPLOAD_CHOKED', 'upload slot rotated to a waiting peer'));
      return;
    }
    const n = Math.min(this.chunkBytes, this.remaining);
    if (this.bucket === undefined) {
      this.readChunk(n);
      return;
    }
    let granted = false;
    const cancel = this.bucket.take(n, () => {
      granted = true;
      this.cancelWait = undefined;
      this.readChunk(n);
    });
    if (!granted) this.cancelWait = cancel;
  }

  private readChunk(n: number): void {
    if (this.destroyed) return;
    this.reading = true;
    const buf = Buffer.allocUnsafe(n);
    read(this.fd, buf, 0, n, this.pos, (err, bytes) => {
      this.reading = false;
      if (this.closeWhenIdle !== undefined) {
        this.finishClose(this.closeWhenIdle, null);
        return;
      }
      if (this.destroyed) return;
      if (err !== null) {
        this.destroy(err);
        return;
      }
      if (bytes === 0) {
        this.destroy(new TransferError('FILE_SHRANK', 'file ended before the announced length'));
        return;
      }
      this.pos += bytes;
      this.remaining -= bytes;
      this.sent += bytes;
      this.push(bytes === n ? buf : buf.subarray(0, bytes));
    });
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.cancelWait?.();
    this.cancelWait = undefined;
    // Closing the descriptor under an in-flight read could let the number be reused and
    // read by that read: wait for it.
    if (this.reading) this.closeWhenIdle = (e) => cb(e ?? err);
    else this.finishClose(cb, err);
  }

  private finishClose(cb: (err: Error | null) => void, err: Error | null): void {
    this.closeWhenIdle = undefined;
    if (this.fdClosed) {
      cb(err);
      return;
    }
    this.fdClosed = true;
    close(this.fd, () => cb(err));
  }
}
