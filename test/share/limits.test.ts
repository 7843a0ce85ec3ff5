import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/log.js';
import { HashCache, HASH_CACHE_FILE } from '../../src/share/hash-cache.js';
import { SHARE_DEFAULTS } from '../../src/share/index.js';
import { open, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

function capturingLogger(): { log: Logger; warns: string[] } {
  const warns: string[] = [];
  const noop = (): void => {};
  const log: Logger = {
    trace: noop,
    debug: noop,
    info: noop,
    warn: (_o, msg) => warns.push(msg ?? ''),
    error: noop,
    child: () => log,
  };
  return { log, warns };
}

describe('limits', () => {
  it('has the documented defaults', () => {
    expect(SHARE_DEFAULTS).toMatchObject({
      maxFiles: 100_000,
      maxDepth: 32,
      maxDirs: 50_000,
      hashConcurrency: 2,
    });
  });

  it('maxFiles: shares the first files in walk order, warns once, refuses more on rescan', async () => {
    for (let i = 0; i < 8; i++) await sb.write(`d${i % 2}/f${i}.txt`, `${i}`);
    const { log, warns } = capturingLogger();
    const lib = await open(sb, { maxFiles: 5, log });
    expect(lib.totals().files).toBe(5);
    expect(lib.files().map((f) => f.relPath)).toEqual([
      'd0/f0.txt',
      'd0/f2.txt',
      'd0/f4.txt',
      'd0/f6.txt',
      'd1/f1.txt',
    ]);
    await sb.write('a-first.txt', 'new');
    await lib.rescan();
    // files already shared keep their place; the newcomer is refused
    expect(lib.files().map((f) => f.relPath)).toContain('d1/f1.txt');
    expect(lib.match({ text: 'first', urns: [] })).toEqual([]);
    expect(lib.totals().files).toBe(5);
    await lib.whenHashed();
    expect(lib.totals()).toMatchObject({ files: 5, hashed: 5 });
    expect(warns.filter((w) => w.includes('share limit'))).toHaveLength(1);
    await lib.close();
  });

  it('maxDepth: folders deeper than the limit are not entered', async () => {
    await sb.write('l1/top.txt', 't');
    await sb.write('l1/l2/mid.txt', 'm');
    await sb.write('l1/l2/l3/deep.txt', 'd');
    const lib = await open(sb, { maxDepth: 2 });
    expect(
      lib
        .files()
        .map((f) => f.relPath)
        .sort(),
    ).toEqual(['l1/l2/mid.txt', 'l1/top.txt']);
    await lib.close();
  });

  it('maxDepth: a file appearing too deep is not added by a path rescan either', async () => {
    await mkdir(join(sb.root, 'a/b/c'), { recursive: true });
    const lib = await open(sb, { maxDepth: 2 });
    await sb.write('a/b/c/deep.txt', 'd');
    await sb.write('a/b/ok.txt', 'o');
    await lib.rescan();
    expect(lib.files().map((f) => f.relPath)).toEqual(['a/b/ok.txt']);
    await lib.close();
  });

  it('maxDirs: stops reading folders past the limit', async () => {
    for (let i = 0; i < 6; i++) await sb.write(`dir${i}/f.txt`, `${i}`);
    const { log, warns } = capturingLogger();
    const lib = await open(sb, { maxDirs: 3, log });
    // the root and the first two folders
    expect(lib.files().map((f) => f.relPath)).toEqual(['dir0/f.txt', 'dir1/f.txt']);
    expect(warns.some((w) => w.includes('share limit'))).toBe(true);
    await lib.close();
  });

  it('rejects nonsensical option values with a coded error', async () => {
    await expect(open(sb, { maxFiles: 0 })).rejects.toMatchObject({ code: 'SHARE_BAD_OPTION' });
    await expect(open(sb, { hashConcurrency: 1.5 })).rejects.toMatchObject({ code: 'SHARE_BAD_OPTION' });
  });
});

describe('hash cache bounds', () => {
  it('ignores a cache file larger than its byte cap', async () => {
    const file = join(sb.data, HASH_CACHE_FILE);
    await writeFile(
      file,
      JSON.stringify({ version: 1, nextIndex: 9, entries: { '/x': { index: 8, size: 1, mtimeMs: 1 } } }),
    );
    const { log, warns } = capturingLogger();
    const small = new HashCache(sb.data, log, 10, 16);
    await small.load();
    expect(small.size).toBe(0);
    expect(warns).toEqual(['hash cache too large, ignored']);
    const big = new HashCache(sb.data, log, 10);
    await big.load();
    expect(big.size).toBe(1);
    expect(big.indexFor('/x')).toBe(8);
    expect(big.indexFor('/y')).toBe(9);
  });

  it('keeps at most maxEntries, dropping the least recently touched absent paths first', () => {
    const { log } = capturingLogger();
    const c = new HashCache(sb.data, log, 3);
    for (const p of ['/a', '/b', '/c', '/d', '/e'])
      c.set(p, { index: c.indexFor(p), size: 1, mtimeMs: 1, ino: 1, ctimeMs: 1, urn: undefined });
    c.prune(new Set(['/a', '/e']));
    expect(c.size).toBe(3);
    expect(c.indexFor('/a')).toBe(1); // present: kept
    expect(c.indexFor('/d')).toBe(4); // most recent absent: kept
    expect(c.indexFor('/b')).toBe(6); // dropped: a fresh index, never 2 again
  });
});
