/**
 * More traversal cases, against a real servent (startServent: share library with its
 * watcher, listener, upload app) whose share sits next to secret files. Every response —
 * status line, headers, body — is searched for the secrets' unique marker: 0 bytes from
 * outside the share, ever. Each case has a `kind`; there are at least 50 kinds:
 * encodings, Unicode look-alikes, overlong UTF-8, index spellings, long names, methods,
 * symlinks (file, directory, loop, dangling, inside), hard links, files swapped after
 * indexing (symlink, hard link, directory, FIFO, deleted, the share root itself), and names
 * that differ only by case or by NFC/NFD. The corpus runs before the swaps, right after
 * them (before any rescan) and after the library has rescanned.
 */
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng } from '../../src/core/rng.js';
import { DEFAULT_CONFIG, startServent, type Servent } from '../../src/servent.js';

const MARK = 'TRAVERSAL-EXTRA-SECRET-8c41e0';
const SECRET = Buffer.from(`${MARK}\n`.repeat(8));
/** same size as the secret, so that no size check can save the day */
const SAME = (c: string): Buffer => Buffer.alloc(SECRET.length, c);
const NFC = 'Caf\u00e9.txt';
const NFD = 'Cafe\u0301.txt';
const LONG = `${'l'.repeat(240)}.txt`;

let base: string;
let share: string;
let servent: Servent;
let port: number;
const legit = new Map<string, Buffer>();

function put(rel: string, data: Buffer): void {
  writeFileSync(join(share, rel), data);
  legit.set(rel, data);
}

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'servent-trav-extra-')));
  share = join(base, 'share');
  mkdirSync(join(share, 'sub'), { recursive: true });
  mkdirSync(join(base, 'secret-dir'));
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(join(base, 'secret-dir', 'inner.txt'), SECRET);
  writeFileSync(join(base, 'secret-dir', 'secret.txt'), SECRET);
  put('notes.txt', Buffer.from('plain notes\n'));
  put(LONG, Buffer.from('a long name\n'));
  put(NFC, Buffer.from('composed e-acute\n'));
  put(NFD, Buffer.from('decomposed e + combining acute\n'));
  put('Case.txt', Buffer.from('upper-case C\n'));
  // a shared file carrying the marker: proves the leak detector sees what it must
  put('canary.txt', Buffer.from(`canary ${MARK}\n`));
  put('case.txt', Buffer.from('lower-case c\n'));
  for (const n of ['swap-symlink.txt', 'swap-hardlink.txt', 'swap-fifo.txt', 'swap-dir.txt', 'gone.txt'])
    put(n, SAME(n[5] ?? 'x'));
  put('sub/inner.txt', SAME('i'));
  // present at scan time
  symlinkSync(join(base, 'secret.txt'), join(share, 'link-file.txt'));
  symlinkSync(join(base, 'secret-dir'), join(share, 'link-dir'));
  symlinkSync(join(share, 'loop-b'), join(share, 'loop-a'));
  symlinkSync(join(share, 'loop-a'), join(share, 'loop-b'));
  symlinkSync(join(base, 'nowhere.txt'), join(share, 'dangling.txt'));
  symlinkSync(join(share, 'notes.txt'), join(share, 'inside-link.txt'));
  symlinkSync('../secret.txt', join(share, 'relative-out.txt'));
  servent = await startServent(
    {
      ...DEFAULT_CONFIG,
      dataDir: join(base, 'data'),
      listen: { host: '127.0.0.1', port: 0 },
      shares: [share],
      minPeers: 0,
      watch: true,
      uploadSlots: 64,
    },
    { clock: createSystemClock(), rng: createRng(7), log: silentLogger },
  );
  await servent.library.whenHashed();
  port = servent.address().port;
}, 60_000);

afterAll(async () => {
  await servent?.stop();
  rmSync(base, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends raw request bytes, returns every byte received until the server closes (or 5 s). */
function exchange(raw: Buffer | string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: '127.0.0.1', port });
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, 5_000);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', done);
    s.on('error', done);
    s.write(raw);
  });
}

function request(target: string | Buffer, method = 'GET', extra = ''): Buffer {
  const head = Buffer.from(`${method} `, 'latin1');
  const t = typeof target === 'string' ? Buffer.from(target, 'latin1') : target;
  const tail = Buffer.from(
    ` HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-\r\n${extra}Connection: close\r\n\r\n`,
    'latin1',
  );
  return Buffer.concat([head, t, tail]);
}

interface Case {
  readonly kind: string;
  readonly raw: Buffer | string;
  /** a legitimate file this request may fetch (its bytes, if 2xx); default: must not be 2xx */
  readonly mayServe?: string;
}

