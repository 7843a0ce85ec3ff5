import { connect, createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock, ManualClock } from '../../src/core/clock.js';
import { ProtocolError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { parseGiv, PushBroker } from '../../src/transfer/push-broker.js';
import type { PushSource } from '../../src/transfer/download/index.js';
import { content, FakeSource, startDownload, tempDir, testOptions, urnOf } from './download-fixture.js';

const ID = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : 'not-a-protocol-error';
  }
  return undefined;
}

describe('parseGiv', () => {
  it('parses the wire vector (49 bytes, bare LFs)', () => {
    const v = Buffer.from(`GIV 1:${ID}/Help.mp3\n\n`, 'latin1');
    expect(v.length).toBe(49);
    expect(parseGiv(v)).toEqual({
      kind: 'giv',
      giv: { index: 1, serventId: ID, name: 'Help.mp3' },
      consumed: 49,
    });
  });

  it.each([
    ['CR LF line ends', `GIV 0:${ID}/file\r\n\r\n`, { index: 0, name: 'file' }],
    ['upper-case id, lower-cased', `GIV 7:${ID.toUpperCase()}/a b\n\n`, { index: 7, name: 'a b' }],
    ['percent-encoded name', `GIV 3:${ID}/a%20b.txt\n\n`, { index: 3, name: 'a b.txt' }],
    ['no name at all', `GIV 3:${ID}\n\n`, { index: 3, name: '' }],
    ['malformed escape kept raw', `GIV 3:${ID}/100%\n\n`, { index: 3, name: '100%' }],
    ['max index', `GIV 4294967295:${ID}/x\n\n`, { index: 4294967295, name: 'x' }],
  ])('accepts %s', (_what, text, want) => {
    const r = parseGiv(Buffer.from(text, 'latin1'));
    expect(r.kind).toBe('giv');
    if (r.kind === 'giv') {
      expect(r.giv).toMatchObject({ ...want, serventId: ID });
      expect(r.consumed).toBe(Buffer.byteLength(text, 'latin1'));
    }
  });

  it.each([
    ['G', 'need-more'],
    ['GIV 1:', 'need-more'],
    [`GIV 1:${ID}/x\n`, 'need-more'],
    [`GIV 1:${ID}/x\r\n\r`, 'need-more'],
  ])('asks for more on a prefix: %j', (text, want) => {
    expect(parseGiv(Buffer.from(text, 'latin1')).kind).toBe(want);
  });

  it.each([
    ['GET / HTTP/1.1\r\n\r\n', 'E_GIV_BAD'],
    ['giv 1:x\n\n', 'E_GIV_BAD'],
    [`GIV x:${ID}/f\n\n`, 'E_GIV_BAD'],
    [`GIV 1:${ID.slice(2)}/f\n\n`, 'E_GIV_BAD'],
    [`GIV 4294967296:${ID}/f\n\n`, 'E_GIV_BAD'],
    [`GIV 1:${ID}/f\nGET / HTTP/1.1\r\n`, 'E_GIV_BAD'],
  ])('rejects %j with %s', (text, want) => {
    expect(code(() => parseGiv(Buffer.from(text, 'latin1')))).toBe(want);
  });

  it('caps the line: E_GIV_TOO_LONG with or without a line end', () => {
    expect(code(() => parseGiv(Buffer.from(`GIV 1:${ID}/${'a'.repeat(2000)}`)))).toBe('E_GIV_TOO_LONG');
    expect(code(() => parseGiv(Buffer.from(`GIV 1:${ID}/${'a'.repeat(2000)}\n\n`)))).toBe('E_GIV_TOO_LONG');
    expect(code(() => parseGiv(Buffer.from(`GIV 1:${ID}/${'a'.repeat(40)}\n\n`), 64))).toBe('E_GIV_TOO_LONG');
  });

  it('parses the same GIV split at every offset (need-more until complete)', () => {
    const v = Buffer.from(`GIV 12:${ID}/some file.ogg\r\n\r\nGET`, 'latin1');
    const full = v.length - 3;
    for (let i = 0; i <= v.length; i++) {
      const r = parseGiv(v.subarray(0, i));
      expect(r.kind).toBe(i >= full ? 'giv' : 'need-more');
    }
  });
});

