/**
 * What the two handshake state machines share: the step/result types, the block reader
 * that keeps unread bytes between feeds, and the compression and role rules.
 *
 * Compression (wire §2.4), per direction:
 *  - we deflate what we send iff the peer offered `Accept-Encoding: deflate` and our
 *    accepting block said `Content-Encoding: deflate` (the machine writes or strips that
 *    header itself, so the two can never disagree);
 *  - we inflate what we receive iff the peer's accepting block says
 *    `Content-Encoding: deflate`.
 */
import { ProtocolError, ServentError } from '../core/errors.js';
import { HandshakeHeaders, type HeaderInit } from './handshake-headers.js';
import {
  DEFAULT_HANDSHAKE_LIMITS,
  parseHandshakeBlock,
  type HandshakeBlock,
  type HandshakeLimits,
  type HandshakeParseResult,
} from './handshake-parse.js';
import { DEFAULT_MAX_XTRY_ENTRIES, parseXTry, type XTryHost } from './handshake-xtry.js';

/** What a servent answers to a hello (server) or to an accepting reply (client's step 3). */
export interface HandshakeReply {
  readonly code: number;
  readonly reason: string;
  readonly headers: HeaderInit;
}

export interface HandshakeDone {
  readonly version: '0.4' | '0.6';
  /** the peer's effective headers (its hello, overridden by its final block); empty on 0.4 */
  readonly remoteHeaders: HandshakeHeaders;
  /** the headers we announced (our hello overridden by our final block); empty on 0.4 */
  readonly ourFinalHeaders: HandshakeHeaders;
  /** bytes received after the last handshake block: the start of the binary (or zlib) stream */
  readonly rest: Buffer;
  /** the peer deflates what it sends: inflate everything after the handshake */
  readonly compressIn: boolean;
  /** we must deflate everything we send after the handshake */
  readonly compressOut: boolean;
  /** the peer said `X-Ultrapeer: True` */
  readonly remoteUltrapeer: boolean;
  /** we are the peer's leaf on this connection */
  readonly weAreLeaf: boolean;
}

export type HandshakeFailureSide = 'local' | 'remote' | 'protocol';

export interface HandshakeFailure {
  /** status code of the refusal, when there was one */
  readonly code?: number;
  readonly reason: string;
  /** `local`: we refused; `remote`: the peer refused; `protocol`: bad or unexpected bytes */
  readonly side: HandshakeFailureSide;
  /** hosts the peer suggested (X-Try, X-Try-Ultrapeers), usable for the host cache */
  readonly xTry: XTryHost[];
  /** the parse error when `side` is `protocol` because of malformed input */
  readonly error?: ProtocolError;
}

/**
 * One answer to start()/feed(): write `send` (if any) to the peer first; then, if `done`,
 * switch to the binary stage with `done.rest`; if `failed`, close after writing `send`.
 * With neither, wait for more bytes.
 */
export interface HandshakeStep {
  readonly send?: Buffer;
  readonly done?: HandshakeDone;
  readonly failed?: HandshakeFailure;
}

export interface HandshakeMachineOptions {
  /** deflate what we send when the peer offered `Accept-Encoding: deflate` (default false) */
  readonly compressOutbound?: boolean;
  readonly limits?: HandshakeLimits;
  /** cap on the X-Try hosts reported in a failure (default 64) */
  readonly maxXTry?: number;
}

/**
 * Accumulates bytes and hands out complete blocks; whatever is left is the binary stage's.
 *
 * A peer may send its hello one byte per packet. Re-parsing the whole buffer on each byte
 * would cost O(n²) for a 16 KiB block, so bytes are only appended while no new line end
 * has arrived and the caps (line length, block size) still hold; the block is parsed
 * again only when a line end arrives or a cap is crossed (the parser then raises it).
 */
export class BlockReader {
  #chunks: Buffer[] = [];
  #length = 0;
  /** bytes after the last LF received */
  #tail = 0;
  /** an LF arrived since the last parse */
  #newLf = false;
  /** the last parse looked at enough bytes to check the "GNUTELLA" prefix */
  #prefixChecked = false;
  readonly #limits: HandshakeLimits;

  constructor(limits: HandshakeLimits = DEFAULT_HANDSHAKE_LIMITS) {
    this.#limits = limits;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    // a copy: the caller may reuse its buffer, and we keep these bytes across feeds
    const chunk = Buffer.from(bytes);
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    const lf = chunk.lastIndexOf(LF);
    if (lf < 0) this.#tail += chunk.length;
    else {
      this.#tail = chunk.length - lf - 1;
      this.#newLf = true;
    }
  }

