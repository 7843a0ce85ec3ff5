/**
 * Streaming SHA-1 of a file on disk. The file is opened with O_NOFOLLOW (a symlink in
 * the last path component is refused) and O_NONBLOCK (a FIFO swapped in for a file
 * cannot block the open), then checked to be a regular file before a byte is read.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { TransferError } from '../core/errors.js';

/** O_NOFOLLOW / O_NONBLOCK are 0 on platforms without them, so the flags degrade safely. */
export const OPEN_FLAGS_NOFOLLOW =
  constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

const READ_CHUNK = 256 * 1024;

export async function sha1File(path: string, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
  const handle = await open(path, OPEN_FLAGS_NOFOLLOW);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new TransferError('NOT_A_FILE', `not a regular file: ${path}`);
    const hash = createHash('sha1');
    if (st.size <= READ_CHUNK) {
      // Small file: one read instead of a stream (most of a share's files, by count).
      // Reads until EOF, so a file that grew since fstat is still hashed whole.
      const buf = Buffer.allocUnsafe(st.size + 1);
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, null);
        if (bytesRead === 0) return hash.digest();
        hash.update(buf.subarray(0, bytesRead));
        if (opts.signal?.aborted === true) throw opts.signal.reason;
      }
    }
    const stream = handle.createReadStream({
      highWaterMark: READ_CHUNK,
      autoClose: false,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
    for await (const chunk of stream) hash.update(chunk as Buffer);
    return hash.digest();
  } finally {
    await handle.close();
  }
}
