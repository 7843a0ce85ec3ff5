import { createHash } from 'node:crypto';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, normaliseSha1Urn, sha1Urn } from '../../src/share/base32.js';
import { HASH_CACHE_FILE, sha1File } from '../../src/share/index.js';
import { countingHasher, open, sandbox, sha1Hex, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const URN_RE = /^urn:sha1:[A-Z2-7]{32}$/;

describe('base32 and urns', () => {
  it('matches the RFC 4648 test vectors (unpadded)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, enc] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(enc);
      expect(base32Decode(enc.toLowerCase())?.toString()).toBe(plain);
    }
    expect(base32Decode('MZ1')).toBeUndefined();
  });

  it('formats the SHA-1 of the empty string as the well-known urn', () => {
    const digest = createHash('sha1').update('').digest();
    expect(sha1Urn(digest)).toBe('urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ');
  });

  it('normalises urns of any case and the SHA-1 part of a bitprint; rejects the rest', () => {
    const u = 'urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ';
    expect(normaliseSha1Urn(u.toLowerCase())).toBe(u);
    expect(normaliseSha1Urn('URN:SHA1:3i42h3s6nnfq2msvx7xzkyayscx5qbyj')).toBe(u);
    expect(normaliseSha1Urn(`urn:bitprint:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ.${'A'.repeat(39)}`)).toBe(u);
    expect(normaliseSha1Urn('urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBY')).toBeUndefined();
    expect(normaliseSha1Urn('urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBY1')).toBeUndefined();
    expect(normaliseSha1Urn('urn:md5:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ')).toBeUndefined();
  });
});

describe('hashing', () => {
  it('sha1File streams a file larger than one read chunk correctly', async () => {
    const big = Buffer.alloc(700_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const p = await sb.write('big.bin', big);
    expect((await sha1File(p)).toString('hex')).toBe(sha1Hex(big));
  });

  it('sha1File refuses a symlink and a FIFO', async () => {
    const p = await sb.write('t.txt', 't');
    const { symlink } = await import('node:fs/promises');
    await symlink(p, join(sb.root, 'l.txt'));
    await expect(sha1File(join(sb.root, 'l.txt'))).rejects.toMatchObject({ code: 'ELOOP' });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [join(sb.root, 'fifo')]);
    await expect(sha1File(join(sb.root, 'fifo'))).rejects.toMatchObject({ code: 'NOT_A_FILE' });
  });

  it('gives every file its urn after whenHashed, and announces them as changed', async () => {
    const contents = { 'a.txt': 'hello', 'sub/b.txt': '', 'sub/c.bin': Buffer.from([0, 1, 2, 255]) };
    for (const [k, v] of Object.entries(contents)) await sb.write(k, v);
    const lib = await open(sb);
    const changed: string[] = [];
    lib.onChange((e) => changed.push(...e.changed.map((f) => f.relPath)));
    await lib.whenHashed();
    expect(lib.totals().hashed).toBe(3);
    for (const [k, v] of Object.entries(contents)) {
      const f = lib.files().find((x) => x.relPath === k);
      expect(f?.urn).toMatch(URN_RE);
      const expected = sha1Urn(createHash('sha1').update(v).digest());
      expect(f?.urn).toBe(expected);
      expect(lib.byUrn(expected.toLowerCase())?.relPath).toBe(k);
    }
    expect(changed.sort()).toEqual(Object.keys(contents).sort());
    await lib.close();
  });

  it('never hashes more than hashConcurrency files at once', async () => {
    for (let i = 0; i < 12; i++) await sb.write(`f${i}.txt`, `content ${i}`);
    let inFlight = 0;
    let peak = 0;
    const hasher = async (p: string): Promise<Buffer> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      const d = await sha1File(p);
      inFlight--;
      return d;
    };
    const lib = await open(sb, { hasher, hashConcurrency: 3 });
    await lib.whenHashed();
    expect(lib.totals().hashed).toBe(12);
    expect(peak).toBe(3);
    await lib.close();
  });

  it('drops a file it cannot read, and retries it once it changes', async () => {
    const bad = await sb.write('locked.txt', 'x');
    await sb.write('fine.txt', 'y');
    let failing = true;
    const h = countingHasher((p) => failing && p === bad);
    const lib = await open(sb, { hasher: h.hasher });
    await lib.whenHashed();
    expect(lib.files().map((f) => f.name)).toEqual(['fine.txt']);
    await lib.rescan(); // unchanged: not retried
    await lib.whenHashed();
    expect(h.calls.filter((c) => c === bad)).toHaveLength(1);
    failing = false;
    await writeFile(bad, 'xx');
    await lib.rescan();
    await lib.whenHashed();
    expect(
      lib
        .files()
        .map((f) => f.name)
        .sort(),
    ).toEqual(['fine.txt', 'locked.txt']);
    await lib.close();
  });
});

