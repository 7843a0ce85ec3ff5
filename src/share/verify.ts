/**
 * The last check before a shared file is served. Between indexing and serving, the file
 * may have been removed, rewritten, or replaced (itself or a directory on its path) by a
 * symlink leading out of the share. `openServable` opens the file with O_NOFOLLOW and
 * accepts the descriptor only when it is the very inode that was indexed inside the root,
 * unchanged; the transfer layer should read from that descriptor (no second open, no race).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, realpath } from 'node:fs/promises';
import type { SharedFile } from './types.js';
import { OPEN_FLAGS_NOFOLLOW } from './sha1.js';
import { isInside } from './walk.js';

/** What the library records about each file object it hands out. */
export interface ServableRecord {
  readonly dev: number;
  readonly ino: number;
  /** false once the library no longer shares this object (removed, replaced, closed) */
  isCurrent(file: SharedFile): boolean;
  /** asks the library to look at the file's path again (it changed under us) */
  recheck(file: SharedFile): void;
}

// Keyed by object identity: files from one library never see another library's records.
const records = new WeakMap<SharedFile, ServableRecord>();

export function registerServable(file: SharedFile, rec: ServableRecord): void {
  records.set(file, rec);
}

/** On `ok`, `dev`/`ino` identify the file that was checked (the indexed one). */
export type Servable = { ok: true; size: number; dev: number; ino: number } | { ok: false; reason: string };
export type ServableHandle =
  { ok: true; size: number; dev: number; ino: number; handle: FileHandle } | { ok: false; reason: string };

/**
 * Opens a shared file for serving. On `ok`, the caller owns `handle` and must close it.
 * On a mismatch the library is asked to rescan the path, and the answer is not ok.
 */
export async function openServable(file: SharedFile): Promise<ServableHandle> {
  const rec = records.get(file);
  if (rec === undefined || !rec.isCurrent(file)) return { ok: false, reason: 'not shared' };
  const fail = (reason: string): ServableHandle => {
    rec.recheck(file);
    return { ok: false, reason };
  };
  let real: string;
  try {
    real = await realpath(file.path);
  } catch {
    return fail('missing');
  }
  if (real !== file.path || !isInside(file.root, real)) return fail('path now leads elsewhere');
  let handle: FileHandle;
  try {
    handle = await open(file.path, OPEN_FLAGS_NOFOLLOW);
  } catch (e) {
    return fail((e as NodeJS.ErrnoException).code === 'ELOOP' ? 'replaced by a symlink' : 'cannot open');
  }
  try {
    const st = await handle.stat();
    let reason: string | undefined;
    if (!st.isFile()) reason = 'not a regular file';
    else if (st.dev !== rec.dev || st.ino !== rec.ino) reason = 'replaced by another file';
    else if (st.size !== file.size || st.mtimeMs !== file.mtimeMs) reason = 'changed since indexed';
    if (reason !== undefined) {
      await handle.close();
      return fail(reason);
    }
    return { ok: true, size: st.size, dev: st.dev, ino: st.ino, handle };
  } catch {
    await handle.close().catch(() => undefined);
    return fail('cannot stat');
  }
}

/** `openServable` without keeping the descriptor. */
export async function verifyServable(file: SharedFile): Promise<Servable> {
  const r = await openServable(file);
  if (!r.ok) return r;
  await r.handle.close();
  return { ok: true, size: r.size, dev: r.dev, ino: r.ino };
}
