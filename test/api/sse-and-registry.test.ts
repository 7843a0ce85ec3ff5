import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadRegistry } from '../../src/api/download-registry.js';
import { openSse } from '../../src/api/sse.js';
import { createSystemClock, ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import type { DownloadSource } from '../../src/transfer/download/index.js';

/** A reply whose socket is never read: what a stalled EventSource looks like. */
function stalledReply(): { reply: FastifyReply; res: PassThrough; head: () => unknown } {
  let head: unknown;
  const res = Object.assign(new PassThrough({ highWaterMark: 16 }), {
    writeHead: (status: number, headers: unknown) => void (head = { status, headers }),
  });
  const reply = { hijack: () => undefined, raw: res } as unknown as FastifyReply;
  return { reply, res, head: () => head };
}

describe('SSE stream', () => {
  it('writes the retry hint, events with ids, keep-alive comments on the clock; closes a stalled reader at the cap', () => {
    const clock = new ManualClock();
    const { reply, res, head } = stalledReply();
    const s = openSse(reply, clock, { heartbeatMs: 1000, maxBufferedBytes: 2000, retryMs: 1500 });
    expect(head()).toMatchObject({
      status: 200,
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8' },
    });
    s.send('hit', { a: 1 }, 7);
    clock.advance(1000);
    const written = res.read()?.toString() as string;
    expect(written).toBe('retry: 1500\n\nid: 7\nevent: hit\ndata: {"a":1}\n\n: keep-alive\n\n');
    let closedBy = 0;
    s.onClose(() => closedBy++);
    for (let i = 0; i < 100 && !s.closed; i++) s.send('hit', { pad: 'x'.repeat(100) }, i);
    expect(s.closed).toBe(true);
    expect(closedBy).toBe(1);
    expect(res.writableLength).toBeLessThan(2000 + 200);
    expect(clock.pendingTimers()).toBe(0); // no heartbeat left behind
  });
});

describe('DownloadRegistry limits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'servent-dlreg-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const target = (n: number) => ({
    name: `f${n}.bin`,
    urn: `urn:sha1:${String.fromCharCode(65 + n).repeat(32)}`,
    sources: [{ kind: 'direct', host: '127.0.0.1', port: 9, path: `/get/${n}/f` } as DownloadSource],
  });

  it('refuses a download past maxActive, joins the same urn, forgets the oldest finished past maxKept', async () => {
    const reg = new DownloadRegistry({
      outDir: dir,
      clock: createSystemClock(),
      log: silentLogger,
      // connections never open: the downloads stay running
      connect: () => new Promise(() => {}),
      limits: { maxActive: 2, maxKept: 3 },
    });
    const a = await reg.start(target(0));
    const b = await reg.start(target(1));
    expect(a.created && b.created).toBe(true);
    const again = await reg.start(target(0));
    expect(again).toMatchObject({ created: false, added: 0 });
    expect(again.entry).toBe(a.entry);
    await expect(reg.start(target(2))).rejects.toMatchObject({
      code: 'E_API_TOO_MANY_DOWNLOADS',
      statusCode: 429,
    });
    await reg.cancel(a.entry, true);
    await reg.cancel(b.entry, true);
    const c = await reg.start(target(3));
    await reg.cancel(c.entry, true);
    const d = await reg.start(target(4));
    // four entries, three kept: the download that finished first (a) is forgotten
    expect(reg.list().map((e) => e.id)).toEqual([b.entry.id, c.entry.id, d.entry.id]);
    await reg.cancel(d.entry, true);
    await expect(reg.start({ ...target(5), urn: 'urn:sha1:nope' })).rejects.toMatchObject({
      code: 'E_API_BAD_REQUEST',
    });
  });
});
