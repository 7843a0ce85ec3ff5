/**
 * What the downloader knows about one source: its status, failures and back-off, its
 * measured rate, and the open connection to it. `classifyError` maps a failure to what
 * happens to the source: back off and retry, drop it, or ban it for this file.
 */
import { ProtocolError, ServentError } from '../../core/errors.js';
import { HttpStatusError } from './http-client.js';
import type { HttpClientConnection } from './http-client.js';
import type { DownloadLimits, DownloadSource, PushSource, SourceStatus } from './types.js';

export type ErrorVerdict =
  /** we stopped it ourselves (pause, cancel, end-game loser): no penalty */
  | { readonly kind: 'aborted' }
  /** transient: retry later with exponential back-off (or the given delay) */
  | { readonly kind: 'retry'; readonly delayMs?: number; readonly connect: boolean }
  /** the source cannot serve this file: forget it */
  | { readonly kind: 'drop' }
  /** the source sent wrong bytes: never use it again for this file */
  | { readonly kind: 'ban' };

/** Connection-level failures that a Push → GIV fallback may get around. */
const CONNECT_CODES = new Set(['E_CONNECT', 'E_TIMEOUT_CONNECT']);
const DROP_CODES = new Set([
  'E_HTTP_NOT_FOUND',
  'E_HTTP_RANGE_UNSATISFIABLE',
  'E_URN_MISMATCH',
  'E_SIZE_MISMATCH',
  'E_SIZE_UNKNOWN',
  'E_SIZE_TOO_LARGE',
  'E_BAD_PATH',
  'E_PUSH_NO_OVERLAY',
]);

export function classifyError(err: unknown, limits: DownloadLimits): ErrorVerdict {
  if (!(err instanceof ServentError)) return { kind: 'retry', connect: false };
  if (err.code === 'E_ABORTED') return { kind: 'aborted' };
  if (err.code === 'E_OVERLAP_MISMATCH') return { kind: 'ban' };
  if (DROP_CODES.has(err.code)) return { kind: 'drop' };
  if (err instanceof HttpStatusError) {
    if (err.status === 503)
      return { kind: 'retry', delayMs: err.retryAfterMs ?? limits.busyRetryMs, connect: false };
    if (err.status >= 400 && err.status < 500) return { kind: 'drop' };
    return {
      kind: 'retry',
      ...(err.retryAfterMs !== undefined ? { delayMs: err.retryAfterMs } : {}),
      connect: false,
    };
  }
  // a peer that breaks HTTP framing will not do better next time
  if (err instanceof ProtocolError) return { kind: 'drop' };
  return { kind: 'retry', connect: CONNECT_CODES.has(err.code) };
}

export class SourceEntry {
  status: SourceStatus = 'idle';
  /** consecutive failures; reset by a successful request */
  failures = 0;
  /** consecutive failed connection attempts */
  connectFailures = 0;
  /** clock time before which the source is not tried again */
  retryAt = 0;
  /** bytes/s, exponentially weighted over requests */
  rate: number | undefined;
  /** bytes this source wrote to the file in this session */
  bytes = 0;
  lastCode: string | undefined;
  conn: HttpClientConnection | undefined;
  /** a worker is running for this source */
  busy = false;
  /** direct source whose connect failed: reached through Push → GIV from now on */
  viaPush: PushSource | undefined;
  /** set while the file is being re-verified without this source's bytes */
  suspect = false;

  constructor(
    readonly key: string,
    readonly source: DownloadSource,
  ) {}

  /** Records a request's throughput (EWMA, weight 1/2 on the newest sample). */
  recordRate(bytes: number, ms: number): void {
    if (bytes <= 0 || ms <= 0) return;
    const r = (bytes * 1000) / ms;
    this.rate = this.rate === undefined ? r : (this.rate + r) / 2;
  }

  usable(now: number): boolean {
    return (
      (this.status === 'idle' || this.status === 'backoff') &&
      !this.busy &&
      this.retryAt <= now &&
      !this.suspect
    );
  }

  /** Still worth waiting for: idle, active or backing off. */
  alive(): boolean {
    return this.status !== 'dropped' && this.status !== 'banned' && !this.suspect;
  }

  /** Applies exponential back-off: base × 2^(failures−1), capped; `delayMs` overrides. */
  backOff(now: number, limits: DownloadLimits, delayMs?: number): void {
    const exp = Math.min(
      limits.backoffMaxMs,
      limits.backoffBaseMs * 2 ** Math.min(30, Math.max(0, this.failures - 1)),
    );
    this.retryAt = now + (delayMs !== undefined ? Math.max(delayMs, 0) : exp);
    this.status = 'backoff';
  }

  /**
   * Applies a failed request to the source's state and says what became of it. A connect
   * failure of a direct source that named its servent ID switches it to Push → GIV (when
   * `pushName` is given, i.e. the overlay can carry a Push) instead of counting.
   */
  failed(
    err: unknown,
    now: number,
    limits: DownloadLimits,
    pushName?: string,
  ): 'aborted' | 'ban' | 'drop' | 'retry' | 'push' {
    this.lastCode = err instanceof ServentError ? err.code : 'E_UNEXPECTED';
    this.closeConnection();
    const v = classifyError(err, limits);
    switch (v.kind) {
      case 'aborted':
        return 'aborted';
      case 'ban':
        this.status = 'banned';
        return 'ban';
      case 'drop':
        this.status = 'dropped';
        return 'drop';
      case 'retry': {
        const src = this.source;
        if (
          v.connect &&
          pushName !== undefined &&
          src.kind === 'direct' &&
          src.serventId !== undefined &&
          this.viaPush === undefined
        ) {
          // the holder may be firewalled without saying so: ask it to connect to us
          this.viaPush = {
            kind: 'push',
            serventId: src.serventId,
            index: src.index ?? 0,
            name: pushName,
            ...(src.hit !== undefined ? { hit: src.hit } : {}),
          };
          this.status = 'idle';
          return 'push';
        }
        this.failures++;
        this.connectFailures = v.connect ? this.connectFailures + 1 : 0;
        if (this.failures >= limits.maxSourceFailures || this.connectFailures >= limits.maxConnectFailures) {
          this.status = 'dropped';
          return 'drop';
        }
        this.backOff(now, limits, v.delayMs);
        return 'retry';
      }
    }
  }

  closeConnection(): void {
    this.conn?.close();
    this.conn = undefined;
  }
}
