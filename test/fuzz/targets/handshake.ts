/**
 * Target `handshake`: bytes given to the handshake block parser (up to three blocks in a
 * row, as a 0.6 exchange has), every parsed header value given to the X-Try parser, and
 * the same bytes fed in chunks to a server and a client state machine. The parser may
 * only throw ProtocolErrors; the machines report failures in their steps and must not
 * throw at all. Generation: well-formed blocks (CRLF or LF, optional folding) must parse
 * back to the same start line and headers.
 */
import fc from 'fast-check';
import { ProtocolError } from '../../../src/core/errors.js';
import {
  ClientHandshake,
  ServerHandshake,
  parseHandshakeBlock,
  parseXTry,
  type HandshakeBlock,
  type HandshakeStep,
} from '../../../src/protocol/handshake.js';
import { capturedHandshakes } from '../lib/corpus.js';
import type { FuzzTarget, GeneratedInput } from '../lib/target.js';
import { isProtocolError, violation } from '../lib/target.js';
import { chunksOf } from './frame.js';

function checkBlock(input: Buffer, at: number, block: HandshakeBlock, consumed: number): void {
  if (consumed <= 0 || at + consumed > input.length) violation('consumed', `consumed ${consumed} at ${at}`);
  if (!block.raw.equals(input.subarray(at, at + consumed)))
    violation('raw', 'block.raw is not the bytes read');
  for (const [, value] of block.headers.entries()) parseXTry(value, 64);
  JSON.stringify(block.headers);
}

function drive(feed: (b: Buffer) => HandshakeStep, input: Buffer, side: string): void {
  for (const chunk of chunksOf(input)) {
    let step: HandshakeStep;
    try {
      step = feed(chunk);
    } catch (e) {
      violation('machine-throws', `${side}: ${(e as Error).message}`);
    }
    if (step.failed !== undefined) {
      if (
        step.failed.side === 'protocol' &&
        step.failed.error !== undefined &&
        !(step.failed.error instanceof ProtocolError)
      )
        violation('machine-untyped', side);
      return;
    }
    if (step.done !== undefined) {
      const seen = input.length;
      if (step.done.rest.length > seen) violation('machine-rest', `${side}: rest longer than the input`);
      return;
    }
  }
}

function run(input: Buffer): void {
  // the state machines first: they must never throw, whatever the parser thinks
  const server = new ServerHandshake({
    decide: (hello) =>
      hello.headers.has('X-Ultrapeer')
        ? { code: 200, reason: 'OK', headers: [['User-Agent', 'fuzz']] }
        : { code: 503, reason: 'Busy', headers: [['X-Try-Ultrapeers', '10.0.0.1:6346']] },
    accept04: true,
  });
  drive((b) => server.feed(b), input, 'server');
  const client = new ClientHandshake({ headers: [['User-Agent', 'fuzz']], allow04Reply: true });
  client.start();
  drive((b) => client.feed(b), input, 'client');

  let at = 0;
  for (let blocks = 0; blocks < 3 && at < input.length; blocks++) {
    const r = parseHandshakeBlock(input.subarray(at));
    if (r.kind === 'need-more') return;
    checkBlock(input, at, r.block, r.consumed);
    at += r.consumed;
  }
}

const START_LINES = [
  'GNUTELLA CONNECT/0.6',
  'GNUTELLA CONNECT/0.4',
  'GNUTELLA/0.6 200 OK',
  'GNUTELLA/0.6 503 Service unavailable',
  'GNUTELLA/0.6 409 Vendor would connect to itself',
  'GNUTELLA OK',
];
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,19}$/);
const value = fc
  .oneof(
    fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,60}[\x21-\x7e])?$/),
    fc
      .array(
        fc
          .tuple(
            fc.integer({ min: 1, max: 223 }),
            fc.integer({ min: 0, max: 255 }),
            fc.integer({ min: 1, max: 65535 }),
          )
          .map(([a, b, p]) => `${a}.${b}.0.1:${p}`),
        { minLength: 1, maxLength: 8 },
      )
      .map((hosts) => hosts.join(',')),
  )
  .filter((v) => v.trim() === v);
const blockArb = fc.record({
  start: fc.constantFrom(...START_LINES),
  // one line per name: repeated names read back as one joined header
  headers: fc.uniqueArray(fc.tuple(name, value), { maxLength: 40, selector: ([k]) => k.toLowerCase() }),
  eol: fc.constantFrom('\r\n', '\n'),
  fold: fc.boolean(),
});

function generate(seed: number, n: number): GeneratedInput[] {
  return fc.sample(blockArb, { seed, numRuns: n }).map((b) => {
    const lines = [b.start];
    for (const [k, v] of b.headers) {
      const cut = v.indexOf(' ');
      // folding: the value's second half on a continuation line
      if (b.fold && cut > 0) lines.push(`${k}: ${v.slice(0, cut)}`, ` ${v.slice(cut + 1).trim()}`);
      else lines.push(`${k}: ${v}`);
    }
    const input = Buffer.from(lines.join(b.eol) + b.eol + b.eol, 'latin1');
    return {
      input,
      check: () => {
        let r: ReturnType<typeof parseHandshakeBlock>;
        try {
          r = parseHandshakeBlock(input);
        } catch (e) {
          violation('valid-refused', (e as Error).message);
        }
        if (r.kind !== 'block' || r.consumed !== input.length) violation('valid-refused', 'no whole block');
        if (r.block.startLine !== b.start) violation('roundtrip', `start line ${r.block.startLine}`);
        const got = r.block.headers.entries();
        if (got.length !== b.headers.length)
          violation('roundtrip', `${got.length} of ${b.headers.length} headers`);
        got.forEach(([k, v], i) => {
          const [ek, ev] = b.headers[i] as [string, string];
          const want = b.fold ? ev.replace(/ +/, ' ') : ev;
          if (k.toLowerCase() !== ek.toLowerCase() || v !== want) violation('roundtrip', `header ${ek}`);
        });
      },
    };
  });
}

export const handshakeTarget: FuzzTarget = {
  name: 'handshake',
  describe:
    'handshake block parser, X-Try parser, server and client machines (seeded from fixtures/handshakes)',
  seeds: () => {
    const one = capturedHandshakes();
    const seeds = [...one];
    // 0.6 exchanges: hello + reply + final in one stream
    for (let i = 0; i + 3 <= one.length; i += 3) seeds.push(Buffer.concat(one.slice(i, i + 3)));
    return seeds;
  },
  hints: {
    maxBytes: 20_000,
    dictionary: [
      'GNUTELLA',
      'GNUTELLA CONNECT/0.6',
      'GNUTELLA/0.6 200 OK',
      'GNUTELLA OK',
      '\r\n',
      '\n',
      '\r\n\r\n',
      ': ',
      ':',
      ' ',
      '\t',
      'X-Try-Ultrapeers: ',
      'X-Try: ',
      'Content-Encoding: deflate',
      'Accept-Encoding: deflate',
      'X-Ultrapeer: True',
      ',',
      '255.255.255.255:65535',
      '0.0.0.0:0',
      '\0',
      '\x7f',
    ].map((t) => Buffer.from(t, 'latin1')),
  },
  generate,
  run,
  expected: isProtocolError,
};
