/**
 * The downloader's public contract: where bytes can come from (`DownloadSource`), how a
 * download is started (`DownloadOptions`) and what the caller can watch and steer
 * (`Download`).
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { SearchHit } from '../../routing/types.js';
import type { PushBroker } from '../push-broker.js';

/** A holder we can dial: `GET <path>` on `host:port`. */
export interface DirectSource {
  readonly kind: 'direct';
  readonly host: string;
  readonly port: number;
  /** request target, e.g. `/uri-res/N2R?urn:sha1:…` or `/get/12/name.ext` */
  readonly path: string;
  /** 32 lowercase hex chars; lets a failed direct connect fall back to Push → GIV */
  readonly serventId?: string;
  /** file index for a fallback Push (0 when unknown, as gtk-gnutella does for magnets) */
  readonly index?: number;
  /** the hit this source came from (a fallback Push is routed along it) */
  readonly hit?: SearchHit;
}

/** A firewalled holder: it must connect to us (Push over the overlay, then GIV). */
export interface PushSource {
  readonly kind: 'push';
  /** 32 lowercase hex chars */
  readonly serventId: string;
  /** file index for the Push descriptor; 0 when unknown */
  readonly index: number;
  readonly name: string;
  /** the hit this source came from, when it came from a search */
  readonly hit?: SearchHit;
  /** push proxies named by a magnet `push://guid:host:port/…` URL */
  readonly proxies?: readonly { readonly host: string; readonly port: number }[];
}

export type DownloadSource = DirectSource | PushSource;

export interface DownloadProgress {
  /** bytes on disk and verified to belong to a finished write */
  readonly bytes: number;
  /** file size; undefined until a source told it */
  readonly size: number | undefined;
  /** bytes per second over the last few seconds */
  readonly rate: number;
  readonly sources: { readonly active: number; readonly total: number };
  /** seconds left at the current rate; undefined when unknown */
  readonly etaS: number | undefined;
}

export type SourceStatus = 'idle' | 'active' | 'backoff' | 'dropped' | 'banned';

export interface SourceEvent {
  /** stable key of the source (see `sourceKey`) */
  readonly key: string;
  readonly status: SourceStatus;
  /** error code that caused the change, when there was one */
  readonly code?: string;
  /** when a backed-off source may be tried again (clock time, ms) */
  readonly retryAt?: number;
}

export type DownloadState = 'running' | 'paused' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface DownloadResult {
  /** final path of the file */
  readonly path: string;
  readonly size: number;
  /** the urn the file was checked against, or undefined when none was known */
  readonly urn: string | undefined;
  /** true when the SHA-1 of the file matched `urn` */
  readonly verified: boolean;
}

export interface DownloadEvents {
  progress: DownloadProgress;
  source: SourceEvent;
  state: DownloadState;
}

export interface Download {
  /** final name chosen for the file (sanitised), before any ` (n)` suffix */
  readonly name: string;
  readonly partPath: string;
  progress(): DownloadProgress;
  state(): DownloadState;
  /** per-source status, one entry per known source */
  sources(): readonly SourceEvent[];
  on<K extends keyof DownloadEvents>(event: K, listener: (ev: DownloadEvents[K]) => void): () => void;
  /** adds sources while running (duplicates are ignored); returns how many were new */
  addSources(sources: readonly DownloadSource[]): number;
  /** closes every connection and writes a checkpoint; `resume()` continues */
  pause(): Promise<void>;
  resume(): void;
  /** stops for good: `done` rejects with E_CANCELLED. The .part is kept unless `discard`. */
  cancel(opts?: { discard?: boolean }): Promise<void>;
  readonly done: Promise<DownloadResult>;
}

/** Tunables; every one has a default in `DOWNLOAD_DEFAULTS`. */
export interface DownloadLimits {
  /** first segment size when a source's rate is unknown */
  segmentBytes: number;
  minSegmentBytes: number;
  maxSegmentBytes: number;
  /** a segment should take about this long at the source's measured rate */
  segmentTargetMs: number;
  /** bytes re-requested before a segment that starts next to data we have */
  overlapBytes: number;
  connectTimeoutMs: number;
  /** from request sent to response head complete */
  firstByteTimeoutMs: number;
  /** no body byte for this long → the request fails */
  idleTimeoutMs: number;
  /** waiting for the GIV after a Push */
  pushTimeoutMs: number;
  /** first back-off after a failure; doubles per consecutive failure */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** back-off after a 503 that gave no Retry-After */
  busyRetryMs: number;
  /** Retry-After values are clamped to this */
  maxRetryAfterMs: number;
  /** consecutive failures after which a source is dropped */
  maxSourceFailures: number;
  /** consecutive failed connects (refused, timed out) after which a source is dropped */
  maxConnectFailures: number;
  /** sources remembered per download (addSources past it is ignored) */
  maxKnownSources: number;
  /** state checkpoint after this many new bytes … */
  checkpointBytes: number;
  /** … or this long since the last one */
  checkpointMs: number;
  /** a stopped response body shorter than this is read and discarded to keep the connection */
  drainBytes: number;
  /** largest file accepted (a source announcing more is dropped) */
  maxFileBytes: number;
  /** largest .part.json read back */
  maxStateBytes: number;
}

export const DOWNLOAD_DEFAULTS: DownloadLimits = {
  segmentBytes: 1024 * 1024,
  minSegmentBytes: 64 * 1024,
  maxSegmentBytes: 16 * 1024 * 1024,
  segmentTargetMs: 5_000,
  overlapBytes: 64,
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  pushTimeoutMs: 20_000,
  backoffBaseMs: 2_000,
  backoffMaxMs: 10 * 60_000,
  busyRetryMs: 60_000,
  maxRetryAfterMs: 60 * 60_000,
  maxSourceFailures: 6,
  maxConnectFailures: 3,
  maxKnownSources: 256,
  checkpointBytes: 4 * 1024 * 1024,
  checkpointMs: 2_000,
  drainBytes: 64 * 1024,
  maxFileBytes: 2 ** 50,
  maxStateBytes: 16 * 1024 * 1024,
};

export type Connector = (host: string, port: number) => Promise<Duplex>;

export interface DownloadOptions {
  sources: readonly DownloadSource[];
  /** `urn:sha1:<BASE32>`; when absent, the first source that names one sets it */
  urn?: string;
  name: string;
  size?: number;
  outDir: string;
  /** sources fetched from at once (default 4) */
  maxSources?: number;
  clock: Clock;
  log: Logger;
  /** opens a TCP connection (tests inject; default: node:net with connect timeout) */
  connect?: Connector;
  pushBroker?: PushBroker;
  /** sends a Push over the overlay for `source`; false when it could not be sent */
  requestPush?: (source: PushSource) => boolean;
  userAgent?: string;
  limits?: Partial<DownloadLimits>;
}
