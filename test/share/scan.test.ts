import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { ensureDefaultShare } from '../../src/share/index.js';
import { walkTree } from '../../src/share/walk.js';
import { names, open, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe('scan', () => {
  it('finds regular files recursively, with paths relative to the root', async () => {
    await sb.write('a.mp3', 'aaa');
    await sb.write('music/jazz/b.ogg', 'bb');
    await sb.write('docs/c.txt', 'c');
    const lib = await open(sb);
    expect(names(lib.files())).toEqual(['a.mp3', 'docs/c.txt', 'music/jazz/b.ogg']);
    const b = lib.files().find((f) => f.name === 'b.ogg');
    expect(b).toMatchObject({ size: 2, relPath: 'music/jazz/b.ogg', root: sb.root, urn: undefined });
    expect(b?.path).toBe(join(sb.root, 'music/jazz/b.ogg'));
    expect(lib.totals()).toEqual({ files: 3, bytes: 6, hashed: 0 });
    await lib.close();
  });

  it('skips hidden files and everything under hidden folders', async () => {
    await sb.write('.secret', 'x');
    await sb.write('.git/config', 'x');
    await sb.write('dir/.hidden.mp3', 'x');
    await sb.write('dir/.cache/deep/file.txt', 'x');
    await sb.write('dir/visible.txt', 'x');
    const lib = await open(sb);
    expect(names(lib.files())).toEqual(['dir/visible.txt']);
    await lib.close();
  });

  it('skips a file symlink leading outside the root', async () => {
    const secret = await sb.write('passwd', 'root:x:0:0', sb.outside);
    await symlink(secret, join(sb.root, 'innocent.txt'));
    await symlink('../outside/passwd', join(sb.root, 'relative.txt'));
    await sb.write('ok.txt', 'ok');
    const lib = await open(sb);
    expect(names(lib.files())).toEqual(['ok.txt']);
    expect(lib.match({ text: 'innocent', urns: [] })).toEqual([]);
    await lib.close();
  });

  it('skips a directory symlink leading outside the root', async () => {
    await sb.write('etc/shadow', 'secret', sb.outside);
    await symlink(sb.outside, join(sb.root, 'linked'));
    await symlink(sb.base, join(sb.root, 'up'));
    await sb.write('mine.txt', 'm');
    const lib = await open(sb);
    expect(names(lib.files())).toEqual(['mine.txt']);
    await lib.close();
  });

  it('indexes a symlink target inside the root once, at its real location', async () => {
    const real = await sb.write('albums/song.mp3', 'la la');
    await symlink(real, join(sb.root, 'favourite.mp3'));
    await symlink(join(sb.root, 'albums'), join(sb.root, 'alias'));
    const lib = await open(sb);
    expect(names(lib.files())).toEqual(['albums/song.mp3']);
    await lib.close();
  });

  it('does not hang on symlink loops', async () => {
    await mkdir(join(sb.root, 'a/b'), { recursive: true });
    await symlink(join(sb.root, 'a'), join(sb.root, 'a/b/loop'));
    await symlink('self', join(sb.root, 'self'));
    await symlink('ping', join(sb.root, 'pong'));
    await symlink('pong', join(sb.root, 'ping'));
    await sb.write('a/b/f.txt', 'f');
    const res = await walkTree({
      root: sb.root,
      start: sb.root,
      maxDepth: 32,
      fileBudget: 100,
      dirBudget: 100,
      exclude: new Set(),
    });
    expect(res.files.map((f) => f.relPath)).toEqual(['a/b/f.txt']);
    expect(res.stats.symlinksInside).toBe(1); // a/b/loop → a, which is inside
    expect(res.stats.symlinksOutside).toBe(3); // self, ping, pong do not resolve
  });

  it('skips FIFOs and other non-regular files', async () => {
    execFileSync('mkfifo', [join(sb.root, 'pipe.mp3')]);
    await sb.write('real.mp3', 'r');
    const lib = await open(sb);
    expect(names(lib.files())).toEqual(['real.mp3']);
    await lib.close();
  });

  it('skips names that are not UTF-8 or contain control characters', async () => {
    await writeFile(
      Buffer.concat([Buffer.from(sb.root + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]),
      'x',
    );
    await sb.write('line\nbreak.txt', 'x');
    await sb.write('good é.txt', 'x');
    const lib = await open(sb);
    expect(names(lib.files())).toEqual(['good é.txt']);
    await lib.close();
  });

  it('never shares the data dir, even inside a root', async () => {
    await sb.write('song.mp3', 's');
    const data = join(sb.root, 'servent-data');
    await sb.write('servent-data/incomplete/part.mp3', 'p');
    const lib = await open(sb, { dataDir: data });
    expect(names(lib.files())).toEqual(['song.mp3']);
    await lib.close();
  });

  it('shares several roots and dedupes a root given twice', async () => {
    const other = join(sb.base, 'other');
    await sb.write('x.txt', 'x', other);
    await sb.write('y.txt', 'y');
    const lib = await open(sb, { roots: [sb.root, other, sb.root + '/'] });
    expect(lib.files().map((f) => [f.root, f.relPath])).toEqual([
      [sb.root, 'y.txt'],
      [other, 'x.txt'],
    ]);
    await lib.close();
  });

  it('refuses missing roots, non-directories and system folders with coded errors', async () => {
    const file = await sb.write('f.txt', 'f');
    await expect(open(sb, { roots: [join(sb.base, 'nope')] })).rejects.toMatchObject({
      code: 'SHARE_ROOT_MISSING',
    });
    await expect(open(sb, { roots: [file] })).rejects.toMatchObject({ code: 'SHARE_ROOT_NOT_DIR' });
    await expect(open(sb, { roots: ['/proc'] })).rejects.toBeInstanceOf(ConfigError);
    await expect(open(sb, { roots: ['/proc/self'] })).rejects.toMatchObject({ code: 'SHARE_ROOT_SPECIAL' });
    await expect(open(sb, { roots: [] })).rejects.toMatchObject({ code: 'SHARE_NO_ROOT' });
  });

  it('a root that is itself a symlink is shared under its real path', async () => {
    await sb.write('t.txt', 't');
    const link = join(sb.base, 'root-link');
    await symlink(sb.root, link);
    const lib = await open(sb, { roots: [link] });
    expect(lib.files()[0]?.root).toBe(sb.root);
    await lib.close();
  });
});

describe('ensureDefaultShare', () => {
  it('creates <dataDir>/share with a README once, and leaves it alone afterwards', async () => {
    const dir = await ensureDefaultShare(sb.data);
    expect(dir).toBe(join(sb.data, 'share'));
    const lib = await open(sb, { roots: [dir] });
    expect(names(lib.files())).toEqual(['README.txt']);
    expect(lib.match({ text: 'readme', urns: [] })).toHaveLength(1);
    await lib.close();
    await writeFile(join(dir, 'README.txt'), 'mine');
    await ensureDefaultShare(sb.data);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(dir, 'README.txt'), 'utf8')).toBe('mine');
  });
});