function idx(rel: string): number {
  const f = servent.library.files().find((x) => x.relPath === rel);
  return f?.index ?? 999_999;
}
function urnOf(rel: string): string {
  return servent.library.files().find((x) => x.relPath === rel)?.urn ?? 'urn:sha1:NONE';
}

const enc = (s: string): string => encodeURIComponent(s);

function staticCases(): Case[] {
  const n = idx('notes.txt');
  const g = (rest: string, kind: string, mayServe?: string): Case => ({
    kind,
    raw: request(`/get/${n}/${rest}`),
    ...(mayServe !== undefined ? { mayServe } : {}),
  });
  const guesses = Array.from(
    { length: 6 },
    (_, k) => Math.max(...servent.library.files().map((f) => f.index)) + 1 + k,
  );
  return [
    // encodings
    g('%2E%2e%2F%2e%2E%2fsecret.txt', 'mixed-case percent dots'),
    g('%252e%252e%252f%252e%252e%252fsecret.txt', 'double-encoded'),
    g('%25252e%25252e%25252fsecret.txt', 'triple-encoded'),
    g('.%2e/.%2e/secret.txt', 'half-encoded dot pair'),
    g('%2e./%2e./secret.txt', 'half-encoded dot pair (reversed)'),
    g('....//....//secret.txt', 'quadruple dots'),
    g('..;/..;/secret.txt', 'path parameter ..;'),
    g('%u002e%u002e%u2215secret.txt', '%u encoding'),
    g('..%5c..%5csecret.txt', 'encoded backslash'),
    g('%5c%5c127.0.0.1%5cc$%5csecret.txt', 'UNC path'),
    g('notes.txt%0d%0aX-Injected:%20yes', 'CRLF injection'),
    g('notes.txt%00.jpg', 'NUL before an extension'),
    g('%00../../secret.txt', 'leading NUL'),
    g('notes.txt#../../secret.txt', 'fragment', 'notes.txt'),
    g('..%2f..%2fsecret.txt?x=notes.txt', 'query after traversal'),
    g(`..%2f..%2f${enc('secret-dir')}%2finner.txt`, 'encoded slash into sibling folder'),
    g('%2e%2e%2f'.repeat(40) + 'etc%2fpasswd', 'deep encoded climb'),
    // Unicode look-alikes of '/' '\' and '.'
    g(`..${enc('\uff0f')}..${enc('\uff0f')}secret.txt`, 'fullwidth solidus U+FF0F'),
    g(`${enc('\u2024\u2024')}/${enc('\u2024\u2024')}/secret.txt`, 'one-dot leader U+2024'),
    g(`${enc('\u2025')}/${enc('\u2025')}/secret.txt`, 'two-dot leader U+2025'),
    g(`..${enc('\u2215')}..${enc('\u2215')}secret.txt`, 'division slash U+2215'),
    g(`..${enc('\u2044')}..${enc('\u2044')}secret.txt`, 'fraction slash U+2044'),
    g(`${enc('\uff0e\uff0e')}/${enc('\uff0e\uff0e')}/secret.txt`, 'fullwidth full stop U+FF0E'),
    g(`..${enc('\uff3c')}..${enc('\uff3c')}secret.txt`, 'fullwidth reverse solidus U+FF3C'),
    g(`..${enc('\u2216')}..${enc('\u2216')}secret.txt`, 'set minus U+2216'),
    g(`..${enc('\u29f8')}..${enc('\u29f8')}secret.txt`, 'big solidus U+29F8'),
    g(enc('\uff53\uff45\uff43\uff52\uff45\uff54.txt'), 'fullwidth letters of the secret name'),
    // overlong and invalid UTF-8
    g('%c0%ae%c0%ae%c0%afsecret.txt', 'overlong 2-byte dot and slash'),
    g('%e0%80%ae%e0%80%ae%e0%80%afsecret.txt', 'overlong 3-byte'),
    g('%f0%80%80%ae%f0%80%80%ae%f0%80%80%afsecret.txt', 'overlong 4-byte'),
    g('..%c1%9c..%c1%9csecret.txt', 'overlong backslash'),
    g('%ff%fe..%2fsecret.txt', 'invalid UTF-8 bytes'),
    {
      kind: 'raw overlong bytes in the request line',
      raw: request(
        Buffer.concat([
          Buffer.from(`/get/${n}/`),
          Buffer.from([0xc0, 0xae, 0xc0, 0xae, 0xc0, 0xaf]),
          Buffer.from('secret.txt'),
        ]),
      ),
    },
    // index spellings
    { kind: 'index past u32', raw: request(`/get/4294967296/notes.txt`) },
    { kind: 'index with a sign', raw: request(`/get/+${n}/notes.txt`) },
    { kind: 'index as decimal fraction', raw: request(`/get/${n}.0/notes.txt`) },
    { kind: 'percent-encoded index digit', raw: request(`/get/%3${n % 10}/notes.txt`) },
    { kind: 'index with NUL', raw: request(`/get/${n}%00/notes.txt`) },
    ...guesses.map((k) => ({ kind: 'guessed index, secret name', raw: request(`/get/${k}/secret.txt`) })),
    // long names and targets
    { kind: '255-byte legitimate name', raw: request(`/get/${idx(LONG)}/${LONG}`), mayServe: LONG },
    { kind: '4097-character target', raw: request(`/get/${n}/${'a'.repeat(4090)}`) },
    { kind: '20 KiB request line', raw: request(`/get/${n}/${'..%2f'.repeat(4096)}`) },
    // urn requests
    { kind: 'urn with traversal', raw: request('/uri-res/N2R?urn:sha1:..%2f..%2fsecret.txt') },
    {
      kind: 'lower-case urn of a shared file',
      raw: request(`/uri-res/N2R?${urnOf('notes.txt').toLowerCase()}`),
      mayServe: 'notes.txt',
    },
    { kind: 'urn plus a path', raw: request(`/uri-res/N2R?${urnOf('notes.txt')}/../../secret.txt`) },
    { kind: 'bitprint urn with a path', raw: request('/uri-res/N2R?urn:bitprint:../../secret.txt') },
    // absolute-form and other targets
    {
      kind: 'absolute-form with traversal',
      raw: request(`http://127.0.0.1:${port}/get/${n}/../../secret.txt`),
    },
    { kind: 'file: scheme', raw: request(`file://${base}/secret.txt`) },
    { kind: 'asterisk with OPTIONS', raw: request('*', 'OPTIONS') },
    { kind: 'TRACE echo', raw: request(`/get/${n}/../../secret.txt`, 'TRACE') },
    { kind: 'HEAD on traversal', raw: request(`/get/${n}/../../secret.txt`, 'HEAD') },
    { kind: 'absolute secret path', raw: request(`${base}/secret.txt`) },
    // symlinks present at scan time
    ...['link-file.txt', 'link-dir/secret.txt', 'loop-a', 'dangling.txt', 'relative-out.txt'].flatMap(
      (rel) => [
        { kind: `symlink ${rel} by name`, raw: request(`/get/${n}/${rel}`) },
        ...guesses
          .slice(0, 2)
          .map((k) => ({ kind: `symlink ${rel} by guessed index`, raw: request(`/get/${k}/${rel}`) })),
      ],
    ),
    { kind: 'symlink inside the share by its own name', raw: request(`/get/${n}/inside-link.txt`) },
    // names that differ by case or normalisation: only the indexed file itself
    { kind: 'NFC name on the NFD file', raw: request(`/get/${idx(NFD)}/${enc(NFC)}`), mayServe: NFD },
    { kind: 'NFD name on the NFC file', raw: request(`/get/${idx(NFC)}/${enc(NFD)}`), mayServe: NFC },
    { kind: 'other case of a shared name', raw: request(`/get/${idx('Case.txt')}/case.txt`) },
    { kind: 'upper-case secret name', raw: request(`/get/${n}/SECRET.TXT`) },
  ];
}

