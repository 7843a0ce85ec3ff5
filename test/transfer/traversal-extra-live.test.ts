/**
 * Files that change while they are being served, against a real servent: removed,
 * replaced by a symlink to a secret outside the share, truncated, grown; and the gap
 * between the verifier's check and the open that serves the bytes. The downloader reads
 * a little, stops reading (the upload stalls on a full socket), the file changes, and the
 * downloader reads on. 0 bytes of the secret, no bytes of another upload (buffers are
 * pooled), never more than the announced length, and a short body always ends in a close.
 */
import {
  appendFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  statSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng } from '../../src/core/rng.js';
import { DEFAULT_CONFIG, startServent, type Servent } from '../../src/servent.js';
import { openShareLibrary, sha1Urn, verifyServable, type SharedFile } from '../../src/share/index.js';
import { buildHttpApp, handOff } from '../../src/transfer/index.js';

const MARK = 'TRAVERSAL-LIVE-SECRET-41f7';
const POOL = 'POOL-A-BYTES-93c2';
const MiB = 1024 * 1024;
const SIZE = 8 * MiB;

let base: string;
let share: string;
let servent: Servent;
const original = new Map<string, Buffer>();

function pattern(size: number, seed: number): Buffer {
  return createRng(seed).bytes(size);
}

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'servent-trav-live-')));
  share = join(base, 'share');
  mkdirSync(share);
  writeFileSync(join(base, 'secret.bin'), Buffer.from(`${MARK}\n`.repeat(SIZE / 32)));
  const files: Record<string, Buffer> = {
    'removed.bin': pattern(SIZE, 1),
    'symlinked.bin': pattern(SIZE, 2),
    'truncated.bin': pattern(SIZE, 3),
    'grown.bin': pattern(SIZE, 4),
    'pool-a.bin': Buffer.from(`${POOL}\n`.repeat(SIZE / 18)),
    'keepalive.bin': pattern(4096, 5),
  };
  for (const [n, b] of Object.entries(files)) {
    writeFileSync(join(share, n), b);
    original.set(n, b);
  }
  // two files of one size written in one timestamp tick (equal mtimes, as `rsync -t` or
  // `touch -r` would also make them): the shared one, and its replacement outside
  for (let tries = 0; tries < 100; tries++) {
    writeFileSync(join(share, 'urn-a.bin'), Buffer.alloc(64 * 1024, 'a'));
    writeFileSync(join(base, 'urn-b.bin'), Buffer.alloc(64 * 1024, 'b'));
    if (statSync(join(share, 'urn-a.bin')).mtimeMs === statSync(join(base, 'urn-b.bin')).mtimeMs) break;
  }
  servent = await startServent(
    {
      ...DEFAULT_CONFIG,
      dataDir: join(base, 'data'),
      listen: { host: '127.0.0.1', port: 0 },
      shares: [share],
      minPeers: 0,
      watch: false,
      uploadSlots: 16,
    },
    { clock: createSystemClock(), rng: createRng(3), log: silentLogger },
  );
  await servent.library.whenHashed();
}, 60_000);

afterAll(async () => {
  await servent?.stop();
  rmSync(base, { recursive: true, force: true });
});

interface Response {
  status: number;
  length: number;
  body: Buffer;
  all: Buffer;
  /** the server closed the connection (rather than our 10 s timeout) */
  closed: boolean;
}

/**
 * GET with a reader that stops after `pauseAfter` body bytes, runs `change`, then reads
 * on until the server closes (or 10 s pass: a short body left hanging is a failure).
 */
