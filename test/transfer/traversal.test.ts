/**
 * Path traversal corpus: no request, however spelled, may send a byte of a file outside
 * the share. The secret file next to the share holds a unique marker; every response
 * (status line, headers, body) is checked for it. The corpus runs twice: with the real
 * verifier, and with a verifier that approves everything, to show that the open-time
 * checks (O_NOFOLLOW, descriptor path, root containment) hold on their own.
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync, statSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { buildHttpApp, verifyIndexedFile, type UploadFile, type VerifyFn } from '../../src/transfer/index.js';
import {
  addFile,
  fakeLibrary,
  listen,
  makeTempShare,
  RawClient,
  SECRET_MARKER,
  sha1Urn,
  type Listener,
  type TempShare,
} from './upload-fixture.js';

let share: TempShare;
let files: UploadFile[];
const urns: Record<string, string> = {};

function entry(index: number, name: string, path: string, root: string, urn: string): UploadFile {
  const st = statSync(path);
  urns[name] = urn;
  return { index, name, size: st.size, urn, path, root, mtimeMs: st.mtimeMs };
}

beforeAll(() => {
  share = makeTempShare();
  const { root, base, secret } = share;
  const secretSize = statSync(secret).size;
  const same = Buffer.alloc(secretSize, 'x'); // same size as the secret: size checks cannot help
  const notes = addFile(root, 1, 'notes.txt', Buffer.from('just some notes\n'));
  // 2: a symlink inside the share pointing outside, indexed by its own path
  symlinkSync(secret, join(root, 'link-out.txt'));
  // 3: a regular file when indexed, replaced by a symlink to the secret afterwards
  writeFileSync(join(root, 'swapped.txt'), same);
  const swapped = entry(3, 'swapped.txt', join(root, 'swapped.txt'), root, sha1Urn(Buffer.from('3')));
  // 4: a directory on the path replaced by a symlink to the folder holding the secret
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'sub', 'secret.txt'), same);
  const viaDir = entry(4, 'secret.txt', join(root, 'sub', 'secret.txt'), root, sha1Urn(Buffer.from('4')));
  // 5: an entry whose path lies outside its root (a confused index)
  const escaped = entry(5, 'escaped.txt', realpathSync(secret), root, sha1Urn(Buffer.from('5')));
  // 2 is stat'ed through the link, as a careless indexer would
  const linkOut = entry(2, 'link-out.txt', join(root, 'link-out.txt'), root, sha1Urn(Buffer.from('2')));
  files = [notes, linkOut, swapped, viaDir, escaped];
  urns['notes.txt'] = notes.urn ?? '';

  renameSync(join(root, 'swapped.txt'), join(root, 'swapped.old'));
  symlinkSync(secret, join(root, 'swapped.txt'));
  renameSync(join(root, 'sub'), join(root, 'sub.old'));
  symlinkSync(base, join(root, 'sub'));
});

afterAll(() => share.cleanup());

interface Case {
  target: string;
  /** allowed statuses; default: any non-2xx */
  ok?: number[];
  method?: string;
}