  /** The next block, consumed; throws ProtocolError on malformed input. */
  next(): HandshakeParseResult {
    if (this.#length === 0) return { kind: 'need-more' };
    const unchanged =
      this.#prefixChecked &&
      !this.#newLf &&
      this.#tail <= this.#limits.maxLineBytes + 1 &&
      this.#length < this.#limits.maxBlockBytes;
    if (unchanged) return { kind: 'need-more' };
    const buf = this.#flatten();
    this.#newLf = false;
    this.#prefixChecked = buf.length >= MAGIC_LENGTH;
    const r = parseHandshakeBlock(buf, this.#limits);
    if (r.kind === 'block') {
      const rest = buf.subarray(r.consumed);
      this.#chunks = rest.length > 0 ? [rest] : [];
      this.#length = rest.length;
      const lf = rest.lastIndexOf(LF);
      this.#tail = lf < 0 ? rest.length : rest.length - lf - 1;
      this.#newLf = lf >= 0;
      this.#prefixChecked = false;
    }
    return r;
  }

  /** Everything not consumed by a block (a copy, so it does not pin the accumulator). */
  takeRest(): Buffer {
    const rest = Buffer.from(this.#flatten());
    this.#chunks = [];
    this.#length = 0;
    this.#tail = 0;
    this.#newLf = false;
    this.#prefixChecked = false;
    return rest;
  }

  #flatten(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0] as Buffer;
  }
}

const LF = 0x0a;
/** "GNUTELLA": the parser rejects a wrong prefix before any line end */
const MAGIC_LENGTH = 8;

export type ContentEncoding = 'identity' | 'deflate';

/** The encoding a block announces for what its sender sends next; undefined = unsupported. */
export function contentEncodingOf(headers: HandshakeHeaders): ContentEncoding | undefined {
  const value = headers.get('Content-Encoding')?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'identity') return 'identity';
  return value === 'deflate' ? 'deflate' : undefined;
}

export function offersDeflate(headers: HandshakeHeaders): boolean {
  return headers.hasToken('Accept-Encoding', 'deflate');
}

/**
 * The headers of our accepting (or refusing) block. `Content-Encoding` is decided here:
 * present exactly when we accept, want to compress, and the peer can inflate.
 */
export function replyHeaders(
  reply: HandshakeReply,
  remote: HandshakeHeaders,
  compressOutbound: boolean,
): HandshakeHeaders {
  const headers = HandshakeHeaders.from(reply.headers).delete('Content-Encoding');
  if (reply.code === 200 && compressOutbound && offersDeflate(remote)) {
    headers.append('Content-Encoding', 'deflate');
  }
  return headers;
}

export function collectXTry(blocks: readonly HandshakeHeaders[], max: number): XTryHost[] {
  const out: XTryHost[] = [];
  const seen = new Set<string>();
  for (const h of blocks) {
    for (const name of ['X-Try-Ultrapeers', 'X-Try']) {
      const value = h.get(name);
      if (value === undefined) continue;
      for (const host of parseXTry(value, max)) {
        const key = `${host.host}:${host.port}`;
        if (seen.has(key) || out.length >= max) continue;
        seen.add(key);
        out.push(host);
      }
    }
  }
  return out;
}

export function protocolFailure(error: unknown): HandshakeStep {
  if (!(error instanceof ProtocolError)) throw error;
  return { failed: { reason: error.message, side: 'protocol', xTry: [], error } };
}

export function unexpected(block: HandshakeBlock, expected: string): HandshakeStep {
  const error = new ProtocolError(
    'HANDSHAKE_UNEXPECTED_BLOCK',
    `expected ${expected}, got ${JSON.stringify(block.startLine.slice(0, 64))}`,
    'close',
    0,
  );
  return { failed: { reason: error.message, side: 'protocol', xTry: [], error } };
}

export function unsupportedEncoding(headers: HandshakeHeaders): HandshakeStep {
  const error = new ProtocolError(
    'HANDSHAKE_UNSUPPORTED_ENCODING',
    `unsupported Content-Encoding ${JSON.stringify(headers.get('Content-Encoding'))}`,
    'close',
  );
  return { failed: { reason: error.message, side: 'protocol', xTry: [], error } };
}

/** Parses "major.minor"; a 0.6 machine speaks 0.6 to any version ≥ 0.6 (ignore higher minors). */
export function versionAtLeast06(version: string): boolean {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major > 0 || minor >= 6;
}

export function finishedError(): ServentError {
  return new ServentError('HANDSHAKE_FINISHED', 'the handshake already finished; use the binary stage');
}

export function resolveOptions(o: HandshakeMachineOptions): {
  compressOutbound: boolean;
  limits: HandshakeLimits;
  maxXTry: number;
} {
  return {
    compressOutbound: o.compressOutbound ?? false,
    limits: o.limits ?? DEFAULT_HANDSHAKE_LIMITS,
    maxXTry: o.maxXTry ?? DEFAULT_MAX_XTRY_ENTRIES,
  };
}
