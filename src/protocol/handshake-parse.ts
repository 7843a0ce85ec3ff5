/**
 * Incremental parser for one handshake block: a start line, header lines, a blank line
 * (wire §2.1, §2.2). It never consumes past the blank line: whatever follows already
 * belongs to the binary (or zlib) stream.
 *
 * Accepted start lines:
 *   GNUTELLA CONNECT/<major>.<minor>      a hello (0.4 or 0.6+)
 *   GNUTELLA/<major>.<minor> <code> <reason>   a 0.6 response
 *   GNUTELLA OK                           the 0.4 acceptance
 * Lines end with CR LF or a bare LF (0.4 uses LF LF; we accept both everywhere).
 */
import { ProtocolError } from '../core/errors.js';
import { HandshakeHeaders } from './handshake-headers.js';

export interface HandshakeLimits {
  /** longest line, terminator excluded (gtk-gnutella answers `413 Header line too long`) */
  readonly maxLineBytes: number;
  /** most header lines after the start line (continuation lines count) */
  readonly maxHeaderLines: number;
  /** most bytes in one block, start line and blank line included */
  readonly maxBlockBytes: number;
}

/** Same bounds as gtk-gnutella (interop.md): 1024-byte lines, 128 lines, 16 KiB. */
export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = Object.freeze({
  maxLineBytes: 1024,
  maxHeaderLines: 128,
  maxBlockBytes: 16 * 1024,
});

export type HandshakeBlockKind = 'connect' | 'response' | 'ok04';

export interface HandshakeBlock {
  /** `connect` = GNUTELLA CONNECT/x.y, `response` = GNUTELLA/x.y code reason, `ok04` = GNUTELLA OK */
  readonly kind: HandshakeBlockKind;
  /** the start line as received, terminator excluded */
  readonly startLine: string;
  /** protocol version from the start line, e.g. '0.6'; '0.4' for `GNUTELLA OK` */
  readonly version: string;
  /** status code of a response (200 = accept) */
  readonly code?: number;
  /** reason text of a response (may be empty) */
  readonly reason?: string;
  readonly headers: HandshakeHeaders;
  /** the exact bytes of the block, blank line included */
  readonly raw: Buffer;
}

export type HandshakeParseResult =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'block'; readonly block: HandshakeBlock; readonly consumed: number };

/** Stable error codes (ProtocolError.code); all mean "close the connection". */
export const HandshakeErrorCode = {
  LINE_TOO_LONG: 'HANDSHAKE_LINE_TOO_LONG',
  TOO_MANY_HEADERS: 'HANDSHAKE_TOO_MANY_HEADERS',
  BLOCK_TOO_LARGE: 'HANDSHAKE_BLOCK_TOO_LARGE',
  BAD_START_LINE: 'HANDSHAKE_BAD_START_LINE',
  BAD_HEADER: 'HANDSHAKE_BAD_HEADER',
} as const;

const LF = 0x0a;
const CR = 0x0d;
const HT = 0x09;
const SP = 0x20;
const NUL = 0x00;
const DEL = 0x7f;
/** every start line begins with these 8 bytes */
const MAGIC = Buffer.from('GNUTELLA', 'latin1');

const CONNECT_RE = /^GNUTELLA CONNECT\/(\d{1,3}\.\d{1,3})$/;
const RESPONSE_RE = /^GNUTELLA\/(\d{1,3}\.\d{1,3}) (\d{3})(?: (.*))?$/;
const OK04_RE = /^GNUTELLA OK$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one block from the start of `buf`. Returns `need-more` while the blank line has
 * not arrived and no limit is exceeded; throws ProtocolError (action `close`, `offset` in
 * `buf`) on a malformed or over-limit block. Bytes after `consumed` are not looked at.
 */
export function parseHandshakeBlock(
  buf: Buffer,
  limits: HandshakeLimits = DEFAULT_HANDSHAKE_LIMITS,
): HandshakeParseResult {
  checkMagicPrefix(buf);
  const lines: Array<[string, string]> = [];
  let start: StartLine | undefined;
  let headerLines = 0;
  let pos = 0;
  for (;;) {
    const scanEnd = Math.min(buf.length, limits.maxBlockBytes);
    const lf = buf.indexOf(LF, pos);
    if (lf < 0 || lf >= scanEnd) {
      const partial = Math.min(buf.length, scanEnd) - pos;
      // a CR may still precede the LF, so one byte of slack before calling it too long
      if (partial > limits.maxLineBytes + 1) throw lineTooLong(pos, limits);
      if (buf.length >= limits.maxBlockBytes) throw blockTooLarge(limits);
      return { kind: 'need-more' };
    }
    let lineEnd = lf;
    if (lineEnd > pos && buf[lineEnd - 1] === CR) lineEnd--;
    if (lineEnd - pos > limits.maxLineBytes) throw lineTooLong(pos, limits);
    checkLineBytes(buf, pos, lineEnd, start === undefined ? 'BAD_START_LINE' : 'BAD_HEADER');
    const next = lf + 1;
    if (start === undefined) {
      start = parseStartLine(buf.toString('latin1', pos, lineEnd), pos);
    } else if (lineEnd === pos) {
      const raw = Buffer.from(buf.subarray(0, next));
      const block: HandshakeBlock = {
        ...start,
        headers: HandshakeHeaders.fromParsedLines(lines),
        raw,
      };
      return { kind: 'block', block, consumed: next };
    } else {
      if (++headerLines > limits.maxHeaderLines) {
        throw new ProtocolError(
          HandshakeErrorCode.TOO_MANY_HEADERS,
          `more than ${limits.maxHeaderLines} handshake header lines`,
          'close',
          pos,
        );
      }
      addHeaderLine(lines, buf, pos, lineEnd);
    }
    pos = next;
  }
}