/**
 * Indexed entries that a swap sends outside the share (by index and name, HEAD, and by
 * urn). A urn names content, not a path: when the same bytes are still shared elsewhere
 * (sub/ moved to sub.old/), that file may answer.
 */
function swappedCases(
  entries: ReadonlyArray<{ rel: string; index: number; name: string; urn: string }>,
): Case[] {
  return entries.flatMap((e) => [
    { kind: `swapped ${e.rel} by index`, raw: request(`/get/${e.index}/${enc(e.name)}`) },
    { kind: `swapped ${e.rel} HEAD`, raw: request(`/get/${e.index}/${enc(e.name)}`, 'HEAD') },
    { kind: `swapped ${e.rel} by urn`, raw: request(`/uri-res/N2R?${e.urn}`), mayServe: e.rel },
  ]);
}

async function check(cases: readonly Case[]): Promise<string[]> {
  const bad: string[] = [];
  for (const c of cases) {
    const all = await exchange(c.raw);
    const head = all.subarray(0, Math.max(0, all.indexOf('\r\n\r\n')));
    const status = Number(all.toString('latin1', 0, 32).split(' ')[1] ?? 0);
    const body = all.subarray(head.length + 4);
    if (all.includes(MARK)) bad.push(`${c.kind}: LEAKED the secret`);
    else if (status >= 200 && status < 300) {
      const want = c.mayServe !== undefined ? legit.get(c.mayServe) : undefined;
      if (want === undefined) bad.push(`${c.kind}: ${status} for a request that names no shared file`);
      else if (!want.subarray(0, body.length).equals(body))
        bad.push(`${c.kind}: served other bytes than ${c.mayServe}`);
    }
  }
  return bad;
}

