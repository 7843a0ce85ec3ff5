import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { openShareLibrary } from '../../src/share/index.js';
import type { ShareChange, ShareLibrary, ShareLibraryOptions } from '../../src/share/index.js';
import { sha1File } from '../../src/share/sha1.js';

export interface Sandbox {
  /** the share root */
  readonly root: string;
  /** the data dir (outside the root) */
  readonly data: string;
  /** a directory outside both */
  readonly outside: string;
  readonly base: string;
  write(rel: string, content: string | Buffer, under?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function sandbox(): Promise<Sandbox> {
  const base = await mkdtemp(join(tmpdir(), 'servent-share-'));
  const root = join(base, 'share');
  const data = join(base, 'data');
  const outside = join(base, 'outside');
  await Promise.all([mkdir(root), mkdir(data), mkdir(outside)]);
  return {
    root,
    data,
    outside,
    base,
    async write(rel, content, under = root) {
      const p = join(under, rel);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content);
      return p;
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/** A hasher that counts its calls (and can be told to fail for some paths). */
export function countingHasher(fail: (p: string) => boolean = () => false) {
  const calls: string[] = [];
  return {
    calls,
    hasher: async (p: string): Promise<Buffer> => {
      calls.push(p);
      if (fail(p)) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return sha1File(p);
    },
  };
}

export function open(sb: Sandbox, over: Partial<ShareLibraryOptions> = {}): Promise<ShareLibrary> {
  return openShareLibrary({
    roots: [sb.root],
    dataDir: sb.data,
    log: silentLogger,
    clock: new ManualClock(),
    watch: false,
    ...over,
  });
}

export function sha1Hex(content: string | Buffer): string {
  return createHash('sha1').update(content).digest('hex');
}

export function names(files: readonly { relPath: string }[]): string[] {
  return files.map((f) => f.relPath).sort();
}

/** Collects change events. */
export function recorder(lib: ShareLibrary): ShareChange[] {
  const evs: ShareChange[] = [];
  lib.onChange((e) => evs.push(e));
  return evs;
}

/** Polls `cond` every 20 ms until true or `ms` elapsed (for real file-system events only). */
export async function waitFor(cond: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}
