/**
 * The HTTP client side of a Gnutella file transfer, over a socket we are given: a dialled
 * TCP connection, or one the holder opened to us after a Push (then we are the TCP server
 * but still the HTTP client). One request at a time; several requests per connection
 * (keep-alive). Responses are parsed here, with caps, never by node:http.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import { ProtocolError, TransferError } from '../../core/errors.js';
import { normaliseSha1Urn } from '../../share/base32.js';
import {
  keepsAlive,
  parseContentLength,
  parseContentRange,
  parseResponseHead,
  parseRetryAfter,
  RESPONSE_HEAD_DEFAULTS,
  type ResponseHead,
  type ResponseHeadLimits,
} from './http-response.js';
import { StreamReader } from './stream-reader.js';

/** A non-2xx answer. `retryAfterMs` comes from Retry-After on 503. */
export class HttpStatusError extends TransferError {
  constructor(
    code: string,
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    message: string,
  ) {
    super(code, message);
    this.name = 'HttpStatusError';
  }
}

export interface HttpClientOptions {
  clock: Clock;
  /** value of the Host header, `ip:port` */
  hostHeader: string;
  userAgent: string;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  /** a body we stopped reading that is at most this long is drained to keep the connection */
  drainBytes: number;
  maxRetryAfterMs: number;
  headLimits?: ResponseHeadLimits;
}

export interface RangeRequest {
  readonly path: string;
  readonly start: number;
  /** inclusive, as on the wire; undefined asks for everything from `start` */
  readonly endInclusive: number | undefined;
  readonly urn?: string;
  readonly signal?: AbortSignal;
}

/** What a successful (200/206) response delivers. */
export interface ResponseInfo {
  readonly status: 200 | 206;
  /** file offset of the first body byte */
  readonly start: number;
  readonly length: number;
  /** file size, when the response said */
  readonly total: number | undefined;
  /** urn:sha1 the uploader names the file by, when it said */
  readonly urn: string | undefined;
  readonly head: ResponseHead;
}

/** Receives body bytes at their file offset; 'stop' ends the body early. */
export type ChunkHandler = (chunk: Buffer, offset: number) => Promise<'more' | 'stop'>;

export interface FetchOutcome {
  readonly info: ResponseInfo;
  /** body bytes handed to the chunk handler */
  readonly received: number;
}

/** Bytes read from the socket per body read. */
const READ_CHUNK = 64 * 1024;
const UNSAFE_PATH_RE = /[\x00-\x20\x7f]/; // eslint-disable-line no-control-regex

export class HttpClientConnection {
  private readonly reader: StreamReader;
  private reusable = true;
  private busy = false;

  constructor(
    private readonly socket: Duplex,
    private readonly opts: HttpClientOptions,
  ) {
    // the reader reports errors while a request runs; this keeps a late one from crashing us
    socket.on('error', () => {});
    this.reader = new StreamReader(socket, opts.clock);
  }

  /** True while the connection can carry another request. */
  usable(): boolean {
    return this.reusable && !this.socket.destroyed;
  }

  close(): void {
    this.reusable = false;
    this.socket.destroy();
  }

  /**
   * Sends one GET with a Range and streams the body to `onChunk`. `onHead` may throw to
   * refuse the response (wrong file, wrong size): the connection is then closed.
   */
  async fetch(
    req: RangeRequest,
    onHead: (info: ResponseInfo) => void,
    onChunk: ChunkHandler,
  ): Promise<FetchOutcome> {
    if (this.busy || !this.usable())
      throw new TransferError('E_CONN_UNUSABLE', 'connection cannot take a request');
    this.busy = true;
    try {
      return await this.exchange(req, onHead, onChunk);
    } catch (e) {
      this.close();
      throw e;
    } finally {
      this.busy = false;
    }
  }

  private async exchange(
    req: RangeRequest,
    onHead: (info: ResponseInfo) => void,
    onChunk: ChunkHandler,
  ): Promise<FetchOutcome> {
    this.socket.write(this.requestHead(req));
    const { head, rest } = await this.readHead(req.signal);
    this.reader.unread(rest);
    const info = this.interpret(head, req);
    onHead(info);
    if (!keepsAlive(head)) this.reusable = false;
    let received = 0;
    while (received < info.length) {
      const chunk = await this.reader.read(
        Math.min(READ_CHUNK, info.length - received),
        this.opts.idleTimeoutMs,
        'E_TIMEOUT_IDLE',
        req.signal,
      );
      if (chunk === null)
        throw new TransferError(
          'E_CONN_CLOSED',
          `connection closed after ${received} of ${info.length} body bytes`,
        );
      const verdict = await onChunk(chunk, info.start + received);
      received += chunk.length;
      if (verdict === 'stop' && received < info.length) {
        await this.drain(info.length - received, req.signal);
        break;
      }
    }
    return { info, received };
  }

