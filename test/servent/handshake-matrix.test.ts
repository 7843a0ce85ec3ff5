import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/protocol/decode.js';
import { encodeMessage } from '../../src/protocol/encode.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

/** A scripted peer: connects, writes, collects what the servent answers until it closes or `ms` pass. */
function talk(
  port: number,
  chunks: Array<string | Buffer>,
  ms = 800,
): Promise<{ text: string; raw: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    let closed = false;
    const s = net.connect(port, '127.0.0.1', () => {
      for (const c of chunks) s.write(c);
    });
    s.on('data', (d: Buffer) => got.push(d));
    s.on('close', () => {
      closed = true;
      finish();
    });
    s.on('error', () => {});
    const t = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(t);
      s.destroy();
      const raw = Buffer.concat(got);
      resolve({ text: raw.toString('latin1'), raw, closed });
    }
  });
}

/** A peer listening on an ephemeral port that answers the servent's CONNECT with `reply`. */
async function fakeServer(
  reply: (hello: string) => string | undefined,
): Promise<{ port: number; hellos: string[]; close(): void }> {
  const hellos: string[] = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!/\r?\n\r?\n/.test(buf)) return;
      hellos.push(buf);
      // answer the hello only: what follows our reply is step 3 and then binary
      const r = hellos.length === 1 || buf.startsWith('GNUTELLA CONNECT') ? reply(buf) : undefined;
      if (r !== undefined) s.write(r);
      buf = '';
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, hellos, close: () => server.close() };
}

const HELLO_06 = 'GNUTELLA CONNECT/0.6\r\nUser-Agent: test/1\r\nX-Ultrapeer: True\r\n\r\n';
const FINAL_200 = 'GNUTELLA/0.6 200 OK\r\n\r\n';
const PING = encodeMessage({ type: 'ping', guid: Buffer.alloc(16, 7), ttl: 1, hops: 0 });

let tn: Testnet | undefined;
afterEach(async () => {
  await tn?.close();
  tn = undefined;
});

