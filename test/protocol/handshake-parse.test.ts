import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import {
  CONNECT_04,
  DEFAULT_HANDSHAKE_LIMITS,
  HandshakeErrorCode,
  OK_04,
  parseHandshakeBlock,
  writeConnect06,
  writeResponse06,
  type HandshakeBlock,
  type HandshakeLimits,
} from '../../src/protocol/handshake.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/handshakes');
const SEED = 0x5eed;

function parseAll(buf: Buffer, limits?: HandshakeLimits): { block: HandshakeBlock; consumed: number } {
  const r = parseHandshakeBlock(buf, limits);
  if (r.kind !== 'block') throw new Error('expected a complete block');
  return r;
}

function expectCode(fn: () => unknown, code: string): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    const pe = e as ProtocolError;
    expect(pe.code).toBe(code);
    expect(pe.action).toBe('close');
    return pe;
  }
  throw new Error(`expected ProtocolError ${code}`);
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('captured handshakes', () => {
  const bunDir = join(FIXTURES, 'gnutella-bun-client');
  const bunFiles = readdirSync(bunDir).filter((f) => f.endsWith('.txt'));

  it('has the fixtures', () => {
    expect(bunFiles.length).toBe(15);
  });

  it.each(bunFiles)('gnutella-bun-client %s parses completely', (file) => {
    const bytes = readFileSync(join(bunDir, file));
    const { block, consumed } = parseAll(bytes);
    expect(consumed).toBe(bytes.length);
    expect(block.raw.equals(bytes)).toBe(true);
    if (file.includes('hs1_connect')) {
      expect(block.kind).toBe('connect');
      expect(block.version).toBe('0.6');
    } else {
      expect(block.kind).toBe('response');
      expect(block.code).toBe(200);
      expect(block.reason).toBe('OK');
    }
    // every header line of the file is in the collection, in order
    const text = bytes.toString('latin1').split(/\r?\n/).slice(1, -2);
    expect(block.headers.lines().map(([n, v]) => `${n}: ${v}`)).toEqual(text);
  });

  it('reads the deflate negotiation of scenario 01', () => {
    const res = parseAll(readFileSync(join(bunDir, '01_leaf_up_deflate__c02_B-to-A_hs2_response.txt'))).block;
    expect(res.headers.get('content-encoding')).toBe('deflate');
    expect(res.headers.hasToken('Accept-Encoding', 'deflate')).toBe(true);
    expect(res.headers.isTrue('x-ultrapeer')).toBe(true);
    const hello = parseAll(
      readFileSync(join(bunDir, '01_leaf_up_deflate__c02_B-to-A_hs1_connect.txt')),
    ).block;
    expect(hello.headers.isFalse('X-Ultrapeer')).toBe(true);
  });

  const gtkIndex = JSON.parse(readFileSync(join(FIXTURES, 'gtk-gnutella/index.json'), 'utf8')) as Array<{
    file: string;
    first_line: string;
    headers: Array<[string, string]>;
  }>;

  it('has the gtk-gnutella index', () => {
    expect(gtkIndex.length).toBe(9);
  });

  it.each(gtkIndex.map((e) => [e.file, e] as const))('gtk-gnutella %s matches index.json', (_f, entry) => {
    const bytes = readFileSync(join(FIXTURES, 'gtk-gnutella', entry.file));
    const { block, consumed } = parseAll(bytes);
    expect(consumed).toBe(bytes.length);
    expect(block.startLine).toBe(entry.first_line);
    expect(block.headers.toJSON()).toEqual(entry.headers);
    for (const [name, value] of entry.headers) expect(block.headers.get(name.toUpperCase())).toBe(value);
  });
});

