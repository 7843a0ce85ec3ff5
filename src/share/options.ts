/** Share roots and limits: validation and documented defaults (see docs/LIMITS.md). */
import { mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { ShareLibraryOptions } from './types.js';
import { isSpecialPath } from './walk.js';

export const SHARE_DEFAULTS = {
  maxFiles: 100_000,
  maxDepth: 32,
  maxDirs: 50_000,
  maxWatches: 8_192,
  hashConcurrency: 2,
  debounceMs: 300,
  /** used only when watching is off, failed or capped */
  rescanIntervalMs: 300_000,
} as const;

export interface ShareLimits {
  readonly maxFiles: number;
  readonly maxDepth: number;
  readonly maxDirs: number;
  readonly maxWatches: number;
  readonly hashConcurrency: number;
  readonly debounceMs: number;
  readonly rescanIntervalMs: number;
  readonly watch: boolean;
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min)
    throw new ConfigError('SHARE_BAD_OPTION', `${name} must be an integer ≥ ${min}`);
  return v;
}

export function resolveLimits(o: ShareLibraryOptions): ShareLimits {
  return {
    maxFiles: positiveInt('maxFiles', o.maxFiles, SHARE_DEFAULTS.maxFiles),
    maxDepth: positiveInt('maxDepth', o.maxDepth, SHARE_DEFAULTS.maxDepth, 0),
    maxDirs: positiveInt('maxDirs', o.maxDirs, SHARE_DEFAULTS.maxDirs),
    maxWatches: positiveInt('maxWatches', o.maxWatches, SHARE_DEFAULTS.maxWatches, 0),
    hashConcurrency: positiveInt('hashConcurrency', o.hashConcurrency, SHARE_DEFAULTS.hashConcurrency),
    debounceMs: positiveInt('debounceMs', o.debounceMs, SHARE_DEFAULTS.debounceMs, 0),
    rescanIntervalMs: positiveInt('rescanIntervalMs', o.rescanIntervalMs, SHARE_DEFAULTS.rescanIntervalMs, 0),
    watch: o.watch ?? true,
  };
}

/**
 * Real paths of the roots, in order, without duplicates. A root must exist and be a
 * directory, and may not be a pseudo file system (/proc, /sys, /dev).
 */
export async function resolveRoots(roots: readonly string[]): Promise<string[]> {
  if (roots.length === 0) throw new ConfigError('SHARE_NO_ROOT', 'no share folder given');
  const out: string[] = [];
  for (const r of roots) {
    let real: string;
    try {
      real = await realpath(r);
    } catch {
      throw new ConfigError('SHARE_ROOT_MISSING', `share folder does not exist: ${r}`);
    }
    if (!(await stat(real)).isDirectory())
      throw new ConfigError('SHARE_ROOT_NOT_DIR', `share folder is not a directory: ${r}`);
    if (isSpecialPath(real) || real === '/')
      throw new ConfigError('SHARE_ROOT_SPECIAL', `refusing to share a system folder: ${r}`);
    if (!out.includes(real)) out.push(real);
  }
  return out;
}

const README = `Files in this folder are shared by servent.

Anyone on the overlay can search for them by the words of their names (and of the
folders they sit in) and download them. Hidden files (names starting with a dot) are
not shared. To share other folders instead, start servent with --share DIR (repeatable).
`;

/** `<dataDir>/share`, created with a short README.txt when missing; returns its path. */
export async function ensureDefaultShare(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'share');
  const existed = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!existed) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'README.txt'), README, { flag: 'wx' }).catch(() => undefined);
  }
  return dir;
}