type StartLine = Pick<HandshakeBlock, 'kind' | 'startLine' | 'version' | 'code' | 'reason'>;

function parseStartLine(received: string, offset: number): StartLine {
  const line = received.trimEnd();
  const connect = CONNECT_RE.exec(line);
  if (connect !== null) return { kind: 'connect', startLine: line, version: connect[1] as string };
  const response = RESPONSE_RE.exec(line);
  if (response !== null) {
    return {
      kind: 'response',
      startLine: line,
      version: response[1] as string,
      code: Number(response[2]),
      reason: (response[3] ?? '').trim(),
    };
  }
  if (OK04_RE.test(line)) return { kind: 'ok04', startLine: line, version: '0.4' };
  throw new ProtocolError(
    HandshakeErrorCode.BAD_START_LINE,
    `not a Gnutella handshake start line: ${JSON.stringify(line.slice(0, 64))}`,
    'close',
    offset,
  );
}

/** Rejects early when the first bytes cannot begin a start line (no need to wait for LF). */
function checkMagicPrefix(buf: Buffer): void {
  const n = Math.min(buf.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (buf[i] !== MAGIC[i]) {
      throw new ProtocolError(
        HandshakeErrorCode.BAD_START_LINE,
        'handshake does not start with "GNUTELLA"',
        'close',
        i,
      );
    }
  }
}

/** No NUL, no control bytes except HT, no stray CR inside a line. */
function checkLineBytes(buf: Buffer, from: number, to: number, code: 'BAD_START_LINE' | 'BAD_HEADER'): void {
  for (let i = from; i < to; i++) {
    const b = buf[i] as number;
    if ((b < SP && b !== HT) || b === DEL || b === NUL) {
      throw new ProtocolError(
        HandshakeErrorCode[code],
        `control byte 0x${b.toString(16).padStart(2, '0')} in a handshake line`,
        'close',
        i,
      );
    }
  }
}

function isContinuation(buf: Buffer, pos: number): boolean {
  const b = buf[pos];
  return b === SP || b === HT;
}

function decodeText(buf: Buffer, from: number, to: number): string {
  const bytes = buf.subarray(from, to);
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function addHeaderLine(lines: Array<[string, string]>, buf: Buffer, from: number, to: number): void {
  if (isContinuation(buf, from)) {
    const last = lines[lines.length - 1];
    if (last === undefined) {
      throw new ProtocolError(
        HandshakeErrorCode.BAD_HEADER,
        'continuation line before any header',
        'close',
        from,
      );
    }
    // A folded value can grow past one line's bound; it still fits in maxBlockBytes.
    const more = decodeText(buf, from, to).trim();
    if (more.length > 0) last[1] = last[1].length > 0 ? `${last[1]} ${more}` : more;
    return;
  }
  const colon = buf.indexOf(0x3a, from);
  if (colon < 0 || colon >= to) {
    throw new ProtocolError(
      HandshakeErrorCode.BAD_HEADER,
      'handshake header line without ":"',
      'close',
      from,
    );
  }
  const name = buf.toString('latin1', from, colon).trimEnd();
  if (name.length === 0 || /[\s]/.test(name) || /[^\x21-\x7e]/.test(name)) {
    throw new ProtocolError(
      HandshakeErrorCode.BAD_HEADER,
      `bad handshake header name ${JSON.stringify(name.slice(0, 64))}`,
      'close',
      from,
    );
  }
  lines.push([name, decodeText(buf, colon + 1, to).trim()]);
}

function lineTooLong(offset: number, limits: HandshakeLimits): ProtocolError {
  return new ProtocolError(
    HandshakeErrorCode.LINE_TOO_LONG,
    `handshake line longer than ${limits.maxLineBytes} bytes`,
    'close',
    offset,
  );
}

function blockTooLarge(limits: HandshakeLimits): ProtocolError {
  return new ProtocolError(
    HandshakeErrorCode.BLOCK_TOO_LARGE,
    `handshake block larger than ${limits.maxBlockBytes} bytes`,
    'close',
    limits.maxBlockBytes,
  );
}