describe('traversal corpus, extra kinds, against a real servent', () => {
  let swapped: Array<{ rel: string; index: number; name: string; urn: string }> = [];

  it('has at least 50 kinds of cases', () => {
    const kinds = new Set(
      [...staticCases(), ...swappedCases([{ rel: 'x', index: 1, name: 'x', urn: 'u' }])].map((c) =>
        c.kind.replace(/ (by|HEAD).*$/, ''),
      ),
    );
    process.stdout.write(`traversal-extra: ${kinds.size} kinds of cases\n`);
    expect(kinds.size).toBeGreaterThanOrEqual(50);
  });

  it('the detector flags the marker when a response carries it', async () => {
    const c = {
      kind: 'canary',
      raw: request(`/get/${idx('canary.txt')}/canary.txt`),
      mayServe: 'canary.txt',
    };
    expect(await check([c])).toEqual(['canary: LEAKED the secret']);
  });

  it('leaks nothing with the share as scanned', async () => {
    expect(servent.library.files().some((f) => f.relPath === 'link-file.txt')).toBe(false);
    expect(await check(staticCases())).toEqual([]);
  }, 60_000);

  it('leaks nothing right after files are swapped under the index, before any rescan', async () => {
    const rels = [
      'swap-symlink.txt',
      'swap-hardlink.txt',
      'swap-fifo.txt',
      'swap-dir.txt',
      'gone.txt',
      'sub/inner.txt',
    ];
    swapped = rels.map((rel) => {
      const f = servent.library.files().find((x) => x.relPath === rel);
      if (f === undefined || f.urn === undefined) throw new Error(`${rel} not indexed`);
      return { rel, index: f.index, name: f.name, urn: f.urn };
    });
    const p = (rel: string): string => join(share, rel);
    unlinkSync(p('swap-symlink.txt'));
    symlinkSync(join(base, 'secret.txt'), p('swap-symlink.txt'));
    linkSync(join(base, 'secret.txt'), p('.hard-tmp'));
    renameSync(p('.hard-tmp'), p('swap-hardlink.txt'));
    unlinkSync(p('swap-fifo.txt'));
    execFileSync('mkfifo', [p('swap-fifo.txt')]);
    unlinkSync(p('swap-dir.txt'));
    mkdirSync(p('swap-dir.txt'));
    unlinkSync(p('gone.txt'));
    renameSync(p('sub'), p('sub.old'));
    symlinkSync(join(base, 'secret-dir'), p('sub'));
    // The first request for the hard-linked entry finds the inode changed and makes the
    // library look at the path again; from then on the hard link is a file of the share
    // (see the next test), so only that first request is a question of traversal.
    const [hard, ...others] = swapped
      .slice(1, 2)
      .concat(swapped.filter((e) => e.rel !== 'swap-hardlink.txt'));
    expect(await check(swappedCases([hard as (typeof swapped)[number]]).slice(0, 1))).toEqual([]);
    expect(await check(swappedCases(others))).toEqual([]);
  }, 60_000);

  it('leaks nothing after the library rescanned the swapped files', async () => {
    await sleep(1_500);
    await servent.library.whenHashed();
    // A hard link is a file of the share like any other once the library has scanned it:
    // the file system cannot tell which of an inode's names is the original. Only the
    // window before the rescan (previous test) is a question of traversal.
    const after = swapped.filter((e) => e.rel !== 'swap-hardlink.txt');
    expect(await check([...staticCases(), ...swappedCases(after)])).toEqual([]);
  }, 60_000);

  it('leaks nothing when the share root itself becomes a symlink to the secrets', async () => {
    const entries = servent.library
      .files()
      .map((f) => ({ rel: f.relPath, index: f.index, name: f.name, urn: f.urn ?? '' }));
    renameSync(share, `${share}.old`);
    symlinkSync(join(base, 'secret-dir'), share);
    try {
      // before any rescan: every indexed path now resolves outside its root
      expect(await check(swappedCases(entries))).toEqual([]);
    } finally {
      unlinkSync(share);
      renameSync(`${share}.old`, share);
    }
  }, 60_000);
});