describe('handshake matrix against a live servent', () => {
  it('inbound 0.6: three steps, then a ping is answered with a pong of the same GUID', async () => {
    tn = await createTestnet(1);
    const r = await talk(tn.servents[0]!.address().port, [HELLO_06, FINAL_200, PING]);
    expect(r.text).toMatch(/^GNUTELLA\/0\.6 200 OK\r\n/);
    expect(r.text).toMatch(/\r\nX-Ultrapeer: True\r\n/);
    expect(r.text).toMatch(/\r\nUser-Agent: servent\//);
    const body = r.raw.subarray(r.raw.indexOf('\r\n\r\n') + 4);
    const pong = decodeMessage(body.subarray(0, 23 + body.readUInt32LE(19)));
    expect(pong.type).toBe('pong');
    expect(pong.guid.equals(Buffer.alloc(16, 7))).toBe(true);
  });

  it('inbound 0.4: GNUTELLA OK, then binary', async () => {
    tn = await createTestnet(1);
    const r = await talk(tn.servents[0]!.address().port, ['GNUTELLA CONNECT/0.4\n\n', PING]);
    expect(r.text.startsWith('GNUTELLA OK\n\n')).toBe(true);
    const pong = decodeMessage(r.raw.subarray(13, 13 + 23 + r.raw.readUInt32LE(13 + 19)));
    expect(pong.type).toBe('pong');
  });

  it('outbound 0.6 and outbound 0.4 (--legacy, and a peer answering GNUTELLA OK)', async () => {
    tn = await createTestnet(2, { topology: [], config: (i) => (i === 1 ? { legacy: true } : {}) });
    const s06 = await fakeServer(() => 'GNUTELLA/0.6 200 OK\r\nX-Ultrapeer: True\r\n\r\n');
    const s04 = await fakeServer(() => 'GNUTELLA OK\n\n');
    try {
      expect(await tn.servents[0]!.connect('127.0.0.1', s06.port)).toBe(true);
      expect(s06.hellos[0]).toMatch(/^GNUTELLA CONNECT\/0\.6\r\n/);
      expect(s06.hellos[0]).toMatch(/\r\nX-Ultrapeer: True\r\n/);
      expect(s06.hellos[0]).toMatch(/\r\nAccept-Encoding: deflate\r\n/);
      expect(s06.hellos[0]).not.toMatch(/X-Ultrapeer-Query-Routing/);
      for (let i = 0; i < 50 && s06.hellos.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(s06.hellos[1]).toMatch(/^GNUTELLA\/0\.6 200/); // our step 3
      expect(await tn.servents[0]!.connect('127.0.0.1', s04.port)).toBe(true);
      expect(await tn.servents[1]!.connect('127.0.0.1', s04.port)).toBe(true);
      expect(s04.hellos[s04.hellos.length - 1]).toBe('GNUTELLA CONNECT/0.4\n\n');
      const versions = tn.servents[0]!.connections.list().map((c) => c.info.version);
      expect(versions.sort()).toEqual(['0.4', '0.6']);
    } finally {
      s06.close();
      s04.close();
    }
  });

  it('refuses with 503 and X-Try when full; a refused dial keeps the X-Try hosts', async () => {
    tn = await createTestnet(2, { topology: [], config: () => ({ maxPeers: 0 }) });
    tn.servents[0]!.hostCache.add('127.0.0.77', 6346, 'pong');
    const r = await talk(tn.servents[0]!.address().port, [HELLO_06]);
    expect(r.text).toMatch(/^GNUTELLA\/0\.6 503 /);
    expect(r.text).toMatch(/X-Try-Ultrapeers: 127\.0\.0\.77:6346/);
    const busy = await fakeServer(
      () => 'GNUTELLA/0.6 503 Busy\r\nX-Try-Ultrapeers: 127.0.0.88:6346, 127.0.0.89:6347\r\n\r\n',
    );
    try {
      expect(await tn.servents[1]!.connect('127.0.0.1', busy.port)).toBe(false);
      const known = tn.servents[1]!.hostCache.all().map((e) => `${e.host}:${e.port}`);
      expect(known).toContain('127.0.0.88:6346');
      expect(known).toContain('127.0.0.89:6347');
    } finally {
      busy.close();
    }
  });

  it('drops a peer that does not complete the handshake in time, and garbage at once', async () => {
    tn = await createTestnet(1, { config: () => ({ handshakeTimeoutMs: 300 }) });
    const port = tn.servents[0]!.address().port;
    const slow = await talk(port, ['GNUTELLA CONNECT/0.6\r\nUser-Agent: slow'], 2000);
    expect(slow.closed).toBe(true);
    expect(slow.text).toBe('');
    const garbage = await talk(port, ['\x00\x01\x02 definitely not gnutella\r\n\r\n'], 2000);
    expect(garbage.closed).toBe(true);
    expect(garbage.text).toBe('');
    const badHeader = await talk(port, [`GNUTELLA CONNECT/0.6\r\nX: ${'a'.repeat(5000)}\r\n\r\n`], 2000);
    expect(badHeader.closed).toBe(true);
    // still serving a well-behaved peer
    const ok = await talk(port, [HELLO_06]);
    expect(ok.text).toMatch(/^GNUTELLA\/0\.6 200/);
  });

  it('links outlive the handshake deadline (the deadline bounds the handshake only)', async () => {
    tn = await createTestnet(2, { topology: 'line', config: () => ({ handshakeTimeoutMs: 200 }) });
    await tn.waitConnected();
    await new Promise((r) => setTimeout(r, 700));
    for (const s of tn.servents) expect(s.connections.list().map((c) => c.state)).toEqual(['open']);
  });

  it('deflate both ways between two servents carries searches', async () => {
    tn = await createTestnet(2, {
      topology: 'line',
      files: (i) => (i === 1 ? { 'zipped thing.txt': 'z' } : {}),
    });
    await tn.waitConnected();
    const c = tn.servents[0]!.connections.list()[0]!;
    expect(c.info.compressIn && c.info.compressOut).toBe(true);
    const hits = [];
    for await (const h of tn.servents[0]!.router.search({ text: 'zipped' }, AbortSignal.timeout(800)))
      hits.push(h);
    expect(hits).toHaveLength(1);
  });
});