describe('hash cache', () => {
  it('does not rehash unchanged files after a restart, and rehashes a changed one', async () => {
    await sb.write('one.txt', '1');
    const two = await sb.write('two.txt', '2');
    const h1 = countingHasher();
    const lib1 = await open(sb, { hasher: h1.hasher });
    await lib1.whenHashed();
    const urns1 = lib1.files().map((f) => f.urn);
    await lib1.close();
    expect(h1.calls).toHaveLength(2);

    const h2 = countingHasher();
    const lib2 = await open(sb, { hasher: h2.hasher });
    expect(lib2.totals().hashed).toBe(2); // known before any hashing
    await lib2.whenHashed();
    expect(h2.calls).toHaveLength(0);
    expect(lib2.files().map((f) => f.urn)).toEqual(urns1);
    await lib2.close();

    await writeFile(two, '22');
    const h3 = countingHasher();
    const lib3 = await open(sb, { hasher: h3.hasher });
    await lib3.whenHashed();
    expect(h3.calls).toEqual([two]);
    await lib3.close();
  });

  it('rehashes when only the mtime changed', async () => {
    const p = await sb.write('one.txt', '1');
    const lib1 = await open(sb);
    await lib1.whenHashed();
    await lib1.close();
    await utimes(p, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const h = countingHasher();
    const lib2 = await open(sb, { hasher: h.hasher });
    await lib2.whenHashed();
    expect(h.calls).toEqual([p]);
    await lib2.close();
  });

  it('writes the cache atomically (no temp file left) and survives a corrupt one', async () => {
    await sb.write('one.txt', '1');
    const lib1 = await open(sb);
    await lib1.whenHashed();
    await lib1.close();
    expect((await readdir(sb.data)).sort()).toEqual([HASH_CACHE_FILE]);
    const cache = JSON.parse(await readFile(join(sb.data, HASH_CACHE_FILE), 'utf8')) as {
      entries: Record<string, { urn: string }>;
    };
    expect(Object.values(cache.entries)[0]?.urn).toMatch(URN_RE);

    await writeFile(join(sb.data, HASH_CACHE_FILE), '{"version":1,"entries":{"x":');
    const h = countingHasher();
    const lib2 = await open(sb, { hasher: h.hasher });
    await lib2.whenHashed();
    expect(h.calls).toHaveLength(1);
    expect(lib2.totals().hashed).toBe(1);
    await lib2.close();
  });

  it('ignores malformed cache entries (bad urn, negative index) without failing', async () => {
    const p = await sb.write('one.txt', '1');
    const { stat } = await import('node:fs/promises');
    const st = await stat(p);
    await writeFile(
      join(sb.data, HASH_CACHE_FILE),
      JSON.stringify({
        version: 1,
        nextIndex: 5,
        entries: {
          [p]: { index: -3, size: st.size, mtimeMs: st.mtimeMs, urn: 'urn:sha1:NOTBASE32!' },
          '/elsewhere': { index: 4, size: 1, mtimeMs: 1, urn: 'garbage' },
        },
      }),
    );
    const lib = await open(sb);
    expect(lib.files()[0]?.index).toBe(5); // -3 rejected; 4 stays reserved for /elsewhere
    expect(lib.files()[0]?.urn).toBeUndefined();
    await lib.close();
  });
});

describe('file indexes', () => {
  it('are 1-based, stable across restarts and never reused for another path', async () => {
    await sb.write('a.txt', 'a');
    await sb.write('b/c.txt', 'c');
    const lib1 = await open(sb);
    const idx1 = new Map(lib1.files().map((f) => [f.relPath, f.index]));
    expect([...idx1.values()].sort()).toEqual([1, 2]);
    await lib1.close();

    const { rm } = await import('node:fs/promises');
    await rm(join(sb.root, 'a.txt'));
    await sb.write('new.txt', 'n');
    const lib2 = await open(sb);
    const idx2 = new Map(lib2.files().map((f) => [f.relPath, f.index]));
    expect(idx2.get('b/c.txt')).toBe(idx1.get('b/c.txt'));
    expect(idx2.get('new.txt')).toBe(3);
    expect(lib2.byIndex(idx1.get('a.txt') as number)).toBeUndefined();
    await lib2.close();

    await sb.write('a.txt', 'back again');
    const lib3 = await open(sb);
    expect(lib3.files().find((f) => f.relPath === 'a.txt')?.index).toBe(idx1.get('a.txt'));
    await lib3.close();
  });
});
