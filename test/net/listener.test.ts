import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { classifyFirstBytes, listen } from '../../src/net/listener.js';
import { memorySocketPair, MemoryNetwork } from '../../src/net/memory-network.js';

describe('classifyFirstBytes', () => {
  it.each([
    ['GNUTELLA CONNECT/0.6\r\n', 'gnutella'],
    ['GNUTELLA CONNECT/0.4\n\n', 'gnutella'],
    ['GET /get/1/a.mp3 HTTP/1.1', 'http'],
    ['HEAD /uri-res/N2R?urn:sha1:X HTTP/1.0', 'http'],
    ['GIV 1:00112233445566778899aabbccddeeff/a\n\n', 'giv'],
    ['GNUT', 'need-more'],
    ['GE', 'need-more'],
    ['G', 'need-more'],
    ['POST / HTTP/1.1', 'unknown'],
    ['\x16\x03\x01', 'unknown'],
    ['gnutella connect/0.6', 'unknown'],
  ])('%j → %s', (text, kind) => {
    expect(classifyFirstBytes(Buffer.from(text, 'latin1'))).toBe(kind);
  });
});

describe('listener', () => {
  it('hands each connection to the handler its first bytes name, with the bytes read', async () => {
    const got: Array<[string, string]> = [];
    const l = await listen({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      firstBytesTimeoutMs: 300,
      handlers: {
        gnutella: (s, p) => {
          got.push(['gnutella', p.toString()]);
          s.destroy();
        },
        http: (s, p) => {
          got.push(['http', p.toString()]);
          s.destroy();
        },
        giv: (s, p) => {
          got.push(['giv', p.toString()]);
          s.destroy();
        },
      },
    });
    const send = (text: string, chunks = 1): Promise<void> =>
      new Promise((resolve) => {
        const c = net.connect(l.address.port, '127.0.0.1', () => {
          const step = Math.ceil(text.length / chunks);
          for (let i = 0; i < text.length; i += step) c.write(text.slice(i, i + step));
        });
        c.on('close', () => resolve());
        c.on('error', () => resolve());
      });
    await send('GNUTELLA CONNECT/0.6\r\n\r\n', 5);
    await send('GET / HTTP/1.0\r\n\r\n');
    await send('GIV 0:00/x\n\n');
    await send('BOGUS\r\n'); // closed without a handler
    await send(''); // silence: closed after the timeout
    await l.close();
    expect(got.map(([k]) => k)).toEqual(['gnutella', 'http', 'giv']);
    expect(got[0]?.[1].startsWith('GNUTELLA CONNECT/')).toBe(true);
  });
});

describe('memory network', () => {
  it('a socket pair carries bytes both ways and ends together', async () => {
    const [a, b] = memorySocketPair({ ip: '127.0.0.1', port: 1 }, { ip: '127.0.0.2', port: 2 });
    const fromA: Buffer[] = [];
    b.on('data', (d: Buffer) => fromA.push(d));
    const ended = new Promise<void>((r) => b.on('end', () => r()));
    a.write('hello ');
    a.end('world');
    b.resume();
    await ended;
    expect(Buffer.concat(fromA).toString()).toBe('hello world');
    expect(b.remoteAddress).toBe('127.0.0.1');
  });

  it('refuses connections to unregistered addresses and dispatches registered ones', async () => {
    const netw = new MemoryNetwork(silentLogger);
    await expect(netw.connect('127.0.0.9', 1)).rejects.toThrow(/ECONNREFUSED/);
    const seen: string[] = [];
    netw.listen(
      { ip: '127.0.0.9', port: 1 },
      {
        gnutella: () => {},
        http: (s, p) => {
          seen.push(p.toString());
          s.destroy();
        },
        giv: () => {},
      },
    );
    const s = await netw.connect('127.0.0.9', 1);
    s.write('HEAD /x HTTP/1.1\r\n\r\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen[0]).toMatch(/^HEAD \/x/);
  });
});
