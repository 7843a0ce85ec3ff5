/** One test per download-side cap that the other files do not already cover (see docs/LIMITS.md). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError, TransferError } from '../../src/core/errors.js';
import { placeNoClobber } from '../../src/transfer/download/file-name.js';
import { HttpStatusError } from '../../src/transfer/download/http-client.js';
import { parseMagnet, parsePushUrl } from '../../src/transfer/download/index.js';
import { classifyError, SourceEntry } from '../../src/transfer/download/source-entry.js';
import { DOWNLOAD_DEFAULTS } from '../../src/transfer/download/types.js';
import {
  content,
  FakeSource,
  listDir,
  startDownload,
  tempDir,
  testOptions,
  urnOf,
} from './download-fixture.js';

const URN = 'urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB';
const GUID = '0123456789abcdef0123456789abcdef';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function out(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function source(
  data: Buffer,
  b: ConstructorParameters<typeof FakeSource>[1] = {},
): Promise<FakeSource> {
  const s = await new FakeSource(data, b).start();
  cleanups.push(() => s.close());
  return s;
}

describe('download limits', () => {
  it('maxKnownSources: sources past the cap are ignored', () => {
    const d = startDownload(
      testOptions({ sources: [], urn: URN, size: 10, outDir: out(), limits: { maxKnownSources: 3 } }),
    );
    const many = Array.from({ length: 5 }, (_, i) => ({
      kind: 'direct' as const,
      host: '127.0.0.1',
      port: 1000 + i,
      path: '/',
    }));
    expect(d.addSources(many)).toBe(3);
    expect(d.sources().length).toBe(3);
    void d.cancel({ discard: true });
  });

  it('connectTimeoutMs: a connect that never completes fails with E_TIMEOUT_CONNECT (injected clock)', async () => {
    const clock = new ManualClock();
    const d = startDownload(
      testOptions({
        sources: [{ kind: 'direct', host: '127.0.0.1', port: 9, path: '/x' }],
        size: 10,
        outDir: out(),
        clock,
        connect: () => new Promise<Duplex>(() => {}),
        limits: { maxConnectFailures: 1, connectTimeoutMs: 10_000 },
      }),
    );
    let settled = false;
    void d.done.catch(() => (settled = true));
    for (let i = 0; i < 100 && !settled; i++) {
      await new Promise((r) => setTimeout(r, 5));
      clock.advance(5_000);
    }
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_TIMEOUT_CONNECT' });
  });

  it('maxConnectFailures: refused connects drop the source after the cap, backing off in between', async () => {
    let attempts = 0;
    const d = startDownload(
      testOptions({
        sources: [{ kind: 'direct', host: '127.0.0.1', port: 9, path: '/x' }],
        size: 10,
        outDir: out(),
        connect: () => {
          attempts++;
          return Promise.reject(new TransferError('E_CONNECT', 'refused'));
        },
        limits: { maxConnectFailures: 3, backoffBaseMs: 5 },
      }),
    );
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(attempts).toBe(3);
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_CONNECT' });
  });

  it('maxFileBytes: a source announcing a larger file is dropped (E_SIZE_TOO_LARGE)', async () => {
    const src = await source(content(5_000, 51));
    const d = startDownload(
      testOptions({ sources: [src.source()], outDir: out(), limits: { maxFileBytes: 4_096 } }),
    );
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_SIZE_TOO_LARGE' });
  });

  it('a source that never says the size, when we do not know it, is dropped (E_SIZE_UNKNOWN)', async () => {
    const canned = (): Promise<Duplex> => {
      const incoming = new PassThrough();
      incoming.end(
        'HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-9/*\r\nContent-Length: 10\r\n\r\n0123456789',
      );
      const sink = new PassThrough();
      sink.resume();
      return Promise.resolve(Duplex.from({ readable: incoming, writable: sink }));
    };
    const d = startDownload(
      testOptions({
        sources: [{ kind: 'direct', host: '127.0.0.1', port: 9, path: '/x' }],
        outDir: out(),
        connect: canned,
      }),
    );
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_SIZE_UNKNOWN' });
  });

  it('maxStateBytes: an oversized or malformed state file is left alone; the download uses another part name', async () => {
    const data = content(30_000, 52);
    const src = await source(data);
    const dir = out();
    writeFileSync(join(dir, 'file.bin.part'), 'keep me');
    writeFileSync(join(dir, 'file.bin.part.json'), `{"version":1,"pad":"${'x'.repeat(2_000)}"}`);
    writeFileSync(join(dir, 'file (1).bin.part'), 'keep me too');
    writeFileSync(join(dir, 'file (1).bin.part.json'), '{not json');
    const d = startDownload(
      testOptions({
        sources: [src.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
        limits: { maxStateBytes: 1_000 },
      }),
    );
    const res = await d.done;
    expect(res.path).toBe(join(dir, 'file.bin'));
    expect(readFileSync(join(dir, 'file.bin.part'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(dir, 'file (1).bin.part'), 'utf8')).toBe('keep me too');
    expect(existsSync(join(dir, 'file (2).bin.part'))).toBe(false);
  });

  it('state ranges are never trusted past the bytes the part file really holds', async () => {
    const data = content(50_000, 53);
    const urn = urnOf(data);
    const dir = out();
    writeFileSync(join(dir, 'file.bin.part'), data.subarray(0, 1_000));
    writeFileSync(
      join(dir, 'file.bin.part.json'),
      JSON.stringify({
        version: 1,
        name: 'file.bin',
        urn,
        size: data.length,
        completed: [[0, 50_000, 'x']],
        sources: [],
        banned: [],
      }),
    );
    const src = await source(data);
    const res = await startDownload(
      testOptions({ sources: [src.source()], urn, size: data.length, outDir: dir }),
    ).done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(src.bodyBytesSent).toBeGreaterThanOrEqual(49_000);
  });

  it('a banned source stays banned when the download is resumed', async () => {
    const data = content(20_000, 54);
    const urn = urnOf(data);
    const dir = out();
    const src = await source(data);
    const key = `127.0.0.1:${src.port}`;
    writeFileSync(join(dir, 'file.bin.part'), '');
    writeFileSync(
      join(dir, 'file.bin.part.json'),
      JSON.stringify({
        version: 1,
        name: 'file.bin',
        urn,
        size: data.length,
        completed: [],
        sources: [key],
        banned: [key],
      }),
    );
    const d = startDownload(testOptions({ sources: [src.source()], urn, size: data.length, outDir: dir }));
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(src.requests.length).toBe(0);
    expect(listDir(dir)).toEqual(['file.bin.part', 'file.bin.part.json']);
  });

  it('numbered names: gives up with E_NO_FREE_NAME after the attempt cap', async () => {
    const dir = out();
    for (const n of ['a.txt', 'a (1).txt', 'a (2).txt']) writeFileSync(join(dir, n), n);
    writeFileSync(join(dir, 'src'), 'data');
    await expect(placeNoClobber(join(dir, 'src'), dir, 'a.txt', 3)).rejects.toMatchObject({
      code: 'E_NO_FREE_NAME',
    });
    expect(await placeNoClobber(join(dir, 'src'), dir, 'a.txt', 4)).toBe(join(dir, 'a (3).txt'));
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('a.txt');
  });

  it('magnet parameters past 128 and push proxies past 8 are ignored', () => {
    const filler = Array.from({ length: 128 }, (_, i) => `x${i}=y`).join('&');
    expect(() => parseMagnet(`magnet:?${filler}&xt=${URN}`)).toThrow(ConfigError);
    expect(parseMagnet(`magnet:?${filler.split('&').slice(1).join('&')}&xt=${URN}`).urn).toBe(URN);
    const proxies = Array.from({ length: 10 }, (_, i) => `:10.0.0.${i}:6346`).join('');
    expect(parsePushUrl(`push://${GUID}${proxies}/`, 'x').proxies?.length).toBe(8);
  });

  it('back-off doubles per failure up to the cap; a 503 without Retry-After waits busyRetryMs', () => {
    const limits = { ...DOWNLOAD_DEFAULTS, backoffBaseMs: 1_000, backoffMaxMs: 5_000 };
    const e = new SourceEntry('k', { kind: 'direct', host: 'h', port: 1, path: '/' });
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      e.failed(new TransferError('E_CONN_CLOSED', 'x'), 0, { ...limits, maxSourceFailures: 99 });
      waits.push(e.retryAt);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(classifyError(new HttpStatusError('E_HTTP_BUSY', 503, undefined, 'busy'), limits)).toEqual({
      kind: 'retry',
      delayMs: DOWNLOAD_DEFAULTS.busyRetryMs,
      connect: false,
    });
    expect(classifyError(new HttpStatusError('E_HTTP_BUSY', 503, 7_000, 'busy'), limits)).toMatchObject({
      delayMs: 7_000,
    });
    expect(classifyError(new HttpStatusError('E_HTTP_STATUS', 403, undefined, 'no'), limits)).toEqual({
      kind: 'drop',
    });
  });
});
