import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openServable, verifyServable, type SharedFile } from '../../src/share/index.js';
import { open, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

async function single(
  relPath: string,
  content = 'payload',
): Promise<{ lib: Awaited<ReturnType<typeof open>>; f: SharedFile; p: string }> {
  const p = await sb.write(relPath, content);
  const lib = await open(sb);
  const f = lib.files().find((x) => x.relPath === relPath) as SharedFile;
  return { lib, f, p };
}

describe('verifyServable', () => {
  it('accepts an unchanged file and gives its size; openServable hands over a readable handle', async () => {
    const { lib, f } = await single('ok.txt', 'twelve bytes');
    expect(await verifyServable(f)).toEqual({
      ok: true,
      size: 12,
      dev: expect.any(Number),
      ino: expect.any(Number),
    });
    const r = await openServable(f);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect((await r.handle.readFile()).toString()).toBe('twelve bytes');
      await r.handle.close();
    }
    await lib.close();
  });

  it('rejects a file replaced by a symlink to outside, and the library drops it', async () => {
    const { lib, f, p } = await single('song.mp3');
    const secret = await sb.write('secret', 'do not serve', sb.outside);
    await rm(p);
    await symlink(secret, p);
    const r = await verifyServable(f);
    expect(r.ok).toBe(false);
    await lib.whenHashed(); // lets the triggered rescan finish
    expect(lib.byIndex(f.index)).toBeUndefined();
    await lib.close();
  });

  it('rejects a file whose directory was replaced by a symlink to outside', async () => {
    const { lib, f } = await single('dir/song.mp3', 'same');
    await sb.write('song.mp3', 'same', sb.outside); // same name, size
    await rename(join(sb.root, 'dir'), join(sb.root, 'moved'));
    await symlink(sb.outside, join(sb.root, 'dir'));
    expect(await verifyServable(f)).toMatchObject({ ok: false, reason: 'path now leads elsewhere' });
    await lib.close();
  });

  it('rejects a removed file', async () => {
    const { lib, f, p } = await single('gone.txt');
    await rm(p);
    expect(await verifyServable(f)).toEqual({ ok: false, reason: 'missing' });
    await lib.whenHashed();
    expect(lib.totals().files).toBe(0);
    await lib.close();
  });

  it('rejects a changed file and triggers its rescan', async () => {
    const { lib, f, p } = await single('doc.txt', 'v1');
    await writeFile(p, 'version 2');
    expect(await verifyServable(f)).toMatchObject({ ok: false });
    await lib.whenHashed();
    const now = lib.byIndex(f.index);
    expect(now?.size).toBe(9);
    expect(now?.urn).toMatch(/^urn:sha1:/);
    expect(await verifyServable(now as SharedFile)).toEqual({
      ok: true,
      size: 9,
      dev: expect.any(Number),
      ino: expect.any(Number),
    });
    await lib.close();
  });

  it('rejects a file replaced by another inode of the same size and mtime', async () => {
    const { utimes } = await import('node:fs/promises');
    const p = await sb.write('same.txt', 'aaaa');
    await utimes(p, 1_000_000, 1_000_000);
    const lib = await open(sb);
    await lib.whenHashed();
    const f = lib.files()[0] as SharedFile;
    // an "atomic save": new content written aside, then renamed over the shared file
    const tmp = join(sb.root, '.same.txt.tmp');
    await writeFile(tmp, 'bbbb');
    await utimes(tmp, 1_000_000, 1_000_000);
    await rename(tmp, p);
    expect(await verifyServable(f)).toMatchObject({ ok: false, reason: 'replaced by another file' });
    await lib.close();
  });

  it('rejects objects the library does not (or no longer) share', async () => {
    const { lib, f } = await single('x.txt');
    const forged: SharedFile = { ...f, path: '/etc/passwd', root: '/etc', relPath: 'passwd' };
    expect(await verifyServable(forged)).toEqual({ ok: false, reason: 'not shared' });
    await lib.close();
    expect(await verifyServable(f)).toEqual({ ok: false, reason: 'not shared' });
  });

  it('accepts an object that was superseded only by hashing (same content)', async () => {
    const { lib, f } = await single('h.txt', 'hash me');
    expect(f.urn).toBeUndefined();
    await lib.whenHashed();
    expect(lib.byIndex(f.index)?.urn).toBeDefined();
    expect(await verifyServable(f)).toEqual({
      ok: true,
      size: 7,
      dev: expect.any(Number),
      ino: expect.any(Number),
    });
    await lib.close();
  });

  it('byIndex/byUrn never return a path outside the roots', async () => {
    await mkdir(join(sb.root, 'in'));
    await sb.write('out.txt', 'o', sb.outside);
    await symlink(join(sb.outside, 'out.txt'), join(sb.root, 'in', 'link.txt'));
    await sb.write('in/real.txt', 'r');
    const lib = await open(sb);
    await lib.whenHashed();
    for (let i = 0; i < 10; i++) {
      const f = lib.byIndex(i);
      if (f !== undefined) expect(f.path.startsWith(sb.root + '/')).toBe(true);
    }
    expect(await readFile(join(sb.root, 'in', 'link.txt'), 'utf8')).toBe('o'); // the link itself works
    expect(lib.totals().files).toBe(1);
    await lib.close();
  });
});