describe('PushBroker', () => {
  function pair(): { ours: PassThrough; theirs: PassThrough } {
    // a one-way stand-in for a socket: we read what "they" write
    const ours = new PassThrough();
    return { ours, theirs: ours };
  }

  it('hands a matching GIV socket to the waiter (id case-insensitive), with bytes after the GIV unshifted', async () => {
    const broker = new PushBroker({ clock: new ManualClock(), log: silentLogger });
    const waiting = broker.expect(ID.toUpperCase());
    expect(broker.waiting(ID)).toBe(1);
    const { ours } = pair();
    const outcome = await broker.handleGiv(ours, Buffer.from(`GIV 5:${ID}/x\n\nHTTP/1.1 200 OK`));
    expect(outcome).toEqual({ ok: true, giv: { index: 5, serventId: ID, name: 'x' } });
    const sock = await waiting;
    expect(sock).toBe(ours);
    expect((sock.read() as Buffer).toString()).toBe('HTTP/1.1 200 OK');
    expect(broker.waiting()).toBe(0);
  });

  it('reads the rest of a GIV that arrives in pieces', async () => {
    const broker = new PushBroker({ clock: new ManualClock(), log: silentLogger });
    const waiting = broker.expect(ID);
    const { ours } = pair();
    const p = broker.handleGiv(ours, Buffer.from('GIV 1'));
    ours.write(`:${ID}/na`);
    setTimeout(() => ours.write('me\n\n'), 5);
    expect(await p).toMatchObject({ ok: true, giv: { name: 'name' } });
    expect(await waiting).toBe(ours);
  });

  it('closes an unsolicited GIV (nobody waiting) with E_GIV_UNSOLICITED', async () => {
    const broker = new PushBroker({ clock: new ManualClock(), log: silentLogger });
    const other = broker.expect('00'.repeat(16));
    const { ours } = pair();
    const outcome = await broker.handleGiv(ours, Buffer.from(`GIV 5:${ID}/x\n\n`));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe('E_GIV_UNSOLICITED');
    expect(ours.destroyed).toBe(true);
    expect(broker.waiting()).toBe(1);
    broker.close();
    await expect(other).rejects.toMatchObject({ code: 'E_PUSH_CLOSED' });
  });

  it('closes garbage and over-long GIVs', async () => {
    const broker = new PushBroker({ clock: new ManualClock(), log: silentLogger, maxGivBytes: 100 });
    void broker.expect(ID).catch(() => {});
    const a = new PassThrough();
    const ra = await broker.handleGiv(a, Buffer.from('GIV nonsense\n\n'));
    expect(ra.ok === false && ra.error.code).toBe('E_GIV_BAD');
    expect(a.destroyed).toBe(true);
    const b = new PassThrough();
    const pb = broker.handleGiv(b, Buffer.from('GIV 1:'));
    b.write('a'.repeat(200));
    const rb = await pb;
    expect(rb.ok === false && rb.error.code).toBe('E_GIV_TOO_LONG');
    expect(broker.waiting(ID)).toBe(1);
    broker.close();
  });

  it('gives up on a GIV line that never ends (deadline on the injected clock)', async () => {
    const clock = new ManualClock();
    const broker = new PushBroker({ clock, log: silentLogger, givReadTimeoutMs: 1000 });
    const s = new PassThrough();
    const p = broker.handleGiv(s, Buffer.from('GIV 1:'));
    await new Promise((r) => setTimeout(r, 1));
    clock.advance(1000);
    const r = await p;
    expect(r.ok === false && r.error.code).toBe('E_GIV_TIMEOUT');
    expect(s.destroyed).toBe(true);
  });

  it('times out a waiter with E_PUSH_TIMEOUT; a later GIV is then unsolicited', async () => {
    const clock = new ManualClock();
    const broker = new PushBroker({ clock, log: silentLogger });
    const w = broker.expect(ID, { timeoutMs: 20_000 });
    clock.advance(19_999);
    expect(broker.waiting(ID)).toBe(1);
    clock.advance(1);
    await expect(w).rejects.toMatchObject({ code: 'E_PUSH_TIMEOUT' });
    expect(broker.waiting()).toBe(0);
    const r = await broker.handleGiv(new PassThrough(), Buffer.from(`GIV 1:${ID}/x\n\n`));
    expect(r.ok === false && r.error.code).toBe('E_GIV_UNSOLICITED');
  });

  it('serves waiters for the same servent in order; abort and caps', async () => {
    const broker = new PushBroker({ clock: new ManualClock(), log: silentLogger, maxWaiters: 2 });
    const ctl = new AbortController();
    const first = broker.expect(ID, { signal: ctl.signal });
    const second = broker.expect(ID);
    await expect(broker.expect(ID)).rejects.toMatchObject({ code: 'E_PUSH_TOO_MANY' });
    await expect(broker.expect('xyz')).rejects.toMatchObject({ code: 'E_BAD_SERVENT_ID' });
    ctl.abort();
    await expect(first).rejects.toMatchObject({ code: 'E_ABORTED' });
    const s = new PassThrough();
    await broker.handleGiv(s, Buffer.from(`GIV 1:${ID}/x\n\n`));
    expect(await second).toBe(s);
  });
});

