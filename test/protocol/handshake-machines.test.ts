import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServentError } from '../../src/core/errors.js';
import {
  CONNECT_04,
  ClientHandshake,
  OK_04,
  ServerHandshake,
  defaultHandshakeHeaders,
  parseHandshakeBlock,
  writeConnect06,
  writeResponse06,
  type ClientHandshakeOptions,
  type HandshakeBlock,
  type HandshakeReply,
  type HeaderInit,
  type HandshakeStep,
  type ServerHandshakeOptions,
} from '../../src/protocol/handshake.js';

const SEED = 0xc0ffee;
const FIXTURES = join(import.meta.dirname, '../../fixtures/handshakes/gnutella-bun-client');
const BINARY = Buffer.from([0x78, 0x9c, 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0xff]);

const hdrs = (
  ultrapeer: boolean,
  acceptDeflate: boolean,
  port: number,
): ReturnType<typeof defaultHandshakeHeaders> =>
  defaultHandshakeHeaders({
    userAgent: 'servent/0.1.0',
    listenIp: '127.0.0.1',
    listenPort: port,
    remoteIp: '127.0.0.1',
    ultrapeer,
    acceptDeflate,
    serventIdHex: '00'.repeat(16),
  });

const accept =
  (headers: HeaderInit = []) =>
  (): HandshakeReply => ({ code: 200, reason: 'OK', headers });

/** Runs both machines against each other; returns the final steps and the bytes each side wrote. */
function converse(
  clientOpts: ClientHandshakeOptions,
  serverOpts: ServerHandshakeOptions,
  extra: { clientBinary?: Buffer; serverBinary?: Buffer } = {},
): { client: HandshakeStep; server: HandshakeStep; toServer: Buffer; toClient: Buffer } {
  const client = new ClientHandshake(clientOpts);
  const server = new ServerHandshake(serverOpts);
  const hello = client.start().send as Buffer;
  const s1 = server.feed(hello);
  const toClient = Buffer.concat([
    s1.send ?? Buffer.alloc(0),
    s1.send && !s1.failed ? (extra.serverBinary ?? Buffer.alloc(0)) : Buffer.alloc(0),
  ]);
  if (s1.failed || s1.done) {
    const c = client.feed(toClient);
    return { client: c, server: s1, toServer: hello, toClient };
  }
  const c = client.feed(toClient);
  if (c.send === undefined) return { client: c, server: s1, toServer: hello, toClient };
  const s2 = server.feed(Buffer.concat([c.send, extra.clientBinary ?? Buffer.alloc(0)]));
  return { client: c, server: s2, toServer: Buffer.concat([hello, c.send]), toClient };
}

