/**
 * One token bucket shared by every upload (bytes/s). A stream asks for the bytes of its
 * next read before reading them, so a limited upload never reads ahead of its budget:
 * backpressure instead of buffering. Waiters are served first come, first served; each
 * upload has at most one request pending, so the wait list is bounded by the slot count.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';

export interface TokenBucketOptions {
  clock: Clock;
  /** bytes per second, > 0 */
  rate: number;
  /** largest single request and bucket capacity (default rate/10, within 16 KiB..1 MiB) */
  burst?: number;
}

const MIN_BURST = 16 * 1024;
const MAX_BURST = 1024 * 1024;

interface Waiter {
  readonly n: number;
  readonly grant: () => void;
}

export class TokenBucket {
  private readonly clock: Clock;
  readonly rate: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly waiters: Waiter[] = [];
  private timer: TimerHandle | undefined;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.rate > 0) || !Number.isFinite(opts.rate)) throw new RangeError('rate must be > 0');
    this.clock = opts.clock;
    this.rate = opts.rate;
    this.burst = Math.floor(opts.burst ?? Math.min(MAX_BURST, Math.max(MIN_BURST, opts.rate / 10)));
    this.tokens = this.burst;
    this.last = opts.clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
  }

  /**
   * Takes `n` tokens (1 ≤ n ≤ burst) and calls `grant` once they are available —
   * synchronously when they already are. Returns a function that withdraws the request.
   */
  take(n: number, grant: () => void): () => void {
    if (!(n >= 1 && n <= this.burst)) throw new RangeError(`take(${n}) outside 1..${this.burst}`);
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= n) {
      this.tokens -= n;
      grant();
      return () => {};
    }
    const w: Waiter = { n, grant };
    this.waiters.push(w);
    this.schedule();
    return () => {
      const i = this.waiters.indexOf(w);
      if (i < 0) return;
      this.waiters.splice(i, 1);
      if (i === 0) {
        // The timer was sized for this request's deficit: size it for the new head.
        this.clock.clearTimeout(this.timer);
        this.timer = undefined;
        this.schedule();
      }
    };
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const head = this.waiters[0];
    if (head === undefined) return;
    const deficit = Math.max(0, head.n - this.tokens);
    this.timer = this.clock.setTimeout(
      () => this.drain(),
      Math.max(1, Math.ceil((deficit * 1000) / this.rate)),
    );
  }

  private drain(): void {
    this.timer = undefined;
    this.refill();
    for (;;) {
      const head = this.waiters[0];
      if (head === undefined || this.tokens < head.n) break;
      this.waiters.shift();
      this.tokens -= head.n;
      head.grant();
    }
    this.schedule();
  }

  /** requests waiting for tokens */
  pending(): number {
    return this.waiters.length;
  }

  /** cancels every wait (shutdown) */
  close(): void {
    this.waiters.length = 0;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
