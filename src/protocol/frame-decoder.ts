/**
 * Stream → messages. A connection calls `push(chunk)` with whatever the socket delivered
 * and gets back the descriptors completed by it. The decoder asks "do I have n bytes?"
 * rather than throwing for incomplete input; it keeps the chunks as they came and copies
 * only when a frame spans chunks (a frame inside one chunk is a zero-copy view of it).
 *
 * Two kinds of failure:
 * - a bad payload inside sane framing comes back as an `ok: false` entry (action `drop`),
 *   and decoding goes on with the next frame;
 * - an announced length over its cap (checked as soon as the 23-byte header is there,
 *   before any payload is buffered) THROWS a `FramingError` (action `close`, `offset` =
 *   absolute stream offset of the frame), and the decoder stays failed: without a sync
 *   marker there is no way to find the next frame.
 */
import { ProtocolError } from '../core/errors.js';
import type { Message } from './messages.js';
import { HEADER_SIZE, OFFSET_PAYLOAD_LENGTH, OFFSET_PAYLOAD_TYPE } from './constants.js';
import { checkPayloadLength, decodeFrame } from './decode.js';
import { CodecError } from './error-codes.js';
import type { CodecLimits } from './limits.js';
import { resolveLimits } from './limits.js';

export type FrameResult =
  | { readonly ok: true; readonly message: Message; readonly size: number }
  | { readonly ok: false; readonly error: ProtocolError; readonly size: number };

/**
 * The close-level error a FrameDecoder throws. `before` holds what the same `push()` call
 * had already decoded when framing was lost (those frames were complete and valid).
 */
export class FramingError extends ProtocolError {
  readonly before: readonly FrameResult[];
  constructor(cause: ProtocolError, offset: number, before: readonly FrameResult[]) {
    super(cause.code, cause.message, 'close', offset);
    this.name = 'FramingError';
    this.before = before;
  }
}

export class FrameDecoder {
  private readonly limits: CodecLimits;
  /** unread input, oldest first; reading starts at `head` inside chunks[0] */
  private readonly chunks: Buffer[] = [];
  private head = 0;
  private pending = 0;
  private consumed = 0;
  private failure: FramingError | undefined;
  private readonly scratch = Buffer.alloc(HEADER_SIZE);

  constructor(limits?: Partial<CodecLimits>) {
    this.limits = resolveLimits(limits);
  }

  /** Bytes consumed as whole frames so far (= stream offset of the next frame). */
  get bytesConsumed(): number {
    return this.consumed;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.pending;
  }

  /** True once framing was lost; every later push throws the same error. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  push(chunk: Buffer): FrameResult[] {
    if (this.failure !== undefined) throw this.failure;
    const out: FrameResult[] = [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.pending += chunk.length;
    }
    while (this.pending >= HEADER_SIZE) {
      const first = this.chunks[0] as Buffer;
      let hdr: Buffer;
      let at: number;
      if (first.length - this.head >= HEADER_SIZE) {
        hdr = first;
        at = this.head;
      } else {
        this.peek(this.scratch, HEADER_SIZE);
        hdr = this.scratch;
        at = 0;
      }
      const payloadType = hdr[at + OFFSET_PAYLOAD_TYPE] as number;
      const length = hdr.readUInt32LE(at + OFFSET_PAYLOAD_LENGTH);
      try {
        checkPayloadLength(payloadType, length, this.limits, this.consumed);
      } catch (e) {
        this.failure = new FramingError(e as ProtocolError, this.consumed, out);
        throw this.failure;
      }
      const size = HEADER_SIZE + length;
      if (this.pending < size) break;
      const frame = this.take(size);
      const start = this.consumed;
      this.consumed += size;
      try {
        out.push({ ok: true, message: decodeFrame(frame, this.limits), size });
      } catch (e) {
        const err =
          e instanceof ProtocolError ? e : new ProtocolError(CodecError.INTERNAL, String(e), 'drop');
        out.push({
          ok: false,
          error: new ProtocolError(err.code, err.message, err.action, start + (err.offset ?? 0)),
          size,
        });
      }
    }
    return out;
  }

  /** Copies the next n unread bytes into `dst` without consuming them. */
  private peek(dst: Buffer, n: number): void {
    let copied = 0;
    let off = this.head;
    for (let i = 0; copied < n; i++) {
      const c = this.chunks[i] as Buffer;
      copied += c.copy(dst, copied, off, Math.min(c.length, off + n - copied));
      off = 0;
    }
  }

  /** Consumes the next n bytes: a view when they sit in one chunk, else one copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length - this.head >= n) {
      const frame = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.pending -= n;
      return frame;
    }
    const frame = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const c = this.chunks[0] as Buffer;
      const k = Math.min(c.length - this.head, n - copied);
      c.copy(frame, copied, this.head, this.head + k);
      copied += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.pending -= n;
    return frame;
  }
}
