import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSystemClock, ManualClock } from '../../src/core/clock.js';
import {
  DirWatcher,
  MAX_BATCH_WAIT_MS,
  MAX_NAMES_PER_DIR,
  type WatchBatch,
} from '../../src/share/watcher.js';
import { silentLogger } from '../../src/core/log.js';
import { names, open, recorder, sandbox, waitFor, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const rel = (fs: readonly { relPath: string }[]): string[] => fs.map((f) => f.relPath).sort();

describe('rescan', () => {
  it('notices added, changed and removed files', async () => {
    const keep = await sb.write('keep.txt', 'k');
    const edit = await sb.write('edit.txt', 'e');
    const gone = await sb.write('gone.txt', 'g');
    const lib = await open(sb);
    await lib.whenHashed();
    const before = new Map(lib.files().map((f) => [f.relPath, f]));
    const evs = recorder(lib);

    await sb.write('new/song.mp3', 'new');
    await writeFile(edit, 'edited, longer');
    await rm(gone);
    await lib.rescan();

    expect(evs).toHaveLength(1);
    expect(rel(evs[0]?.added ?? [])).toEqual(['new/song.mp3']);
    expect(rel(evs[0]?.removed ?? [])).toEqual(['gone.txt']);
    expect(rel(evs[0]?.changed ?? [])).toEqual(['edit.txt']);
    // searchable at once, hashed later
    expect(lib.match({ text: 'song', urns: [] })[0]?.urn).toBeUndefined();
    const edited = lib.byIndex(before.get('edit.txt')?.index as number);
    expect(edited?.size).toBe(14);
    expect(edited?.urn).toBeUndefined(); // old urn no longer valid
    expect(lib.byUrn(before.get('edit.txt')?.urn as string)).toBeUndefined();
    expect(lib.byIndex(before.get('gone.txt')?.index as number)).toBeUndefined();
    expect(lib.match({ text: 'gone', urns: [] })).toEqual([]);
    expect(lib.byIndex(before.get('keep.txt')?.index as number)?.path).toBe(keep);

    await lib.whenHashed();
    expect(lib.totals()).toMatchObject({ files: 3, hashed: 3 });
    expect(lib.byIndex(before.get('edit.txt')?.index as number)?.urn).toMatch(/^urn:sha1:/);
    await lib.close();
  });

  it('a renamed file is a removal plus an addition with a new index', async () => {
    const a = await sb.write('a.txt', 'a');
    await sb.write('b.txt', 'b');
    const lib = await open(sb);
    const old = lib.files().find((f) => f.name === 'a.txt');
    await rename(a, join(sb.root, 'c.txt'));
    await lib.rescan();
    const c = lib.files().find((f) => f.name === 'c.txt');
    expect(c).toBeDefined();
    expect(c?.index).not.toBe(old?.index);
    expect(lib.byIndex(old?.index as number)).toBeUndefined();
    await lib.close();
  });

  it('drops a whole removed directory, a file turned hidden, and a file replaced by an outside symlink', async () => {
    await sb.write('dir/x.txt', 'x');
    await sb.write('dir/sub/y.txt', 'y');
    const h = await sb.write('soon-hidden.txt', 'h');
    const s = await sb.write('swapped.txt', 's');
    await sb.write('stay.txt', 'stay');
    const secret = await sb.write('secret.txt', 'secret', sb.outside);
    const lib = await open(sb);
    expect(lib.files()).toHaveLength(5);
    await rm(join(sb.root, 'dir'), { recursive: true });
    await rename(h, join(sb.root, '.soon-hidden.txt'));
    await rm(s);
    await symlink(secret, s);
    await lib.rescan();
    expect(names(lib.files())).toEqual(['stay.txt']);
    await lib.close();
  });

  it('runs periodic rescans when watching is off and an interval is set', async () => {
    const clock = new ManualClock();
    const lib = await open(sb, { clock, rescanIntervalMs: 10_000 });
    await sb.write('later.txt', 'l');
    clock.advance(9_999);
    await lib.whenHashed();
    expect(lib.files()).toHaveLength(0);
    clock.advance(1);
    await lib.whenHashed();
    expect(names(lib.files())).toEqual(['later.txt']);
    await lib.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('watching', () => {
  it('notices files added, changed and removed while running, in new folders too', async () => {
    await sb.write('a.txt', 'a');
    const lib = await open(sb, { clock: createSystemClock(), watch: true, debounceMs: 30 });
    try {
      const has = (relPath: string): boolean => lib.files().some((f) => f.relPath === relPath);
      await sb.write('b.txt', 'b');
      expect(await waitFor(() => has('b.txt'))).toBe(true);

      await mkdir(join(sb.root, 'fresh'));
      await sb.write('fresh/c.txt', 'c');
      expect(await waitFor(() => has('fresh/c.txt'))).toBe(true);
      // the new folder is watched from now on
      await sb.write('fresh/d.txt', 'd');
      expect(await waitFor(() => has('fresh/d.txt'))).toBe(true);

      const idx = lib.files().find((f) => f.relPath === 'a.txt')?.index as number;
      await writeFile(join(sb.root, 'a.txt'), 'a changed');
      expect(await waitFor(() => lib.byIndex(idx)?.size === 9)).toBe(true);

      await rm(join(sb.root, 'fresh'), { recursive: true });
      expect(await waitFor(() => !has('fresh/c.txt') && !has('fresh/d.txt'))).toBe(true);
      await rm(join(sb.root, 'b.txt'));
      expect(await waitFor(() => !has('b.txt'))).toBe(true);
      await lib.whenHashed();
      expect(lib.totals()).toMatchObject({ files: 1, hashed: 1 });
    } finally {
      await lib.close();
    }
  });

  it('falls back to periodic rescans when there are more folders than allowed watches', async () => {
    await sb.write('one/a.txt', 'a');
    await sb.write('two/b.txt', 'b');
    const clock = new ManualClock();
    const lib = await open(sb, { clock, watch: true, maxWatches: 1, rescanIntervalMs: 60_000 });
    await sb.write('two/late.txt', 'late');
    clock.advance(60_000);
    await lib.whenHashed();
    expect(lib.files().some((f) => f.relPath === 'two/late.txt')).toBe(true);
    await lib.close();
  });

  it('notices a root that was removed and comes back (periodic rescans while it is missing)', async () => {
    await sb.write('a.txt', 'a');
    const clock = new ManualClock();
    const lib = await open(sb, { clock, watch: true, rescanIntervalMs: 60_000 });
    await rm(sb.root, { recursive: true });
    await lib.rescan();
    expect(lib.totals().files).toBe(0);
    // let the removal's own events arrive and be handled, so only the periodic rescan is left
    await waitFor(() => false, 100);
    clock.advance(1_000);
    await lib.whenHashed();
    await sb.write('b.txt', 'b');
    clock.advance(58_000); // t = 59 s: the periodic rescan (started at t = 0) is not due
    await lib.whenHashed();
    expect(lib.totals().files).toBe(0);
    clock.advance(1_000);
    await lib.whenHashed();
    expect(names(lib.files())).toEqual(['b.txt']);
    await lib.close();
  });
});

describe('DirWatcher batching', () => {
  function make(debounceMs = 100): { w: DirWatcher; clock: ManualClock; batches: WatchBatch[] } {
    const clock = new ManualClock();
    const batches: WatchBatch[] = [];
    const w = new DirWatcher({
      clock,
      log: silentLogger,
      maxWatches: 10,
      debounceMs,
      onBatch: (b) => batches.push(b),
    });
    return { w, clock, batches };
  }

  it('waits for a quiet period, merges names, ignores hidden names', () => {
    const { w, clock, batches } = make();
    w.note('/r', 'a.txt');
    clock.advance(60);
    w.note('/r', 'b.txt');
    w.note('/r', '.a.txt.swp');
    w.note('/r/sub', undefined);
    clock.advance(99);
    expect(batches).toHaveLength(0);
    clock.advance(1);
    expect(batches).toHaveLength(1);
    expect([...(batches[0]?.get('/r') ?? [])]).toEqual(['a.txt', 'b.txt']);
    expect(batches[0]?.get('/r/sub')).toBeNull();
    w.note('/r', '.only-hidden');
    clock.advance(1_000);
    expect(batches).toHaveLength(1);
  });

  it('turns too many names into a whole-directory rescan', () => {
    const { w, clock, batches } = make();
    for (let i = 0; i <= MAX_NAMES_PER_DIR; i++) w.note('/r', `f${i}`);
    clock.advance(100);
    expect(batches[0]?.get('/r')).toBeNull();
  });

  it('delivers a batch within MAX_BATCH_WAIT_MS even if events never stop', () => {
    const { w, clock, batches } = make();
    for (let t = 0; t < MAX_BATCH_WAIT_MS; t += 50) {
      w.note('/r', 'growing.bin');
      clock.advance(50);
    }
    expect(batches.length).toBeGreaterThanOrEqual(1);
    w.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