describe('0.6 exchange between the two machines', () => {
  it('leaf dials ultrapeer with deflate both ways', () => {
    const r = converse(
      { headers: hdrs(false, true, 6347), compressOutbound: true, leaf: true },
      { decide: accept(hdrs(true, true, 6346)), compressOutbound: true },
      { serverBinary: BINARY.subarray(0, 3), clientBinary: BINARY },
    );
    const c = r.client.done;
    const s = r.server.done;
    expect(c).toBeDefined();
    expect(s).toBeDefined();
    if (!c || !s) return;
    expect(c).toMatchObject({
      version: '0.6',
      compressIn: true,
      compressOut: true,
      remoteUltrapeer: true,
      weAreLeaf: true,
    });
    expect(s).toMatchObject({
      version: '0.6',
      compressIn: true,
      compressOut: true,
      remoteUltrapeer: false,
      weAreLeaf: false,
    });
    expect(c.rest.equals(BINARY.subarray(0, 3))).toBe(true);
    expect(s.rest.equals(BINARY)).toBe(true);
    expect(c.remoteHeaders.get('User-Agent')).toBe('servent/0.1.0');
    expect(c.ourFinalHeaders.get('Content-Encoding')).toBe('deflate');
    expect(c.ourFinalHeaders.get('X-Ultrapeer')).toBe('False');
    expect(s.ourFinalHeaders.get('Content-Encoding')).toBe('deflate');
    expect(s.remoteHeaders.get('Content-Encoding')).toBe('deflate');
    // the wire: three CR LF blocks
    const blocks: HandshakeBlock[] = [];
    let buf = r.toServer;
    while (buf.length > 0) {
      const p = parseHandshakeBlock(buf);
      if (p.kind !== 'block') throw new Error('incomplete');
      blocks.push(p.block);
      buf = buf.subarray(p.consumed);
    }
    expect(blocks.map((b) => b.startLine)).toEqual(['GNUTELLA CONNECT/0.6', 'GNUTELLA/0.6 200 OK']);
    expect(r.toClient.toString('latin1')).toMatch(/^GNUTELLA\/0\.6 200 OK\r\n[^]*\r\n\r\n/);
    expect(r.toServer.includes('\n\n')).toBe(false);
  });

  it('compression is negotiated per direction exactly as wire §2.4 says', () => {
    for (const clientAccepts of [false, true])
      for (const serverAccepts of [false, true])
        for (const clientCompresses of [false, true])
          for (const serverCompresses of [false, true]) {
            const r = converse(
              { headers: hdrs(false, clientAccepts, 1), compressOutbound: clientCompresses },
              { decide: accept(hdrs(true, serverAccepts, 2)), compressOutbound: serverCompresses },
            );
            const c = r.client.done;
            const s = r.server.done;
            if (!c || !s) throw new Error('handshake failed');
            const label = JSON.stringify({
              clientAccepts,
              serverAccepts,
              clientCompresses,
              serverCompresses,
            });
            expect(c.compressOut, label).toBe(serverAccepts && clientCompresses);
            expect(s.compressOut, label).toBe(clientAccepts && serverCompresses);
            expect(s.compressIn, label).toBe(c.compressOut);
            expect(c.compressIn, label).toBe(s.compressOut);
          }
  });

  it('a Content-Encoding the peer cannot inflate is never sent, whatever decide returns', () => {
    const r = converse(
      {
        headers: hdrs(false, false, 1),
        compressOutbound: false,
        decideFinal: accept([['Content-Encoding', 'deflate']]),
      },
      { decide: accept([['Content-Encoding', 'deflate']]), compressOutbound: true },
    );
    expect(r.client.done?.compressIn).toBe(false);
    expect(r.server.done?.compressIn).toBe(false);
    expect(r.toClient.toString()).not.toMatch(/Content-Encoding/);
    expect(r.toServer.toString()).not.toMatch(/Content-Encoding/);
  });

  it('an ultrapeer demotes itself in step 3 (X-Ultrapeer: False)', () => {
    const r = converse(
      {
        headers: hdrs(true, false, 1),
        decideFinal: (reply) =>
          reply.headers.isFalse('X-Ultrapeer-Needed')
            ? { code: 200, reason: 'OK', headers: [['X-Ultrapeer', 'False']] }
            : { code: 200, reason: 'OK', headers: [] },
      },
      { decide: accept([...hdrs(true, false, 2).lines(), ['X-Ultrapeer-Needed', 'False']]) },
    );
    expect(r.client.done).toMatchObject({ weAreLeaf: true, remoteUltrapeer: true });
    expect(r.server.done).toMatchObject({ remoteUltrapeer: false, weAreLeaf: false });
  });

  it('a leaf-configured client is the leaf of an ultrapeer; two ultrapeers are peers', () => {
    const asLeaf = converse(
      { headers: hdrs(true, false, 1), leaf: true },
      { decide: accept(hdrs(true, false, 2)) },
    );
    expect(asLeaf.client.done?.weAreLeaf).toBe(true);
    const peers = converse({ headers: hdrs(true, false, 1) }, { decide: accept(hdrs(true, false, 2)) });
    expect(peers.client.done).toMatchObject({ weAreLeaf: false, remoteUltrapeer: true });
    expect(peers.server.done).toMatchObject({ weAreLeaf: false, remoteUltrapeer: true });
    const serverIsLeaf = converse(
      { headers: hdrs(true, false, 1) },
      { decide: accept(hdrs(false, false, 2)) },
    );
    expect(serverIsLeaf.server.done?.weAreLeaf).toBe(true);
    expect(serverIsLeaf.client.done?.remoteUltrapeer).toBe(false);
  });

  it('answers higher versions as 0.6', () => {
    const server = new ServerHandshake({ decide: accept() });
    const step = server.feed(Buffer.from('GNUTELLA CONNECT/0.7\r\n\r\n'));
    expect(step.send?.toString()).toBe('GNUTELLA/0.6 200 OK\r\n\r\n');
  });
});

