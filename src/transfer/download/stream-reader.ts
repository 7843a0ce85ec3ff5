/**
 * Pull-style reading from a socket with deadlines from an injected clock. The stream stays
 * in paused mode and is read only when the consumer asks, so a slow consumer (the disk)
 * leaves bytes in the kernel and TCP flow control slows the sender: memory stays bounded
 * by the stream's high-water mark.
 */
import type { Duplex } from 'node:stream';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { TransferError } from '../../core/errors.js';

export class StreamReader {
  private leftover: Buffer | undefined;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly onReadable = (): void => this.notify();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (err: Error): void => {
    this.failure ??= new TransferError('E_CONN_RESET', `connection error: ${err.message}`, { cause: err });
    this.notify();
  };

  constructor(
    readonly stream: Duplex,
    private readonly clock: Clock,
  ) {
    stream.on('readable', this.onReadable);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  /** Gives bytes back; the next `read` returns them first. */
  unread(buf: Buffer): void {
    if (buf.length === 0) return;
    this.leftover = this.leftover === undefined ? buf : Buffer.concat([buf, this.leftover]);
  }

  /**
   * The next chunk (at most `max` bytes), or null at end of stream. Rejects with
   * E_TIMEOUT (code given) when nothing arrives within `timeoutMs`, or when `signal` aborts.
   */
  async read(
    max: number,
    timeoutMs: number,
    timeoutCode = 'E_TIMEOUT',
    signal?: AbortSignal,
  ): Promise<Buffer | null> {
    for (;;) {
      if (this.leftover !== undefined) {
        const b = this.leftover;
        if (b.length <= max) {
          this.leftover = undefined;
          return b;
        }
        this.leftover = b.subarray(max);
        return b.subarray(0, max);
      }
      if (signal?.aborted === true) throw new TransferError('E_ABORTED', 'request aborted');
      const chunk = this.stream.read() as Buffer | string | null;
      if (chunk !== null) {
        this.leftover = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.ended || this.stream.destroyed) return null;
      await this.waitForData(timeoutMs, timeoutCode, signal);
    }
  }

  private waitForData(timeoutMs: number, code: string, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => finish(new TransferError('E_ABORTED', 'request aborted'));
      const finish = (err?: Error): void => {
        this.wake = undefined;
        this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      this.wake = () => finish();
      const timer: TimerHandle = this.clock.setTimeout(
        () => finish(new TransferError(code, `no data for ${timeoutMs} ms`)),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Stops listening; bytes read but not consumed are pushed back into the stream. */
  detach(): void {
    this.stream.off('readable', this.onReadable);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    if (this.leftover !== undefined && !this.stream.destroyed) this.stream.unshift(this.leftover);
    this.leftover = undefined;
  }
}
