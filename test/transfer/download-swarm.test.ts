import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  captureLogger,
  content,
  FakeSource,
  type SourceBehaviour,
  startDownload,
  tempDir,
  testOptions,
  urnOf,
} from './download-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function source(data: Buffer, b: SourceBehaviour = {}): Promise<FakeSource> {
  const s = await new FakeSource(data, b).start();
  cleanups.push(() => s.close());
  return s;
}

function out(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const steady = { throttle: { chunk: 16 * 1024, everyMs: 4 } };

describe('download engine: several sources', () => {
  it('three sources, one dies half-way: the others finish and the file verifies', async () => {
    const data = content(1_200_000, 21);
    const a = await source(data, steady);
    const b = await source(data, steady);
    const dying = await source(data, { ...steady, cutAfter: 200_000, dieAfterCut: true });
    const dir = out();
    const d = startDownload(
      testOptions({
        sources: [dying.source(), a.source(), b.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
      }),
    );
    const res = await d.done;
    expect(res.verified).toBe(true);
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(a.bodyBytesSent).toBeGreaterThan(0);
    expect(b.bodyBytesSent).toBeGreaterThan(0);
    expect(dying.bodyBytesSent).toBe(200_000);
    const dead = d.sources().find((s) => s.key.endsWith(`:${dying.port}`));
    expect(['backoff', 'dropped']).toContain(dead?.status);
  });

  it('a 503 source with Retry-After is backed off; the others take its segments', async () => {
    const data = content(600_000, 22);
    const busy = await source(data, { busy: { retryAfterS: 30, times: 1000 } });
    const a = await source(data, steady);
    const b = await source(data, steady);
    const dir = out();
    const d = startDownload(
      testOptions({
        sources: [busy.source(), a.source(), b.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
      }),
    );
    const res = await d.done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(busy.requests.length).toBe(1);
    const s = d.sources().find((x) => x.key.endsWith(`:${busy.port}`));
    expect(s).toMatchObject({ status: 'backoff', code: 'E_HTTP_BUSY' });
    expect((s?.retryAt ?? 0) - Date.now()).toBeGreaterThan(25_000);
  });

  it('retries a busy source once its Retry-After has passed', async () => {
    const data = content(100_000, 23);
    const busy = await source(data, { busy: { retryAfterS: 1, times: 1 } });
    const res = await startDownload(
      testOptions({ sources: [busy.source()], urn: urnOf(data), size: data.length, outDir: out() }),
    ).done;
    expect(res.verified).toBe(true);
    const [first, second] = busy.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('end-game: the last bytes of a slow source are raced by a fast one, which wins', async () => {
    const data = content(512 * 1024, 24);
    const fast = await source(data);
    const slow = await source(data, { throttle: { chunk: 2048, everyMs: 40 } }); // ~50 KB/s
    const dir = out();
    const log = captureLogger();
    const started = Date.now();
    const d = startDownload(
      testOptions({
        sources: [slow.source(), fast.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
        log,
      }),
    );
    const res = await d.done;
    expect(res.verified).toBe(true);
    expect(readFileSync(res.path).equals(data)).toBe(true);
    const plans = log.records
      .filter((r) => r.msg === 'segment assigned')
      .map((r) => `${String(r.source)}:${String(r.plan)}`);
    expect(plans).toContain(`127.0.0.1:${fast.port}:race`);
    // the slow source alone would need ~10 s
    expect(Date.now() - started).toBeLessThan(6_000);
    // faster sources are given more: the fast one sent most of the file
    expect(fast.bodyBytesSent).toBeGreaterThan(slow.bodyBytesSent * 4);
  });

  it('splits a slow source’s large remainder for a source that frees up', async () => {
    const data = content(1024 * 1024, 25);
    const slow = await source(data, { throttle: { chunk: 4096, everyMs: 20 } });
    const fast = await source(data, { headDelayMs: 30 });
    const log = captureLogger();
    const res = await startDownload(
      testOptions({
        sources: [slow.source(), fast.source()],
        urn: urnOf(data),
        size: data.length,
        outDir: out(),
        log,
        limits: { segmentBytes: 1024 * 1024, minSegmentBytes: 16 * 1024 },
      }),
    ).done;
    expect(res.verified).toBe(true);
    const plans = log.records.filter((r) => r.msg === 'segment assigned').map((r) => String(r.plan));
    expect(plans[0]).toBe('fresh');
    expect(plans).toContain('split');
  });

  it('a lying source is caught by the overlap check and banned; the file still verifies', async () => {
    const data = content(400_000, 26);
    const urn = urnOf(data);
    const dir = out();
    // a previous session left the first 200,000 bytes
    writeFileSync(join(dir, 'file.bin.part'), data.subarray(0, 200_000));
    writeFileSync(
      join(dir, 'file.bin.part.json'),
      JSON.stringify({
        version: 1,
        name: 'file.bin',
        urn,
        size: data.length,
        completed: [[0, 200_000, 'earlier']],
        sources: [],
        banned: [],
      }),
    );
    const flip = (buf: Buffer): Buffer => Buffer.from(buf.map((x) => x ^ 0xff));
    const liar = await source(data, { lie: flip });
    const honest = await source(data, { headDelayMs: 50 });
    const d = startDownload(
      testOptions({ sources: [liar.source(), honest.source()], urn, size: data.length, outDir: dir }),
    );
    const res = await d.done;
    expect(res.verified).toBe(true);
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(liar.requests[0]?.range).toBe(`bytes=${200_000 - 64}-${200_000 + 64 * 1024 - 1}`);
    expect(d.sources().find((s) => s.key.endsWith(`:${liar.port}`))).toMatchObject({
      status: 'banned',
      code: 'E_OVERLAP_MISMATCH',
    });
  });

  it('a liar the overlap check misses is found by re-verification without it, and banned', async () => {
    const data = content(300_000, 27);
    const urn = urnOf(data);
    // corrupts everything but the first 64 bytes of each answer, so overlap checks pass
    const sly = (buf: Buffer): Buffer =>
      Buffer.concat([buf.subarray(0, 64), Buffer.from(buf.subarray(64).map((x) => x ^ 1))]);
    const liar = await source(data, { ...steady, lie: sly });
    const honest = await source(data, steady);
    const log = captureLogger();
    const d = startDownload(
      testOptions({ sources: [honest.source(), liar.source()], urn, size: data.length, outDir: out(), log }),
    );
    const res = await d.done;
    expect(res.verified).toBe(true);
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(log.records.some((r) => r.msg === 'SHA-1 mismatch')).toBe(true);
    const status = new Map(d.sources().map((s) => [s.key.split(':')[1], s.status]));
    expect(status.get(String(liar.port))).toBe('banned');
    expect(status.get(String(honest.port))).not.toBe('banned');
  });

  it('sources added while running join the download', async () => {
    const data = content(800_000, 28);
    const a = await source(data, steady);
    const b = await source(data, steady);
    const d = startDownload(
      testOptions({ sources: [a.source()], urn: urnOf(data), size: data.length, outDir: out() }),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(d.addSources([b.source(), a.source()])).toBe(1);
    const res = await d.done;
    expect(res.verified).toBe(true);
    expect(b.bodyBytesSent).toBeGreaterThan(0);
  });
});