function corpus(): Case[] {
  const abs = encodeURIComponent(share.secret);
  const secretUrn = sha1Urn(Buffer.from(`${SECRET_MARKER}\n`.repeat(4)));
  return [
    { target: '/get/1/../../secret.txt' },
    { target: '/get/1/..%2F..%2Fsecret.txt' },
    { target: '/get/1/%2e%2e%2f%2e%2e%2fsecret.txt' },
    { target: '/get/1/%2E%2E/%2E%2E/secret.txt' },
    { target: '/get/1/%252e%252e%252fsecret.txt' },
    { target: '/get/1/%25252e%25252e%25252fsecret.txt' },
    { target: '/get/1/..\\..\\secret.txt' },
    { target: '/get/1/..%5C..%5Csecret.txt' },
    { target: '/get/1/notes.txt%00' },
    { target: '/get/1/notes.txt%00/../../secret.txt' },
    { target: '/get/1/%00' },
    { target: '/get/1/%2Fetc%2Fpasswd' },
    { target: '/get/1//etc/passwd' },
    { target: `/get/1/${abs}` },
    { target: `/get/5/${abs}` },
    { target: '/get/1/%c0%ae%c0%ae%c0%afsecret.txt' },
    { target: '/get/1/%e0%80%ae%e0%80%ae/secret.txt' },
    { target: '/get/1/%c0%2e%c0%2e/secret.txt' },
    { target: '/get/1/../../etc/passwd' },
    { target: '/get/../../etc/passwd' },
    { target: '/get/%2e%2e/secret.txt' },
    { target: '/get/1/notes.txt/../../../secret.txt' },
    { target: '/get/1/..' },
    { target: '/get/1/.' },
    { target: '/get/1/%2e%2e' },
    { target: '/get/-1/notes.txt' },
    { target: '/get/1e0/notes.txt' },
    { target: '/get/0x1/notes.txt' },
    { target: '/../../secret.txt' },
    { target: '/%2e%2e/%2e%2e/secret.txt' },
    { target: '//get/1/notes.txt/../../secret.txt' },
    { target: '/uri-res/N2R?../../secret.txt' },
    { target: '/uri-res/N2R?file:///etc/passwd' },
    { target: `/uri-res/N2R?${secretUrn}` },
    { target: '/uri-res/N2R/../../secret.txt' },
    { target: '/uri-res/N2R?urn:sha1:../../../../secret.txt' },
    { target: `http://127.0.0.1${share.secret}` },
    { target: '../../secret.txt' },
    { target: '*' },
    { target: '/get/1/' + '..%2F'.repeat(800) + 'secret.txt' },
    // indexed entries that now lead outside the share
    { target: '/get/2/link-out.txt' },
    { target: '/get/3/swapped.txt' },
    { target: '/get/4/secret.txt' },
    { target: '/get/5/escaped.txt' },
    { target: '/get/3/swapped.txt', method: 'HEAD' },
    { target: `/uri-res/N2R?${urns['link-out.txt']}` },
    { target: `/uri-res/N2R?${urns['swapped.txt']}` },
    { target: `/uri-res/N2R?${urns['secret.txt']}` },
    { target: `/uri-res/N2R?${urns['escaped.txt']}` },
    // the one legitimate file, reached oddly but correctly: may be served, never the secret
    { target: '/get/1/notes.txt?../../secret.txt', ok: [206] },
    { target: '/get/01/notes.txt', ok: [206] },
  ];
}

async function exchange(port: number, c: Case): Promise<{ status: number; all: Buffer }> {
  const client = await RawClient.open(port);
  client.send(
    `${c.method ?? 'GET'} ${c.target} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\nConnection: close\r\n\r\n`,
  );
  await client.closedPromise;
  const text = client.all.toString('latin1');
  return { status: Number(text.split(' ')[1] ?? 0), all: client.all };
}

const permissive: VerifyFn = async (f) => ({ ok: true, size: f.size });

describe.each([
  ['real verifier', verifyIndexedFile],
  ['verifier that approves everything', permissive],
])('traversal corpus with the %s', (_label, verify) => {
  let app: FastifyInstance;
  let srv: Listener;
  beforeAll(async () => {
    app = await buildHttpApp({
      library: fakeLibrary(files),
      serverName: 'servent/test',
      clock: createSystemClock(),
      log: silentLogger,
      verify,
      uploadSlots: 1000,
    });
    srv = await listen(app);
  });
  afterAll(async () => {
    await srv.close();
    await app.close();
  });

  it('has at least 50 cases', () => {
    expect(corpus().length).toBeGreaterThanOrEqual(50);
  });

  it.each(Array.from({ length: 51 }, (_, i) => i))('case %i never leaks the secret', async (i) => {
    const c = corpus()[i];
    if (c === undefined) return;
    const r = await exchange(srv.port, c);
    expect(r.all.includes(SECRET_MARKER), `${c.target} leaked`).toBe(false);
    expect(r.status, c.target).toBeGreaterThan(0);
    if (c.ok !== undefined) expect(c.ok, c.target).toContain(r.status);
    else expect(r.status >= 200 && r.status < 300, `${c.target} → ${r.status}`).toBe(false);
  });
});