describe('refusals', () => {
  it('503 + X-Try-Ultrapeers: the server closes, the client learns the hosts and sends nothing', () => {
    const r = converse(
      { headers: hdrs(false, true, 1) },
      {
        decide: () => ({
          code: 503,
          reason: 'Busy',
          headers: [
            ['X-Try-Ultrapeers', '203.0.113.5:6346,198.51.100.9:6348'],
            ['X-Try', '192.0.2.1:6346, 203.0.113.5:6346'],
          ],
        }),
        compressOutbound: true,
      },
    );
    expect(r.server.failed).toMatchObject({ code: 503, reason: 'Busy', side: 'local' });
    expect(r.server.send?.toString()).toMatch(/^GNUTELLA\/0\.6 503 Busy\r\n/);
    expect(r.server.send?.toString()).not.toMatch(/Content-Encoding/);
    expect(r.client.send).toBeUndefined();
    expect(r.client.failed).toEqual({
      code: 503,
      reason: 'Busy',
      side: 'remote',
      xTry: [
        { host: '203.0.113.5', port: 6346 },
        { host: '198.51.100.9', port: 6348 },
        { host: '192.0.2.1', port: 6346 },
      ],
    });
  });

  it('the client refuses in step 3; the server sees the refusal', () => {
    const r = converse(
      {
        headers: hdrs(false, false, 1),
        leaf: true,
        decideFinal: () => ({ code: 503, reason: 'Need ultrapeer', headers: [] }),
      },
      { decide: accept(hdrs(false, false, 2)) },
    );
    expect(r.client.send?.toString()).toBe('GNUTELLA/0.6 503 Need ultrapeer\r\n\r\n');
    expect(r.client.failed).toMatchObject({ code: 503, side: 'local' });
    expect(r.server.failed).toMatchObject({ code: 503, reason: 'Need ultrapeer', side: 'remote' });
  });

  it('a 0.4 reply to a 0.6 hello fails unless allowed', () => {
    const strict = new ClientHandshake({ headers: hdrs(false, true, 1) });
    strict.start();
    const f = strict.feed(OK_04);
    expect(f.failed).toMatchObject({ side: 'protocol' });
    expect(f.send).toBeUndefined();
    const lenient = new ClientHandshake({ headers: hdrs(false, true, 1), allow04Reply: true });
    lenient.start();
    const d = lenient.feed(Buffer.concat([OK_04, BINARY]));
    expect(d.done).toMatchObject({ version: '0.4', compressIn: false, compressOut: false });
    expect(d.done?.rest.equals(BINARY)).toBe(true);
  });

  it('server: unsupported versions, wrong first block, unknown encodings, over-limit hellos', () => {
    const s = (): ServerHandshake => new ServerHandshake({ decide: accept() });
    expect(s().feed(Buffer.from('GNUTELLA CONNECT/0.5\r\n\r\n'))).toMatchObject({
      failed: { side: 'protocol' },
    });
    expect(s().feed(Buffer.from('GNUTELLA/0.6 200 OK\r\n\r\n')).failed?.error?.code).toBe(
      'HANDSHAKE_UNEXPECTED_BLOCK',
    );
    expect(
      s().feed(Buffer.from('GNUTELLA CONNECT/0.6\r\nContent-Encoding: gzip\r\n\r\n')).failed?.error?.code,
    ).toBe('HANDSHAKE_UNSUPPORTED_ENCODING');
    const long = s().feed(Buffer.from(`GNUTELLA CONNECT/0.6\r\nX: ${'a'.repeat(2000)}`));
    expect(long.send?.toString()).toBe('GNUTELLA/0.6 413 Header line too long\r\n\r\n');
    expect(long.failed?.error?.code).toBe('HANDSHAKE_LINE_TOO_LONG');
    const garbage = s().feed(Buffer.from('GNUTELLA\0CONNECT/0.6\r\n\r\n'));
    expect(garbage.send).toBeUndefined();
    expect(garbage.failed?.error?.code).toBe('HANDSHAKE_BAD_START_LINE');
    const server = s();
    server.feed(writeConnect06([]));
    expect(server.feed(Buffer.from('GNUTELLA CONNECT/0.6\r\n\r\n')).failed?.error?.code).toBe(
      'HANDSHAKE_UNEXPECTED_BLOCK',
    );
  });

  it('client: garbage and 0.4 echoes', () => {
    const c = new ClientHandshake({ headers: [] });
    c.start();
    expect(c.feed(Buffer.from('HTTP/1.1 404 Not Found\r\n\r\n')).failed?.error?.code).toBe(
      'HANDSHAKE_BAD_START_LINE',
    );
    const legacy = new ClientHandshake({ legacy: true });
    legacy.start();
    expect(legacy.feed(CONNECT_04).failed).toMatchObject({ side: 'remote' });
    const refused = new ClientHandshake({ legacy: true });
    refused.start();
    expect(refused.feed(writeResponse06(503, 'Busy', [['X-Try', '1.2.3.4:5']])).failed).toMatchObject({
      code: 503,
      xTry: [{ host: '1.2.3.4', port: 5 }],
    });
  });

  it('a finished machine refuses more input', () => {
    const server = new ServerHandshake({ decide: accept(), accept04: true });
    server.feed(CONNECT_04);
    expect(() => server.feed(Buffer.from('x'))).toThrow(ServentError);
    const client = new ClientHandshake({ legacy: true });
    expect(() => client.feed(OK_04)).toThrow(ServentError);
    client.start();
    expect(() => client.start()).toThrow(ServentError);
  });
});