function slowGet(port: number, target: string, pauseAfter: number, change: () => void): Promise<Response> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let paused = false;
    const s: Socket = connect({ host: '127.0.0.1', port });
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const head = all.toString('latin1', 0, Math.max(0, end));
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? -1);
      resolve({ status: Number(head.split(' ')[1] ?? 0), length, body: all.subarray(end + 4), all, closed });
    };
    const timer = setTimeout(() => finish(false), 10_000);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (!paused && got >= pauseAfter) {
        paused = true;
        s.pause();
        // let the upload fill the socket buffers and stall, then change the file
        setTimeout(() => {
          change();
          setTimeout(() => s.resume(), 100);
        }, 200);
      }
    });
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\nConnection: close\r\n\r\n`);
  });
}

function entry(name: string): SharedFile {
  const f = servent.library.files().find((x) => x.name === name);
  if (f === undefined) throw new Error(`${name} not shared`);
  return f;
}

const target = (name: string): string => `/get/${entry(name).index}/${name}`;

function common(r: Response, name: string): void {
  expect(r.all.includes(MARK), `${name}: secret bytes`).toBe(false);
  expect(r.all.includes(POOL) && name !== 'pool-a.bin', `${name}: bytes of another upload`).toBe(false);
  expect(r.status).toBe(206);
  expect(r.body.length, `${name}: more than announced`).toBeLessThanOrEqual(r.length);
  expect(r.closed, `${name}: a short body must end in a close, not a stall`).toBe(true);
  // whatever arrived is the file as it was
  expect(
    (original.get(name) as Buffer).subarray(0, r.body.length).equals(r.body),
    `${name}: other bytes`,
  ).toBe(true);
}

describe('files changing while they are served by a real servent', () => {
  const port = (): number => servent.address().port;

  it('fills the upload buffer pool with another file first', async () => {
    const r = await slowGet(port(), target('pool-a.bin'), 1, () => {});
    expect(r.body.length).toBe(original.get('pool-a.bin')?.length);
  }, 30_000);

  it('removed mid-transfer: the rest is the removed file or nothing', async () => {
    const r = await slowGet(port(), target('removed.bin'), 256 * 1024, () =>
      unlinkSync(join(share, 'removed.bin')),
    );
    common(r, 'removed.bin');
  }, 30_000);

  it('replaced by a symlink to a secret mid-transfer: never the secret', async () => {
    const p = join(share, 'symlinked.bin');
    const r = await slowGet(port(), target('symlinked.bin'), 256 * 1024, () => {
      renameSync(p, `${p}.old`);
      symlinkSync(join(base, 'secret.bin'), p);
    });
    common(r, 'symlinked.bin');
  }, 30_000);

  it('truncated mid-transfer: a prefix, then a close; no stale pooled bytes', async () => {
    const r = await slowGet(port(), target('truncated.bin'), 256 * 1024, () =>
      truncateSync(join(share, 'truncated.bin'), MiB),
    );
    common(r, 'truncated.bin');
    expect(r.body.length).toBeLessThan(SIZE);
  }, 30_000);

  it('grown mid-transfer: exactly the announced length', async () => {
    const r = await slowGet(port(), target('grown.bin'), 256 * 1024, () =>
      appendFileSync(join(share, 'grown.bin'), Buffer.from(`${MARK}\n`.repeat(1024))),
    );
    common(r, 'grown.bin');
    expect(r.body.length).toBe(SIZE);
  }, 30_000);

  it('a keep-alive connection asks again after a swap to a symlink: 404, no secret', async () => {
    const name = 'keepalive.bin';
    const p = join(share, name);
    const s = connect({ host: '127.0.0.1', port: port() });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    const req = `GET ${target(name)} HTTP/1.1\r\nHost: x\r\n\r\n`;
    s.write(req);
    for (let i = 0; i < 100 && Buffer.concat(chunks).length < 4096; i++)
      await new Promise((r) => setTimeout(r, 20));
    renameSync(p, `${p}.old`);
    symlinkSync(join(base, 'secret.bin'), p);
    s.write(req);
    for (let i = 0; i < 100 && !Buffer.concat(chunks).toString('latin1').includes(' 404 '); i++)
      await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    const all = Buffer.concat(chunks);
    expect(all.includes(MARK)).toBe(false);
    expect(all.toString('latin1')).toMatch(/HTTP\/1\.1 404 /);
  }, 30_000);
});

/**
 * A urn names content. When a shared file is replaced by another of the same size and the
 * same mtime, the library looks at it again (the verifier saw another inode); the urn it
 * then gives the path must be the new content's, and a request by the old urn must not
 * get the new bytes.
 */
describe('urns after a same-size, same-mtime replacement', () => {
  it('the re-indexed file carries the urn of its new content', async () => {
    const a = entry('urn-a.bin');
    expect(statSync(join(share, 'urn-a.bin')).mtimeMs).toBe(statSync(join(base, 'urn-b.bin')).mtimeMs);
    renameSync(join(base, 'urn-b.bin'), join(share, 'urn-a.bin'));
    const port = servent.address().port;
    // the first request finds another inode: 404, and the library looks at the path again
    const first = await slowGet(port, `/get/${a.index}/urn-a.bin`, 1, () => {});
    expect(first.status).toBe(404);
    for (let i = 0; i < 50 && servent.library.byIndex(a.index) === a; i++)
      await new Promise((r) => setTimeout(r, 20));
    await servent.library.whenHashed();
    const now = servent.library.byIndex(a.index);
    const urnOfB = sha1Urn(
      createHash('sha1')
        .update(Buffer.alloc(64 * 1024, 'b'))
        .digest(),
    );
    expect(now?.urn, 'the urn of the old content stayed on the new one').toBe(urnOfB);
    const byOldUrn = await slowGet(port, `/uri-res/N2R?${a.urn ?? ''}`, 1, () => {});
    expect(byOldUrn.body.includes('bbbb'), 'the old urn serves the new bytes').toBe(false);
  }, 30_000);
});

/**
 * The window between the verifier's check and the open that serves the bytes. The
 * verifier is the share library's own; right after it approves, the indexed file is
 * replaced (rename(2)) by a hard link to a same-size secret outside the share. What is
 * opened next must still be the indexed inode, or nothing.
 */
describe('between verification and open', () => {
  let server: Server;
  let port = 0;
  let close: () => Promise<void> = async () => {};
  let racePath = '';
  let swap = false;

  beforeAll(async () => {
    const root = join(base, 'race-share');
    mkdirSync(root);
    const size = 64 * 1024;
    // exactly the indexed size: no size check can tell them apart
    writeFileSync(join(base, 'race-secret.bin'), Buffer.alloc(size, `${MARK}\n`));
    writeFileSync(join(root, 'race.bin'), pattern(size, 9));
    const library = await openShareLibrary({
      roots: [root],
      dataDir: join(base, 'race-data'),
      log: silentLogger,
      clock: createSystemClock(),
      watch: false,
    });
    await library.whenHashed();
    const f = library.files().find((x) => x.name === 'race.bin');
    racePath = `/get/${f?.index ?? 0}/race.bin`;
    const app = await buildHttpApp({
      library,
      serverName: 'servent/test',
      clock: createSystemClock(),
      log: silentLogger,
      verify: async (f) => {
        const verdict = await verifyServable(f as SharedFile);
        if (swap && f.name === 'race.bin') {
          linkSync(join(base, 'race-secret.bin'), join(root, '.swap'));
          renameSync(join(root, '.swap'), join(root, 'race.bin'));
        }
        return verdict;
      },
    });
    server = createServer((s) => void handOff(app, s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    close = async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      await library.close();
    };
  });
  afterAll(async () => close());

  it('serves the indexed inode or nothing, never the file swapped in after the check', async () => {
    const control = await slowGet(port, racePath, 1, () => {});
    expect(control.status).toBe(206);
    expect(control.body.equals(pattern(64 * 1024, 9))).toBe(true);
    swap = true;
    const r = await slowGet(port, racePath, 1, () => {});
    expect(r.all.includes(MARK), `${r.status}: the swapped-in file was served`).toBe(false);
  }, 30_000);
});
