/**
 * Directory walk of one share root. Invariants of what it reports:
 * - every file is a regular file (lstat) whose real path lies inside the root's real path;
 * - no component of its path relative to the root starts with '.' (hidden);
 * - symlinks are never followed: a symlink whose target stays inside the root adds
 *   nothing, because that target is reached at its real location anyway; one leading
 *   outside (or dangling, or looping) is counted and skipped. So loops cannot hang the
 *   walk and nothing outside a root is ever indexed;
 * - pseudo file systems (/proc, /sys, /dev) and excluded directories (the data dir) are
 *   never entered; depth, directory and file counts are bounded.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface FoundFile {
  readonly path: string;
  readonly relPath: string;
  readonly root: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly dev: number;
  readonly ino: number;
  readonly ctimeMs: number;
}

export interface WalkStats {
  hidden: number;
  symlinksInside: number;
  symlinksOutside: number;
  special: number;
  badNames: number;
  tooDeep: number;
  errors: number;
}

export interface WalkResult {
  readonly files: FoundFile[];
  /** real paths of the directories read, in walk order (what the watcher watches) */
  readonly dirs: string[];
  readonly stats: WalkStats;
  /** a file or directory budget ran out: some files were left out */
  readonly truncated: boolean;
}

export interface WalkOptions {
  /** real path of the share root */
  readonly root: string;
  /** real path of the directory to walk (the root or a directory below it) */
  readonly start: string;
  readonly maxDepth: number;
  /** new files that may still be reported */
  readonly fileBudget: number;
  /** files already shared: reported even past the budget, so that a full share keeps its files */
  readonly known?: (path: string) => boolean;
  /** directories that may still be read */
  readonly dirBudget: number;
  /** real paths never entered (the servent's data dir) */
  readonly exclude: ReadonlySet<string>;
}

/** Pseudo file systems whose "files" are not files: never entered, never shared. */
const SPECIAL_DIRS = ['/proc', '/sys', '/dev'];
/** lstat calls in flight per directory */
const STAT_BATCH = 64;
// C0 controls and DEL cannot travel in a NUL-terminated QueryHit name or an HTTP header.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function isSpecialPath(p: string): boolean {
  return SPECIAL_DIRS.some((d) => p === d || p.startsWith(d + sep));
}

export function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * True when `p` is (under) an excluded directory that lies strictly inside `root`: the
 * data dir is skipped when a root contains it, but a root inside the data dir (the
 * default `<dataDir>/share`) is shared.
 */
export function isExcluded(root: string, exclude: ReadonlySet<string>, p: string): boolean {
  for (const e of exclude) if (e !== root && isInside(root, e) && isInside(e, p)) return true;
  return false;
}

/** Path relative to the root with '/' separators. */
export function relPathOf(root: string, p: string): string {
  return relative(root, p).split(sep).join('/');
}

export function isHiddenRelPath(relPath: string): boolean {
  return relPath.split('/').some((c) => c.startsWith('.'));
}

/** A name usable in hits and URLs: valid UTF-8 (round-trips), no control characters. */
function decodeName(raw: Buffer): string | undefined {
  const name = raw.toString('utf8');
  return Buffer.from(name, 'utf8').equals(raw) && isUsableName(name) ? name : undefined;
}

/** No control characters, no U+FFFD (what a name that is not UTF-8 decodes to). */
export function isUsableName(name: string): boolean {
  return !CONTROL_RE.test(name) && !name.includes('\uFFFD');
}

export function emptyStats(): WalkStats {
  return { hidden: 0, symlinksInside: 0, symlinksOutside: 0, special: 0, badNames: 0, tooDeep: 0, errors: 0 };
}

export async function walkTree(opts: WalkOptions): Promise<WalkResult> {
  const { root, maxDepth, exclude } = opts;
  const files: FoundFile[] = [];
  const dirs: string[] = [];
  const stats = emptyStats();
  let truncated = false;
  const startRel = relPathOf(root, opts.start);
  const startDepth = startRel === '' ? 0 : startRel.split('/').length;
  if (!isInside(root, opts.start) || isHiddenRelPath(startRel)) return { files, dirs, stats, truncated };
  if (startDepth > maxDepth || isExcluded(root, exclude, opts.start) || isSpecialPath(opts.start)) {
    stats.tooDeep += startDepth > maxDepth ? 1 : 0;
    return { files, dirs, stats, truncated };
  }
  // Depth-first with an explicit stack; children pushed in reverse so names come out sorted.
  const stack: { dir: string; depth: number }[] = [{ dir: opts.start, depth: startDepth }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop() as { dir: string; depth: number };
    if (dirs.length >= opts.dirBudget) {
      truncated = true;
      break;
    }
    // The directory may have been swapped for a symlink since its parent was read.
    let real: string;
    try {
      real = await realpath(dir);
    } catch {
      stats.errors++;
      continue;
    }
    if (real !== dir || !isInside(root, real)) {
      stats.symlinksOutside++;
      continue;
    }
    let entries: Dirent<Buffer>[];
    try {
      entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      stats.errors++;
      continue;
    }
    dirs.push(dir);
    const named: { name: string; ent: Dirent<Buffer> }[] = [];
    for (const ent of entries) {
      const name = decodeName(ent.name);
      if (name === undefined) {
        stats.badNames++;
        continue;
      }
      if (name.startsWith('.')) {
        stats.hidden++;
        continue;
      }
      named.push({ name, ent });
    }
    named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    const candidates: string[] = [];
    const links: string[] = [];
    for (const { name, ent } of named) {
      const p = join(dir, name);
      if (ent.isDirectory()) subdirs.push(p);
      else if (ent.isFile()) candidates.push(p);
      else if (ent.isSymbolicLink()) links.push(p);
      else if (ent.isFIFO() || ent.isSocket() || ent.isBlockDevice() || ent.isCharacterDevice())
        stats.special++;
      else candidates.push(p); // DT_UNKNOWN: lstat decides
    }
    for (let i = 0; i < candidates.length; i += STAT_BATCH) {
      const batch = candidates.slice(i, i + STAT_BATCH);
      const sts = await Promise.all(batch.map((p) => lstat(p).catch(() => undefined)));
      for (let j = 0; j < batch.length; j++) {
        const st = sts[j];
        const p = batch[j] as string;
        if (st === undefined) stats.errors++;
        else if (st.isDirectory()) subdirs.push(p);
        else if (!st.isFile()) {
          if (st.isSymbolicLink()) links.push(p);
          else stats.special++;
        } else if (files.length >= opts.fileBudget && opts.known?.(p) !== true) truncated = true;
        else
          files.push({
            path: p,
            relPath: relPathOf(root, p),
            root,
            size: st.size,
            mtimeMs: st.mtimeMs,
            dev: st.dev,
            ino: st.ino,
            ctimeMs: st.ctimeMs,
          });
      }
    }
    for (const l of links) {
      const target = await realpath(l).catch(() => undefined);
      if (target !== undefined && isInside(root, target) && !isHiddenRelPath(relPathOf(root, target)))
        stats.symlinksInside++;
      else stats.symlinksOutside++;
    }
    subdirs.sort();
    for (let i = subdirs.length - 1; i >= 0; i--) {
      const d = subdirs[i] as string;
      if (isExcluded(root, exclude, d) || isSpecialPath(d)) stats.special++;
      else if (depth + 1 > maxDepth) stats.tooDeep++;
      else stack.push({ dir: d, depth: depth + 1 });
    }
  }
  if (stack.length > 0) truncated = true;
  return { files, dirs, stats, truncated };
}