describe('0.4', () => {
  it('legacy client ↔ server with accept04', () => {
    const r = converse({ legacy: true }, { decide: accept(), accept04: true }, { serverBinary: BINARY });
    expect(r.toServer.equals(CONNECT_04)).toBe(true);
    expect(r.server.send?.equals(OK_04)).toBe(true);
    expect(r.server.done).toMatchObject({ version: '0.4', compressIn: false, compressOut: false });
    expect(r.client.done).toMatchObject({ version: '0.4', remoteUltrapeer: false, weAreLeaf: false });
  });

  it('the server closes silently on 0.4 unless configured, and when decide refuses', () => {
    const off = new ServerHandshake({ decide: accept() }).feed(CONNECT_04);
    expect(off.send).toBeUndefined();
    expect(off.failed).toMatchObject({ side: 'local' });
    const busy = new ServerHandshake({
      decide: () => ({ code: 503, reason: 'Busy', headers: [] }),
      accept04: true,
    }).feed(CONNECT_04);
    expect(busy.send).toBeUndefined();
    expect(busy.failed).toMatchObject({ code: 503, side: 'local' });
  });

  it('keeps binary bytes after the 0.4 hello', () => {
    const step = new ServerHandshake({ decide: accept(), accept04: true }).feed(
      Buffer.concat([CONNECT_04, BINARY]),
    );
    expect(step.done?.rest.equals(BINARY)).toBe(true);
  });
});

describe('split at every byte offset', () => {
  /** Feeds `input` in the given pieces; returns the sent bytes and the final outcome. */
  function feedPieces(machine: { feed(b: Uint8Array): HandshakeStep }, pieces: Buffer[]): unknown {
    const sent: Buffer[] = [];
    for (const [i, p] of pieces.entries()) {
      const step = machine.feed(p);
      // bytes that arrive after `done` go straight to the binary stage
      const unfed = Buffer.concat(pieces.slice(i + 1));
      if (step.send) sent.push(step.send);
      if (step.done || step.failed) {
        return {
          sent: Buffer.concat(sent).toString('latin1'),
          done: step.done && {
            ...step.done,
            remoteHeaders: step.done.remoteHeaders.toJSON(),
            ourFinalHeaders: step.done.ourFinalHeaders.toJSON(),
            rest: Buffer.concat([step.done.rest, unfed]).toString('hex'),
          },
          failed: step.failed,
        };
      }
    }
    return { sent: Buffer.concat(sent).toString('latin1'), pending: true };
  }

  const serverInput = Buffer.concat([
    writeConnect06(hdrs(false, true, 1)),
    writeResponse06(200, 'OK', [['Content-Encoding', 'deflate']]),
    BINARY,
  ]);
  const newServer = (): ServerHandshake =>
    new ServerHandshake({ decide: accept(hdrs(true, true, 2)), compressOutbound: true });

  it('server: two pieces at every offset, and byte by byte, give the same outcome', () => {
    const whole = feedPieces(newServer(), [serverInput]);
    expect(whole).toMatchObject({
      done: { compressIn: true, compressOut: true, rest: BINARY.toString('hex') },
    });
    for (let cut = 0; cut <= serverInput.length; cut++) {
      const split = feedPieces(newServer(), [serverInput.subarray(0, cut), serverInput.subarray(cut)]);
      expect(split, `cut at ${cut}`).toEqual(whole);
    }
    const bytes = [...serverInput].map((b) => Buffer.from([b]));
    expect(feedPieces(newServer(), bytes)).toEqual(whole);
  });

  it('client: two pieces at every offset give the same outcome', () => {
    const clientInput = Buffer.concat([
      writeResponse06(200, 'OK', [...hdrs(true, true, 2).lines(), ['Content-Encoding', 'deflate']]),
      BINARY,
    ]);
    const newClient = (): ClientHandshake => {
      const c = new ClientHandshake({ headers: hdrs(false, true, 1), compressOutbound: true, leaf: true });
      c.start();
      return c;
    };
    const whole = feedPieces(newClient(), [clientInput]);
    expect(whole).toMatchObject({
      done: { compressIn: true, compressOut: true, weAreLeaf: true, rest: BINARY.toString('hex') },
    });
    for (let cut = 0; cut <= clientInput.length; cut++) {
      expect(
        feedPieces(newClient(), [clientInput.subarray(0, cut), clientInput.subarray(cut)]),
        `cut at ${cut}`,
      ).toEqual(whole);
    }
  });
});