  /** Reads and discards the rest of a body when it is short, else gives up the connection. */
  private async drain(left: number, signal: AbortSignal | undefined): Promise<void> {
    if (left > this.opts.drainBytes || signal?.aborted === true) {
      this.close();
      return;
    }
    while (left > 0) {
      const chunk = await this.reader.read(
        Math.min(READ_CHUNK, left),
        this.opts.idleTimeoutMs,
        'E_TIMEOUT_IDLE',
        signal,
      );
      if (chunk === null) {
        this.close();
        return;
      }
      left -= chunk.length;
    }
  }

  private requestHead(req: RangeRequest): string {
    if (UNSAFE_PATH_RE.test(req.path) || !req.path.startsWith('/')) {
      throw new TransferError('E_BAD_PATH', 'request path contains unsafe characters');
    }
    const range = `bytes=${req.start}-${req.endInclusive ?? ''}`;
    const lines = [
      `GET ${req.path} HTTP/1.1`,
      `Host: ${this.opts.hostHeader}`,
      `User-Agent: ${this.opts.userAgent}`,
      `Range: ${range}`,
      'Connection: Keep-Alive',
    ];
    if (req.urn !== undefined) lines.push(`X-Gnutella-Content-URN: ${req.urn}`);
    return `${lines.join('\r\n')}\r\n\r\n`;
  }

  private async readHead(signal: AbortSignal | undefined): Promise<{ head: ResponseHead; rest: Buffer }> {
    const limits = this.opts.headLimits ?? RESPONSE_HEAD_DEFAULTS;
    let buf: Buffer = Buffer.alloc(0);
    const deadline = this.opts.clock.now() + this.opts.firstByteTimeoutMs;
    for (;;) {
      const wait = Math.max(1, deadline - this.opts.clock.now());
      const chunk = await this.reader.read(limits.maxHeadBytes + 1, wait, 'E_TIMEOUT_FIRST_BYTE', signal);
      if (chunk === null) {
        throw new TransferError(
          'E_CONN_CLOSED',
          `connection closed before the response head (${buf.length} bytes)`,
        );
      }
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const parsed = parseResponseHead(buf, limits);
      if (parsed.kind === 'head') return { head: parsed.head, rest: buf.subarray(parsed.consumed) };
    }
  }

  private interpret(head: ResponseHead, req: RangeRequest): ResponseInfo {
    const { status } = head;
    if (status !== 200 && status !== 206) {
      this.reusable = false;
      const retry = parseRetryAfter(head, this.opts.maxRetryAfterMs);
      const code =
        status === 503
          ? 'E_HTTP_BUSY'
          : status === 404 || status === 410
            ? 'E_HTTP_NOT_FOUND'
            : status === 416
              ? 'E_HTTP_RANGE_UNSATISFIABLE'
              : 'E_HTTP_STATUS';
      throw new HttpStatusError(code, status, retry, `HTTP ${status} ${head.reason}`.trim());
    }
    const te = head.headers.get('transfer-encoding');
    const ce = head.headers.get('content-encoding');
    if (
      (te !== undefined && te.toLowerCase() !== 'identity') ||
      (ce !== undefined && ce.toLowerCase() !== 'identity')
    ) {
      throw new ProtocolError('E_HTTP_ENCODING', 'encoded response bodies are not supported', 'close');
    }
    const length = parseContentLength(head);
    if (length === undefined)
      throw new ProtocolError('E_HTTP_NO_LENGTH', 'response without Content-Length', 'close');
    const urnHeader = head.headers.get('x-gnutella-content-urn') ?? head.headers.get('x-content-urn');
    const urn = urnHeader !== undefined ? normaliseSha1Urn(urnHeader.split(',')[0] ?? '') : undefined;
    if (status === 200) {
      // a 200 is the whole file from byte 0; it only answers a request that started at 0
      if (req.start !== 0) {
        throw new ProtocolError('E_HTTP_IGNORED_RANGE', `200 to a request starting at ${req.start}`, 'close');
      }
      return { status, start: 0, length, total: length, urn, head };
    }
    const cr = head.headers.get('content-range');
    const range = cr === undefined ? undefined : parseContentRange(cr);
    if (range === undefined)
      throw new ProtocolError('E_HTTP_BAD_RANGE', `206 with bad Content-Range: ${cr ?? '(none)'}`, 'close');
    if (
      range.start !== req.start ||
      (req.endInclusive !== undefined && range.endInclusive > req.endInclusive) ||
      range.endInclusive - range.start + 1 !== length
    ) {
      throw new ProtocolError(
        'E_HTTP_BAD_RANGE',
        `206 range ${cr ?? ''} does not answer ${req.start}-${req.endInclusive ?? ''}`,
        'close',
      );
    }
    return { status, start: range.start, length, total: range.total, urn, head };
  }
}
