import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServentError } from '../../src/core/errors.js';
import {
  content,
  FakeSource,
  listDir,
  startDownload,
  tempDir,
  testOptions,
  urnOf,
} from './download-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function source(
  data: Buffer,
  b: ConstructorParameters<typeof FakeSource>[1] = {},
): Promise<FakeSource> {
  const s = await new FakeSource(data, b).start();
  cleanups.push(() => s.close());
  return s;
}

function out(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('download engine: one source', () => {
  it('downloads, verifies and places the file; no part or state left', async () => {
    const data = content(300_000);
    const src = await source(data);
    const dir = out();
    const d = startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    );
    const res = await d.done;
    expect(res).toEqual({ path: join(dir, 'file.bin'), size: data.length, urn: urnOf(data), verified: true });
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(listDir(dir)).toEqual(['file.bin']);
    // keep-alive: several segment requests, one connection
    expect(src.requests.length).toBeGreaterThan(1);
    expect(src.connections).toBe(1);
    expect(src.requests[0]?.headers['x-gnutella-content-urn']).toBe(urnOf(data));
    expect(d.progress().bytes).toBe(data.length);
  });

  it('learns size and urn from the first answer when neither is known', async () => {
    const data = content(200_000, 7);
    const src = await source(data, { urn: urnOf(data) });
    const dir = out();
    const res = await startDownload(testOptions({ sources: [src.source()], outDir: dir })).done;
    expect(res.size).toBe(data.length);
    expect(res.urn).toBe(urnOf(data));
    expect(res.verified).toBe(true);
    expect(readFileSync(res.path).equals(data)).toBe(true);
  });

  it('accepts a 206 shorter than asked (first answer capped) and continues', async () => {
    const data = content(150_000, 3);
    const src = await source(data, { firstCap: 10_000 });
    const dir = out();
    const res = await startDownload(
      testOptions({
        sources: [src.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
        limits: { segmentBytes: 200_000 },
      }),
    ).done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(src.requests[0]?.range).toBe(`bytes=0-${data.length - 1}`);
    expect(src.requests[1]?.range).toBe(`bytes=10000-${data.length - 1}`);
  });

  it('accepts a 200 for a whole-file request and the legacy "HTTP 200 OK" status line', async () => {
    const data = content(50_000, 4);
    const src = await source(data, { ignoreRange: true, statusLine: 'HTTP 200 OK', close: true });
    const dir = out();
    const res = await startDownload(
      testOptions({
        sources: [src.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
        limits: { segmentBytes: 100_000 },
      }),
    ).done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
  });

  it('a server that ignores Range (200, whole file) is read to the end in one request', async () => {
    const data = content(300_000, 14);
    const src = await source(data, { ignoreRange: true });
    const dir = out();
    const res = await startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    ).done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(src.requests.length).toBe(1);
  });

  it('a source answering less than the overlap re-check makes no progress and is dropped', async () => {
    const data = content(100_000, 15);
    const urn = urnOf(data);
    const dir = out();
    writeFileSync(join(dir, 'file.bin.part'), data.subarray(0, 50_000));
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
    const src = await source(data, { cap: 32 });
    const d = startDownload(
      testOptions({
        sources: [src.source()],
        urn,
        size: data.length,
        outDir: dir,
        limits: { maxSourceFailures: 2 },
      }),
    );
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_NO_PROGRESS' });
    expect(src.requests.length).toBe(2);
  });

  it('resumes with Range after the connection is cut mid-transfer', async () => {
    const data = content(400_000, 5);
    const src = await source(data, { cutAfter: 150_000 });
    const dir = out();
    const res = await startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    ).done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(src.connections).toBe(2);
    // nothing before the cut was fetched twice (bar the small overlap re-check)
    expect(src.bodyBytesSent).toBeLessThan(data.length + 70_000);
  });

  it('resumes from the .part and .part.json after the process state is gone', async () => {
    const data = content(600_000, 6);
    const slow = await source(data, { throttle: { chunk: 16 * 1024, everyMs: 5 } });
    const dir = out();
    const urn = urnOf(data);
    const first = startDownload(
      testOptions({ sources: [slow.source()], urn, size: data.length, outDir: dir }),
    );
    // wait until a checkpoint recorded some bytes, then stop as if the process died
    for (let i = 0; i < 200 && !existsSync(join(dir, 'file.bin.part.json')); i++)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    await first.pause();
    const state = JSON.parse(readFileSync(join(dir, 'file.bin.part.json'), 'utf8')) as {
      completed: [number, number, string][];
      urn: string;
    };
    expect(state.urn).toBe(urn);
    const had = state.completed.reduce((n, [a, b]) => n + b - a, 0);
    expect(had).toBeGreaterThan(0);
    expect(had).toBeLessThan(data.length);

    const fresh = await source(data);
    const second = startDownload(
      testOptions({ sources: [fresh.source()], urn, size: data.length, outDir: dir }),
    );
    const res = await second.done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
    // the second process fetched only what was missing (plus overlap re-checks)
    expect(fresh.bodyBytesSent).toBeLessThanOrEqual(data.length - had + 64 * 20);
    expect(listDir(dir)).toEqual(['file.bin']);
  });

  it('rejects a SHA-1 mismatch: nothing at the final name, part and state removed', async () => {
    const data = content(100_000, 8);
    const src = await source(data);
    const dir = out();
    const wrong = urnOf(Buffer.from('something else'));
    const d = startDownload(
      testOptions({ sources: [src.source()], urn: wrong, size: data.length, outDir: dir }),
    );
    await expect(d.done).rejects.toMatchObject({ code: 'E_SHA1_MISMATCH' });
    expect(listDir(dir)).toEqual([]);
    expect(d.sources()[0]?.status).toBe('banned');
  });

  it('never overwrites an existing file: picks "name (1).ext", then "name (2).ext"', async () => {
    const data = content(20_000, 9);
    const src = await source(data);
    const dir = out();
    writeFileSync(join(dir, 'file.bin'), 'precious');
    const r1 = await startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    ).done;
    const r2 = await startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    ).done;
    expect(r1.path).toBe(join(dir, 'file (1).bin'));
    expect(r2.path).toBe(join(dir, 'file (2).bin'));
    expect(readFileSync(join(dir, 'file.bin'), 'utf8')).toBe('precious');
  });

  it('keeps a hostile name inside the output folder', async () => {
    const data = content(5_000, 10);
    const src = await source(data);
    const dir = out();
    const res = await startDownload(
      testOptions({
        sources: [src.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
        name: '../../..\u0000/etc/.passwd\u0007',
      }),
    ).done;
    expect(res.path).toBe(join(dir, 'passwd_'));
    expect(listDir(dir)).toEqual(['passwd_']);
  });

  it('drops a source answering 404 and fails with E_NO_SOURCES', async () => {
    const src = await source(content(1_000, 11), { notFound: true });
    const d = startDownload(testOptions({ sources: [src.source()], size: 5_000, outDir: out() }));
    const err = (await d.done.catch((e: unknown) => e)) as ServentError;
    expect(err.code).toBe('E_NO_SOURCES');
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_HTTP_NOT_FOUND' });
  });

  it('drops a source that announces another size', async () => {
    const src = await source(content(1_000, 11));
    const d = startDownload(testOptions({ sources: [src.source()], size: 5_000, outDir: out() }));
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_SIZE_MISMATCH' });
  });

  it('drops a source that names another urn', async () => {
    const data = content(10_000, 13);
    const src = await source(data, { urn: urnOf(Buffer.from('other')) });
    const d = startDownload(testOptions({ sources: [src.source()], urn: urnOf(data), outDir: out() }));
    await expect(d.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_URN_MISMATCH' });
  });

  it('pause closes connections and checkpoints; resume continues; events report states and sources', async () => {
    const data = content(500_000, 16);
    const src = await source(data, { throttle: { chunk: 16 * 1024, everyMs: 5 } });
    const dir = out();
    const d = startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    );
    const states: string[] = [];
    const statuses: string[] = [];
    let progressEvents = 0;
    d.on('state', (s) => states.push(s));
    d.on('source', (e) => statuses.push(e.status));
    const off = d.on('progress', () => progressEvents++);
    await new Promise((r) => setTimeout(r, 80));
    await d.pause();
    const atPause = d.progress().bytes;
    expect(atPause).toBeGreaterThan(0);
    expect(d.progress().sources.active).toBe(0);
    expect(existsSync(d.partPath)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(d.progress().bytes).toBe(atPause);
    d.resume();
    const res = await d.done;
    off();
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(states).toEqual(['paused', 'running', 'verifying', 'done']);
    expect(statuses).toContain('active');
    expect(statuses).toContain('idle');
    expect(progressEvents).toBeGreaterThan(0);
    expect(src.connections).toBe(2);
  });

  it('cancel keeps the part for later; cancel with discard removes it', async () => {
    const data = content(400_000, 12);
    const src = await source(data, { throttle: { chunk: 8 * 1024, everyMs: 10 } });
    const dir = out();
    const d = startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    );
    await new Promise((r) => setTimeout(r, 150));
    await d.cancel();
    await expect(d.done).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(listDir(dir)).toEqual(['file.bin.part', 'file.bin.part.json']);
    const d2 = startDownload(
      testOptions({ sources: [src.source()], urn: urnOf(data), size: data.length, outDir: dir }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await d2.cancel({ discard: true });
    expect(listDir(dir)).toEqual([]);
  });
});