describe('one byte per feed', () => {
  const byteByByte = (input: Buffer): { step: HandshakeStep; fed: number } => {
    const server = new ServerHandshake({ decide: accept() });
    for (let i = 0; i < input.length; i++) {
      const step = server.feed(input.subarray(i, i + 1));
      if (step.done || step.failed) return { step, fed: i + 1 };
    }
    return { step: {}, fed: input.length };
  };

  it('a 16 KiB hello completes', () => {
    const line = (i: number): string => `H${String(i).padStart(3, '0')}: ${'v'.repeat(992)}\r\n`;
    const hello = Buffer.from(
      `GNUTELLA CONNECT/0.6\r\n${Array.from({ length: 16 }, (_, i) => line(i)).join('')}\r\n`,
    );
    const final = writeResponse06(200, 'OK', []);
    const { step, fed } = byteByByte(Buffer.concat([hello, final]));
    expect(step.done).toBeDefined();
    expect(fed).toBe(hello.length + final.length);
  });

  it('the line cap fires at the first byte past it', () => {
    const head = 'GNUTELLA CONNECT/0.6\r\n';
    const { step, fed } = byteByByte(Buffer.from(`${head}X: ${'a'.repeat(3000)}`));
    expect(step.failed?.error?.code).toBe('HANDSHAKE_LINE_TOO_LONG');
    expect(fed).toBe(head.length + 1024 + 2);
  });

  it('the block cap fires at the first byte past it', () => {
    const line = `X: ${'a'.repeat(1000)}\r\n`;
    const { step, fed } = byteByByte(Buffer.from(`GNUTELLA CONNECT/0.6\r\n${line.repeat(40)}`));
    expect(step.failed?.error?.code).toBe('HANDSHAKE_BLOCK_TOO_LARGE');
    expect(fed).toBe(16 * 1024);
  });

  it('a wrong prefix fails at its first byte', () => {
    expect(byteByByte(Buffer.from('GNUTELLX CONNECT/0.6\r\n\r\n')).fed).toBe(8);
  });
});

describe('captured gnutella-bun-client handshakes drive the machines', () => {
  const read = (name: string): Buffer => readFileSync(join(FIXTURES, name));

  it.each([
    ['01_leaf_up_deflate__c02_B-to-A', true],
    ['02_leaf_up_plain__c03_B-to-A', false],
    ['03_up_up_leaf_plain__c03_B-to-A', false],
  ])('%s', (prefix, deflate) => {
    const hello = read(`${prefix}_hs1_connect.txt`);
    const reply = read(`${prefix}_hs2_response.txt`);
    const final = read(`${prefix}_hs3_final.txt`);
    // we are the ultrapeer A, the capture's dialer is the peer
    const server = new ServerHandshake({ decide: accept(hdrs(true, true, 16346)), compressOutbound: true });
    const s1 = server.feed(hello);
    expect(s1.send?.toString()).toMatch(/^GNUTELLA\/0\.6 200 OK\r\n/);
    const s2 = server.feed(final);
    expect(s2.done?.compressIn).toBe(deflate);
    // we are the dialer B, the capture's ultrapeer answers
    const client = new ClientHandshake({
      headers: hdrs(false, true, 16347),
      compressOutbound: true,
      leaf: true,
    });
    client.start();
    const c = client.feed(reply);
    expect(c.done).toMatchObject({ compressIn: deflate, remoteUltrapeer: true, weAreLeaf: true });
  });
});

describe('arbitrary bytes never throw', () => {
  it('server and client turn any input into a step', () => {
    const prefixes = fc.constantFrom(
      '',
      'GNUTELLA CONNECT/0.6\r\n',
      'GNUTELLA CONNECT/0.6\r\n\r\n',
      'GNUTELLA/0.6 200 OK\r\n',
    );
    fc.assert(
      fc.property(
        prefixes,
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }),
        (prefix, chunks) => {
          const server = new ServerHandshake({ decide: accept(), accept04: true });
          const client = new ClientHandshake({ headers: [] });
          client.start();
          const input = [Buffer.from(prefix), ...chunks.map((c) => Buffer.from(c))];
          for (const m of [server, client]) {
            for (const chunk of input) {
              const step = m.feed(chunk);
              if (step.done || step.failed) break;
            }
          }
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