describe('V16 byte strings', () => {
  it('0.4 hello and OK', () => {
    expect(CONNECT_04.equals(hex('47 4e 55 54 45 4c 4c 41 20 43 4f 4e 4e 45 43 54 2f 30 2e 34 0a 0a'))).toBe(
      true,
    );
    expect(OK_04.equals(hex('47 4e 55 54 45 4c 4c 41 20 4f 4b 0a 0a'))).toBe(true);
    const c = parseAll(CONNECT_04);
    expect(c).toMatchObject({ consumed: 22, block: { kind: 'connect', version: '0.4' } });
    expect(c.block.headers.size).toBe(0);
    expect(parseAll(OK_04)).toMatchObject({ consumed: 13, block: { kind: 'ok04', version: '0.4' } });
  });

  it('0.6 status line', () => {
    const line = hex('47 4e 55 54 45 4c 4c 41 2f 30 2e 36 20 32 30 30 20 4f 4b 0d 0a');
    expect(line.length).toBe(21);
    const block = writeResponse06(200, 'OK', []);
    expect(block.subarray(0, 21).equals(line)).toBe(true);
    expect(parseAll(block).block).toMatchObject({
      kind: 'response',
      version: '0.6',
      code: 200,
      reason: 'OK',
    });
  });

  it('0.6 CONNECT with three headers (91 B)', () => {
    const expected =
      'GNUTELLA CONNECT/0.6\r\nUser-Agent: Example/0.1\r\nX-Ultrapeer: False\r\nX-Query-Routing: 0.1\r\n\r\n';
    const b = writeConnect06([
      ['User-Agent', 'Example/0.1'],
      ['X-Ultrapeer', 'False'],
      ['X-Query-Routing', '0.1'],
    ]);
    expect(b.length).toBe(91);
    expect(b.toString('latin1')).toBe(expected);
    const { block, consumed } = parseAll(b);
    expect(consumed).toBe(91);
    expect(block.headers.toJSON()).toEqual([
      ['User-Agent', 'Example/0.1'],
      ['X-Ultrapeer', 'False'],
      ['X-Query-Routing', '0.1'],
    ]);
  });

  it('503 refusal with X-Try-Ultrapeers (79 B)', () => {
    const b = writeResponse06(503, 'Busy', [['X-Try-Ultrapeers', '203.0.113.5:6346,198.51.100.9:6348']]);
    expect(b.length).toBe(79);
    expect(b.toString('latin1')).toBe(
      'GNUTELLA/0.6 503 Busy\r\nX-Try-Ultrapeers: 203.0.113.5:6346,198.51.100.9:6348\r\n\r\n',
    );
    expect(parseAll(b).block).toMatchObject({ code: 503, reason: 'Busy' });
  });
});

