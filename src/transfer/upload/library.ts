/**
 * What the upload side needs from the share library, kept narrow so tests can hand in a
 * fake. `SharedFile` and `verifyServable` come from src/share; the fallback below applies
 * the same containment rule when no verifier is injected.
 */
import { lstat, realpath } from 'node:fs/promises';
import { sep } from 'node:path';

/** The fields of a share-library entry the upload path reads. */
export interface UploadFile {
  readonly index: number;
  readonly name: string;
  readonly size: number;
  /** `urn:sha1:<BASE32>` once hashed */
  readonly urn: string | undefined;
  /** absolute real path, as indexed */
  readonly path: string;
  /** real path of the share root the file belongs to */
  readonly root: string;
  readonly mtimeMs: number;
}

export interface UploadLibrary {
  byIndex(index: number): UploadFile | undefined;
  /** accepts any case `urn:sha1:…` */
  byUrn(urn: string): UploadFile | undefined;
}

/**
 * On `ok`, `dev`/`ino` (when the verifier knows them) identify the file it vouched for:
 * the file opened for serving must be that very file, not one renamed into its place.
 */
export type VerifyResult =
  { ok: true; size: number; dev?: number; ino?: number } | { ok: false; reason: string };

/** Re-checks, just before serving, that an indexed file may still be served. */
export type VerifyFn = (file: UploadFile) => Promise<VerifyResult>;

export function isInsideRoot(path: string, root: string): boolean {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path.startsWith(prefix) && path.length > prefix.length;
}

/**
 * Default verifier: the path still resolves to itself (no symlink appeared anywhere on
 * it), lies strictly inside its root, is a regular file, and has the indexed size and
 * mtime. Anything else means the library is out of date: refuse, the next rescan fixes it.
 */
export async function verifyIndexedFile(file: UploadFile): Promise<VerifyResult> {
  try {
    const real = await realpath(file.path);
    if (real !== file.path) return { ok: false, reason: 'path no longer resolves to itself' };
    if (!isInsideRoot(real, file.root)) return { ok: false, reason: 'outside its share root' };
    const st = await lstat(real);
    if (!st.isFile()) return { ok: false, reason: 'not a regular file' };
    if (st.size !== file.size) return { ok: false, reason: 'size changed since indexing' };
    if (Math.trunc(st.mtimeMs) !== Math.trunc(file.mtimeMs)) {
      return { ok: false, reason: 'modified since indexing' };
    }
    return { ok: true, size: st.size, dev: st.dev, ino: st.ino };
  } catch (e) {
    return { ok: false, reason: (e as NodeJS.ErrnoException).code ?? 'stat failed' };
  }
}
