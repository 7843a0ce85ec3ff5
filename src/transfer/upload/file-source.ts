/**
 * Opening an indexed file for upload.
 *
 * Opening: O_NOFOLLOW refuses a symlink in the last component, O_NONBLOCK keeps a FIFO
 * swapped in for the file from blocking the open; then the descriptor itself is checked
 * (regular file, indexed size) and, on Linux, /proc/self/fd/N must name exactly the
 * indexed path inside its root — that catches a directory on the path replaced by a
 * symlink between verification and open. Elsewhere the path's dev/inode must match.
 */
import { close, constants, fstat, open, readlink, stat } from 'node:fs';
import { promisify } from 'node:util';
import { isInsideRoot, type UploadFile } from './library.js';

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const statAsync = promisify(stat);
const readlinkAsync = promisify(readlink);
const closeAsync = promisify(close);

export type OpenResult = { ok: true; fd: number } | { ok: false; reason: string };

/** What the verifier vouched for: the opened descriptor must be this file. */
export interface VerifiedIdentity {
  readonly dev?: number;
  readonly ino?: number;
}

export async function openIndexedFile(
  file: UploadFile,
  verified: VerifiedIdentity = {},
): Promise<OpenResult> {
  let fd: number;
  try {
    fd = await openAsync(file.path, OPEN_FLAGS);
  } catch (e) {
    return { ok: false, reason: `open: ${(e as NodeJS.ErrnoException).code ?? 'failed'}` };
  }
  const reason = await checkDescriptor(fd, file, verified).catch(
    (e: unknown) => `check: ${(e as NodeJS.ErrnoException).code ?? 'failed'}`,
  );
  if (reason === undefined) return { ok: true, fd };
  await closeAsync(fd).catch(() => {});
  return { ok: false, reason };
}

async function checkDescriptor(
  fd: number,
  file: UploadFile,
  verified: VerifiedIdentity,
): Promise<string | undefined> {
  const st = await fstatAsync(fd);
  if (!st.isFile()) return 'not a regular file';
  if (st.size !== file.size) return 'size changed since indexing';
  // a file renamed into the indexed path between verification and open: same path, same
  // size, another inode (or, without a verified identity, another mtime)
  if (verified.dev !== undefined && verified.ino !== undefined) {
    if (st.dev !== verified.dev || st.ino !== verified.ino) return 'replaced since verification';
  } else if (Math.trunc(st.mtimeMs) !== Math.trunc(file.mtimeMs)) {
    return 'modified since indexing';
  }
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