describe('parseHandshakeBlock', () => {
  const sample = Buffer.from(
    'GNUTELLA CONNECT/0.6\r\nUser-Agent: X/1\r\nX-Try: 1.2.3.4:5\r\nX-Try: 5.6.7.8:9\r\n' +
      'X-Long: part one\r\n  part two\r\n\tpart three\r\nName:no-space\r\n\r\n',
  );

  it('joins repeated headers, unfolds continuation lines, keeps order', () => {
    const { block } = parseAll(sample);
    expect(block.headers.get('x-try')).toBe('1.2.3.4:5, 5.6.7.8:9');
    expect(block.headers.getAll('X-TRY')).toEqual(['1.2.3.4:5', '5.6.7.8:9']);
    expect(block.headers.get('X-Long')).toBe('part one part two part three');
    expect(block.headers.get('name')).toBe('no-space');
    expect(block.headers.names()).toEqual(['User-Agent', 'X-Try', 'X-Long', 'Name']);
  });

  it('returns need-more until the blank line, then exactly the block', () => {
    const binary = Buffer.from([0x78, 0x9c, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]);
    const all = Buffer.concat([sample, binary]);
    for (let cut = 0; cut < sample.length; cut++) {
      expect(parseHandshakeBlock(all.subarray(0, cut)).kind).toBe('need-more');
    }
    for (let cut = sample.length; cut <= all.length; cut++) {
      const r = parseAll(all.subarray(0, cut));
      expect(r.consumed).toBe(sample.length);
      expect(r.block.raw.equals(sample)).toBe(true);
    }
  });

  it('accepts bare LF and mixed line ends', () => {
    const { block, consumed } = parseAll(Buffer.from('GNUTELLA/0.6 200 OK\nA: 1\r\nB: 2\n\nrest'));
    expect(consumed).toBe(32);
    expect(block.headers.toJSON()).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
  });

  it('accepts 0.4 forms with CR LF too, a status line without reason, higher versions', () => {
    expect(parseAll(Buffer.from('GNUTELLA CONNECT/0.4\r\n\r\n')).block.version).toBe('0.4');
    expect(parseAll(Buffer.from('GNUTELLA OK\r\n\r\n')).block.kind).toBe('ok04');
    expect(parseAll(Buffer.from('GNUTELLA/0.6 200\r\n\r\n')).block).toMatchObject({ code: 200, reason: '' });
    expect(parseAll(Buffer.from('GNUTELLA CONNECT/0.7\r\n\r\n')).block.version).toBe('0.7');
  });

  it('decodes UTF-8 values and falls back to Latin-1', () => {
    const utf = Buffer.concat([
      Buffer.from('GNUTELLA/0.6 200 OK\r\nUser-Agent: '),
      Buffer.from('Zoë/1'),
      Buffer.from('\r\n\r\n'),
    ]);
    expect(parseAll(utf).block.headers.get('User-Agent')).toBe('Zoë/1');
    const latin = Buffer.concat([
      Buffer.from('GNUTELLA/0.6 200 OK\r\nUser-Agent: Zo'),
      Buffer.from([0xeb]),
      Buffer.from('/1\r\n\r\n'),
    ]);
    expect(parseAll(latin).block.headers.get('User-Agent')).toBe('Zoë/1');
  });

  describe('caps', () => {
    const limits = DEFAULT_HANDSHAKE_LIMITS;

    it('line length: 1024 bytes pass, 1025 fail (complete or still incomplete)', () => {
      const ok = `GNUTELLA CONNECT/0.6\r\nX: ${'a'.repeat(1024 - 3)}\r\n\r\n`;
      expect(parseAll(Buffer.from(ok)).block.headers.get('X')?.length).toBe(1021);
      const tooLong = `GNUTELLA CONNECT/0.6\r\nX: ${'a'.repeat(1024 - 2)}\r\n\r\n`;
      const e = expectCode(() => parseHandshakeBlock(Buffer.from(tooLong)), HandshakeErrorCode.LINE_TOO_LONG);
      expect(e.offset).toBe(22);
      // no line end yet: fails as soon as the line cannot fit any more
      const partial = Buffer.from(`GNUTELLA CONNECT/0.6\r\nX: ${'a'.repeat(2000)}`);
      expectCode(() => parseHandshakeBlock(partial), HandshakeErrorCode.LINE_TOO_LONG);
      expect(parseHandshakeBlock(Buffer.from(`GNUTELLA CONNECT/0.6\r\nX: ${'a'.repeat(1021)}\r`)).kind).toBe(
        'need-more',
      );
    });

    it('header lines: 128 pass, 129 fail (continuation lines count)', () => {
      const lines = (n: number): string => Array.from({ length: n }, (_, i) => `H${i}: v\r\n`).join('');
      expect(parseAll(Buffer.from(`GNUTELLA CONNECT/0.6\r\n${lines(128)}\r\n`)).block.headers.size).toBe(128);
      expectCode(
        () => parseHandshakeBlock(Buffer.from(`GNUTELLA CONNECT/0.6\r\n${lines(129)}\r\n`)),
        HandshakeErrorCode.TOO_MANY_HEADERS,
      );
      expectCode(
        () => parseHandshakeBlock(Buffer.from(`GNUTELLA CONNECT/0.6\r\n${lines(128)} folded\r\n\r\n`)),
        HandshakeErrorCode.TOO_MANY_HEADERS,
      );
    });

    it('total block bytes: 16 KiB pass, one more fails, even without a blank line', () => {
      const head = 'GNUTELLA CONNECT/0.6\r\n';
      // header lines of exactly `len` bytes, CR LF included
      const line = (i: number, len: number): string =>
        `H${String(i).padStart(3, '0')}: ${'v'.repeat(len - 8)}\r\n`;
      const build = (total: number): string => {
        const budget = total - head.length - 2;
        const full = Math.floor(budget / 1000);
        let s = head;
        for (let i = 0; i < full; i++) s += line(i, 1000);
        if (budget % 1000 > 0) s += line(full, budget % 1000);
        return `${s}\r\n`;
      };
      const exact = build(limits.maxBlockBytes);
      expect(exact.length).toBe(limits.maxBlockBytes);
      expect(parseAll(Buffer.from(exact)).consumed).toBe(limits.maxBlockBytes);
      const over = `${exact.slice(0, -2)}X: y\r\n\r\n`;
      expectCode(() => parseHandshakeBlock(Buffer.from(over)), HandshakeErrorCode.BLOCK_TOO_LARGE);
      const endless = Buffer.from(exact.slice(0, -2).repeat(2));
      expectCode(() => parseHandshakeBlock(endless), HandshakeErrorCode.BLOCK_TOO_LARGE);
    });

    it('limits are options', () => {
      const small: HandshakeLimits = { maxLineBytes: 30, maxHeaderLines: 2, maxBlockBytes: 64 };
      expectCode(
        () => parseHandshakeBlock(Buffer.from('GNUTELLA CONNECT/0.6\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n'), small),
        HandshakeErrorCode.TOO_MANY_HEADERS,
      );
      expectCode(
        () => parseHandshakeBlock(Buffer.from(`GNUTELLA CONNECT/0.6\r\nA: ${'x'.repeat(30)}\r\n\r\n`), small),
        HandshakeErrorCode.LINE_TOO_LONG,
      );
      expectCode(
        () =>
          parseHandshakeBlock(
            Buffer.from(`GNUTELLA CONNECT/0.6\r\nA: ${'x'.repeat(20)}\r\nB: ${'y'.repeat(20)}\r\n`),
            small,
          ),
        HandshakeErrorCode.BLOCK_TOO_LARGE,
      );
    });
  });

  describe('garbage', () => {
    it.each([
      ['HTTP request', 'GET / HTTP/1.1\r\n\r\n', HandshakeErrorCode.BAD_START_LINE, 1],
      ['lower case', 'gnutella connect/0.6\r\n\r\n', HandshakeErrorCode.BAD_START_LINE, 0],
      ['early mismatch', 'GNUTX', HandshakeErrorCode.BAD_START_LINE, 4],
      ['unknown verb', 'GNUTELLA HELLO/0.6\r\n\r\n', HandshakeErrorCode.BAD_START_LINE, 0],
      ['bad version', 'GNUTELLA CONNECT/zero\r\n\r\n', HandshakeErrorCode.BAD_START_LINE, 0],
      ['2-digit code', 'GNUTELLA/0.6 20 OK\r\n\r\n', HandshakeErrorCode.BAD_START_LINE, 0],
      ['no colon', 'GNUTELLA CONNECT/0.6\r\nnot a header\r\n\r\n', HandshakeErrorCode.BAD_HEADER, 22],
      ['empty name', 'GNUTELLA CONNECT/0.6\r\n: v\r\n\r\n', HandshakeErrorCode.BAD_HEADER, 22],
      ['space in name', 'GNUTELLA CONNECT/0.6\r\nA B: v\r\n\r\n', HandshakeErrorCode.BAD_HEADER, 22],
      ['leading continuation', 'GNUTELLA CONNECT/0.6\r\n folded\r\n\r\n', HandshakeErrorCode.BAD_HEADER, 22],
      ['NUL', 'GNUTELLA CONNECT/0.6\r\nA: \u0000\r\n\r\n', HandshakeErrorCode.BAD_HEADER, 25],
      ['stray CR', 'GNUTELLA CONNECT/0.6\r\nA: b\rc\r\n\r\n', HandshakeErrorCode.BAD_HEADER, 26],
    ])('%s → %s', (_name, input, code, offset) => {
      const e = expectCode(() => parseHandshakeBlock(Buffer.from(input, 'latin1')), code);
      expect(e.offset).toBe(offset);
    });

    it('arbitrary bytes: need-more, a block, or a ProtocolError — nothing else', () => {
      const limits: HandshakeLimits = { maxLineBytes: 40, maxHeaderLines: 4, maxBlockBytes: 200 };
      const prefixArb = fc.constantFrom('', 'GNUTELLA', 'GNUTELLA CONNECT/0.6\r\n', 'GNUTELLA/0.6 200 OK\n');
      fc.assert(
        fc.property(prefixArb, fc.uint8Array({ maxLength: 300 }), (prefix, bytes) => {
          const buf = Buffer.concat([Buffer.from(prefix), bytes]);
          try {
            const r = parseHandshakeBlock(buf, limits);
            if (r.kind === 'block') {
              expect(r.consumed).toBeLessThanOrEqual(Math.min(buf.length, limits.maxBlockBytes));
              expect(r.block.raw.equals(buf.subarray(0, r.consumed))).toBe(true);
            }
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
            expect(e.code).toMatch(/^HANDSHAKE_/);
          }
        }),
        { seed: SEED, numRuns: 2000, verbose: true },
      );
    });

    it('re-writing a parsed block parses to the same headers (round trip)', () => {
      const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
      const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
      fc.assert(
        fc.property(fc.array(fc.tuple(name, value), { maxLength: 20 }), (pairs) => {
          const { block } = parseAll(writeConnect06(pairs));
          expect(block.headers.toJSON()).toEqual(pairs);
        }),
        { seed: SEED, numRuns: 300 },
      );
    });
  });
});