/** Our side of the servent's one port: GIV connections go to the broker. */
async function givListener(broker: PushBroker): Promise<{ server: Server; port: number }> {
  const server = createServer((s: Socket) => {
    s.once('data', (first: Buffer) => {
      s.pause();
      void broker.handleGiv(s, first);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr !== null ? addr.port : 0 };
}

describe('download through Push → GIV on loopback', () => {
  async function setup(
    data: Buffer,
  ): Promise<{ broker: PushBroker; holder: FakeSource; port: number; pushes: PushSource[]; dir: string }> {
    const broker = new PushBroker({ clock: createSystemClock(), log: silentLogger });
    const { server, port } = await givListener(broker);
    const holder = new FakeSource(data);
    const t = tempDir();
    cleanups.push(
      t.cleanup,
      () => new Promise<void>((r) => server.close(() => r())),
      () => holder.close(),
      () => broker.close(),
    );
    return { broker, holder, port, pushes: [], dir: t.dir };
  }

  /** The firewalled holder: on a Push, it connects to us, says GIV, then serves HTTP. */
  function holderAnswers(holder: FakeSource, port: number, pushes: PushSource[]): (s: PushSource) => boolean {
    return (s) => {
      pushes.push(s);
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(`GIV ${s.index}:${s.serventId}/${encodeURIComponent(s.name)}\n\n`);
        holder.serve(sock);
      });
      sock.on('error', () => {});
      return true;
    };
  }

  it('a push source: Push requested, the holder connects and GIVs, we GET on its socket', async () => {
    const data = content(300_000, 31);
    const { broker, holder, port, pushes, dir } = await setup(data);
    const src: PushSource = { kind: 'push', serventId: ID, index: 9, name: 'pushed.bin' };
    const res = await startDownload(
      testOptions({
        sources: [src],
        urn: urnOf(data),
        size: data.length,
        outDir: dir,
        name: 'pushed.bin',
        pushBroker: broker,
        requestPush: holderAnswers(holder, port, pushes),
      }),
    ).done;
    expect(res.verified).toBe(true);
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(pushes.length).toBe(1); // one GIV connection carried every segment (keep-alive)
    expect(holder.requests[0]?.path).toBe(`/uri-res/N2R?${urnOf(data)}`);
  });

  it('a direct source that refuses connections falls back to Push → GIV', async () => {
    const data = content(100_000, 32);
    const { broker, holder, port, pushes, dir } = await setup(data);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const res = await startDownload(
      testOptions({
        sources: [
          {
            kind: 'direct',
            host: '127.0.0.1',
            port: deadPort,
            path: '/get/4/f.bin',
            serventId: ID,
            index: 4,
          },
        ],
        size: data.length,
        outDir: dir,
        pushBroker: broker,
        requestPush: holderAnswers(holder, port, pushes),
      }),
    ).done;
    expect(readFileSync(res.path).equals(data)).toBe(true);
    expect(pushes).toEqual([{ kind: 'push', serventId: ID, index: 4, name: 'file.bin' }]);
    expect(holder.requests[0]?.path).toBe('/get/4/file.bin');
  });

  it('a push source without an overlay is dropped (E_PUSH_NO_OVERLAY); an unanswered Push times out', async () => {
    const data = content(1000, 33);
    const { broker, dir } = await setup(data);
    const src: PushSource = { kind: 'push', serventId: ID, index: 1, name: 'x' };
    const d1 = startDownload(testOptions({ sources: [src], outDir: dir }));
    await expect(d1.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d1.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_PUSH_NO_OVERLAY' });
    const d3 = startDownload(
      testOptions({
        sources: [src],
        outDir: dir,
        pushBroker: broker,
        requestPush: () => false,
        limits: { maxSourceFailures: 2 },
      }),
    );
    await expect(d3.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d3.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_PUSH_UNAVAILABLE' });
    const d2 = startDownload(
      testOptions({
        sources: [src],
        outDir: dir,
        pushBroker: broker,
        requestPush: () => true,
        limits: { maxSourceFailures: 1, pushTimeoutMs: 100 },
      }),
    );
    await expect(d2.done).rejects.toMatchObject({ code: 'E_NO_SOURCES' });
    expect(d2.sources()[0]).toMatchObject({ status: 'dropped', code: 'E_PUSH_TIMEOUT' });
    expect(broker.waiting()).toBe(0);
  });
});
