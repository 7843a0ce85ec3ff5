/**
 * Parser for the head of an HTTP response from an uploading servent. Pure: it looks at
 * bytes and answers "need more", a parsed head, or a ProtocolError. Every line, the header
 * count and the whole head are capped. Accepts CR LF or bare LF line ends, the legacy
 * status line `HTTP 200 OK` (no version, §8.1 of the wire reference) and folded headers.
 */
import { ProtocolError } from '../../core/errors.js';

export interface ResponseHeadLimits {
  /** longest line, status line included */
  maxLineBytes: number;
  /** header lines after the status line */
  maxHeaders: number;
  /** whole head including the blank line */
  maxHeadBytes: number;
}

export const RESPONSE_HEAD_DEFAULTS: ResponseHeadLimits = {
  maxLineBytes: 8 * 1024,
  maxHeaders: 100,
  maxHeadBytes: 32 * 1024,
};

export interface ResponseHead {
  /** `1.0`, `1.1`, or `legacy` for the version-less status line */
  readonly version: '1.0' | '1.1' | 'legacy';
  readonly status: number;
  readonly reason: string;
  /** lower-cased names; repeated headers joined with ", " */
  readonly headers: ReadonlyMap<string, string>;
}

export type HeadParse = { kind: 'need-more' } | { kind: 'head'; head: ResponseHead; consumed: number };

const LF = 0x0a;
const STATUS_RE = /^HTTP(?:\/(\d)\.(\d))?\s+(\d{3})(?:\s+(.*))?$/;

function fail(code: string, message: string, offset?: number): ProtocolError {
  return new ProtocolError(code, message, 'close', offset);
}

/** Parses the response head at the start of `buf`. */
export function parseResponseHead(
  buf: Uint8Array,
  limits: ResponseHeadLimits = RESPONSE_HEAD_DEFAULTS,
): HeadParse {
  const lines: string[] = [];
  let pos = 0;
  for (;;) {
    const lf = buf.indexOf(LF, pos);
    // line length excludes its CR LF; an unterminated line may still end in a CR
    let lineEnd = lf < 0 ? buf.length : lf;
    if (lineEnd > pos && buf[lineEnd - 1] === 0x0d) lineEnd -= 1;
    if (lineEnd - pos > limits.maxLineBytes) {
      throw fail('E_HTTP_LINE_TOO_LONG', `response line longer than ${limits.maxLineBytes} bytes`, pos);
    }
    if (lf < 0) {
      if (buf.length > limits.maxHeadBytes) {
        throw fail('E_HTTP_HEAD_TOO_LARGE', `response head larger than ${limits.maxHeadBytes} bytes`, pos);
      }
      return { kind: 'need-more' };
    }
    if (lf + 1 > limits.maxHeadBytes) {
      throw fail('E_HTTP_HEAD_TOO_LARGE', `response head larger than ${limits.maxHeadBytes} bytes`, pos);
    }
    const line = Buffer.from(buf.buffer, buf.byteOffset + pos, lineEnd - pos).toString('latin1');
    pos = lf + 1;
    if (line === '') {
      if (lines.length === 0) continue; // tolerate blank lines before the status line
      return { kind: 'head', head: buildHead(lines), consumed: pos };
    }
    if (lines.length > limits.maxHeaders) {
      throw fail('E_HTTP_TOO_MANY_HEADERS', `more than ${limits.maxHeaders} response headers`, pos);
    }
    lines.push(line);
  }
}

function buildHead(lines: string[]): ResponseHead {
  const statusLine = lines[0] ?? '';
  const m = STATUS_RE.exec(statusLine.trim());
  if (m === null) throw fail('E_HTTP_BAD_STATUS', `bad status line: ${statusLine.slice(0, 60)}`);
  const version = m[1] === undefined ? 'legacy' : m[1] === '1' && m[2] === '0' ? '1.0' : '1.1';
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of lines.slice(1)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw fail('E_HTTP_BAD_HEADER', `bad header line: ${line.slice(0, 60)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
    last = name;
  }
  return { version, status: Number(m[3]), reason: (m[4] ?? '').trim(), headers };
}

/** Largest integer we accept in Content-Length / Content-Range (2^53 − 1 digits fit in 16). */
const INT_RE = /^\d{1,16}$/;

export function parseContentLength(head: ResponseHead): number | undefined {
  const v = head.headers.get('content-length');
  if (v === undefined) return undefined;
  // a repeated header joined with ", " must repeat the same value
  const parts = new Set(v.split(',').map((s) => s.trim()));
  if (parts.size !== 1) throw fail('E_HTTP_BAD_LENGTH', `conflicting Content-Length: ${v.slice(0, 60)}`);
  const only = [...parts][0] ?? '';
  if (!INT_RE.test(only) || !Number.isSafeInteger(Number(only))) {
    throw fail('E_HTTP_BAD_LENGTH', `bad Content-Length: ${only.slice(0, 30)}`);
  }
  return Number(only);
}

/** `bytes a-b/total` (total may be `*`); end is inclusive as on the wire. */
export function parseContentRange(
  value: string,
): { start: number; endInclusive: number; total: number | undefined } | undefined {
  const m = /^bytes[ =](\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/i.exec(value.trim());
  if (m === null) return undefined;
  const start = Number(m[1]);
  const endInclusive = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (endInclusive < start || (total !== undefined && endInclusive >= total)) return undefined;
  if (!Number.isSafeInteger(endInclusive) || (total !== undefined && !Number.isSafeInteger(total)))
    return undefined;
  return { start, endInclusive, total };
}

/** Retry-After in ms: delta-seconds only (an HTTP date is ignored); clamped to `maxMs`. */
export function parseRetryAfter(head: ResponseHead, maxMs: number): number | undefined {
  const v = head.headers.get('retry-after');
  if (v === undefined || !/^\d{1,10}$/.test(v.trim())) return undefined;
  return Math.min(Number(v.trim()) * 1000, maxMs);
}

/** Whether the connection stays open after this response's body. */
export function keepsAlive(head: ResponseHead): boolean {
  const conn = (head.headers.get('connection') ?? '').toLowerCase();
  if (conn.includes('close')) return false;
  if (head.version === '1.1') return true;
  return conn.includes('keep-alive');
}
