/**
 * The downloader against the servent's own upload app (fastify, handed sockets the way the
 * servent's one port does), directly and through Push → GIV with the holder's real
 * `serveAfterGiv`.
 */
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import type { PushSource } from '../../src/transfer/download/index.js';
import { buildHttpApp, handOff, serveAfterGiv, verifyIndexedFile } from '../../src/transfer/index.js';
import type { UploadFile } from '../../src/transfer/index.js';
import { PushBroker } from '../../src/transfer/push-broker.js';
import { content, startDownload, tempDir, testOptions, urnOf } from './download-fixture.js';

const ID = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A holder: one shared file behind the upload app, on its own loopback port. */
async function holder(
  data: Buffer,
  name: string,
): Promise<{ app: FastifyInstance; port: number; file: UploadFile }> {
  const t = tempDir('servent-holder-');
  const root = join(t.dir, 'share');
  mkdirSync(root);
  const path = join(root, name);
  writeFileSync(path, data);
  const st = statSync(path);
  const file: UploadFile = {
    index: 7,
    name,
    size: data.length,
    urn: urnOf(data),
    path: realpathSync(path),
    root,
    mtimeMs: st.mtimeMs,
  };
  const app = await buildHttpApp({
    library: {
      byIndex: (i) => (i === 7 ? file : undefined),
      byUrn: (u) => (u.toUpperCase() === file.urn?.toUpperCase() ? file : undefined),
    },
    serverName: 'servent-test',
    clock: createSystemClock(),
    log: silentLogger,
    verify: verifyIndexedFile,
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.once('data', (first: Buffer) => {
      s.pause();
      void handOff(app, s, first);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    t.cleanup,
    () => app.close(),
    () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  );
  return { app, port: (server.address() as { port: number }).port, file };
}

describe('downloads from the servent upload app', () => {
  it('two holders (one by /get/, one by /uri-res/): swarmed, verified', async () => {
    const data = content(3 * 1024 * 1024 + 123, 61);
    const a = await holder(data, 'Track One.flac');
    const b = await holder(data, 'Track One.flac');
    const t = tempDir();
    cleanups.push(t.cleanup);
    const res = await startDownload(
      testOptions({
        sources: [
          {
            kind: 'direct',
            host: '127.0.0.1',
            port: a.port,
            path: `/get/7/${encodeURIComponent('Track One.flac')}`,
          },
          { kind: 'direct', host: '127.0.0.1', port: b.port, path: `/uri-res/N2R?${urnOf(data)}` },
        ],
        name: 'Track One.flac',
        outDir: t.dir,
        limits: { segmentBytes: 256 * 1024, minSegmentBytes: 64 * 1024 },
      }),
    ).done;
    // urn and size were learned from the first answer's headers
    expect(res).toMatchObject({ size: data.length, urn: urnOf(data), verified: true });
    expect(readFileSync(res.path).equals(data)).toBe(true);
  });

  it('through Push → GIV: the holder connects back with serveAfterGiv and serves the GET', async () => {
    const data = content(700_000, 62);
    const h = await holder(data, 'pushed.bin');
    const broker = new PushBroker({ clock: createSystemClock(), log: silentLogger });
    const us: Server = createServer((s) => {
      s.once('data', (first: Buffer) => {
        s.pause();
        void broker.handleGiv(s, first);
      });
    });
    await new Promise<void>((r) => us.listen(0, '127.0.0.1', r));
    const ourPort = (us.address() as { port: number }).port;
    const t = tempDir();
    cleanups.push(
      t.cleanup,
      () => broker.close(),
      () => new Promise<void>((r) => us.close(() => r())),
    );
    const requestPush = (s: PushSource): boolean => {
      const sock = connect(ourPort, '127.0.0.1', () => {
        void serveAfterGiv(h.app, sock, `GIV ${s.index}:${s.serventId}/${s.name}\n\n`);
      });
      sock.on('error', () => {});
      cleanups.push(() => void sock.destroy());
      return true;
    };
    const res = await startDownload(
      testOptions({
        sources: [{ kind: 'push', serventId: ID, index: 7, name: 'pushed.bin' }],
        urn: urnOf(data),
        size: data.length,
        name: 'pushed.bin',
        outDir: t.dir,
        pushBroker: broker,
        requestPush,
      }),
    ).done;
    expect(res.verified).toBe(true);
    expect(readFileSync(res.path).equals(data)).toBe(true);
  });
});
