/**
 * File names that come from peers are hostile. `sanitiseName` keeps the last path
 * component only and strips what could escape the output folder or confuse a shell or a
 * file manager; `placeNoClobber` moves a finished file to a name that did not exist
 * (`name (1).ext`, `name (2).ext`, …) without ever replacing one that does.
 */
import { link, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TransferError } from '../../core/errors.js';

/** Longest file name we create, in UTF-8 bytes (most file systems allow 255). */
export const MAX_NAME_BYTES = 200;
/** Suffixes tried before giving up on finding a free name. */
export const MAX_NAME_ATTEMPTS = 10_000;
const FALLBACK_NAME = 'download';

// C0/C1 controls, DEL, and characters Windows forbids in names
const BAD_CHARS_RE = /[\x00-\x1f\x7f-\x9f<>:"|?*]/g; // eslint-disable-line no-control-regex

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** Splits `name.ext` (a short extension only; `archive.tar.gz` keeps `.gz`). */
export function splitExt(name: string): { base: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > 16) return { base: name, ext: '' };
  return { base: name.slice(0, dot), ext: name.slice(dot) };
}

/**
 * A safe single path component: no directory part, no NUL/control characters, no
 * leading dots or spaces, no trailing dots or spaces, no `..`, at most MAX_NAME_BYTES
 * (the extension is kept when cutting). Never empty.
 */
export function sanitiseName(raw: string, fallback = FALLBACK_NAME): string {
  const last = raw.split(/[/\\]/).pop() ?? '';
  let name = last.normalize('NFC').replace(BAD_CHARS_RE, '_');
  name = name
    .replace(/\.{2,}/g, '.')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (name === '') name = fallback;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    const { base, ext } = splitExt(name);
    name = cutUtf8(base, MAX_NAME_BYTES - Buffer.byteLength(ext)).trimEnd() + ext;
  }
  return name;
}

/** `name (n).ext` for n ≥ 1, `name` for n = 0. */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const { base, ext } = splitExt(name);
  const suffix = ` (${n})`;
  return cutUtf8(base, MAX_NAME_BYTES - Buffer.byteLength(suffix + ext)) + suffix + ext;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Moves `from` into `dir` under `name` or the first free numbered variant, and returns
 * the path used. A hard link fails atomically when the target exists, so a file that
 * appears concurrently is never replaced; where links are not supported (EPERM/ENOTSUP/
 * EXDEV) it falls back to an existence check followed by rename.
 */
export async function placeNoClobber(
  from: string,
  dir: string,
  name: string,
  maxAttempts = MAX_NAME_ATTEMPTS,
): Promise<string> {
  for (let n = 0; n < maxAttempts; n++) {
    const target = join(dir, numberedName(name, n));
    try {
      await link(from, target);
      await unlink(from);
      return target;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') {
        throw new TransferError('E_IO', `cannot place ${target}: ${(e as Error).message}`, { cause: e });
      }
      if (await exists(target)) continue;
      await rename(from, target);
      return target;
    }
  }
  throw new TransferError('E_NO_FREE_NAME', `no free name for ${name} after ${maxAttempts} attempts`);
}
