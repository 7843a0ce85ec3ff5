/**
 * Downloads started through the control API. Each entry wraps one downloader
 * (`startDownload`) and remembers how it was started, so that a failed or cancelled
 * download can be started again: the downloader then resumes from its `.part` file.
 *
 * A second request for a urn that is already being downloaded adds its sources to the
 * running download instead of starting another one. Bounded: downloads active at once,
 * and finished downloads remembered (the oldest finished one is forgotten first).
 */
import { mkdir } from 'node:fs/promises';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { normaliseSha1Urn } from '../share/index.js';
import { startDownload } from '../transfer/download/index.js';
import type {
  Connector,
  Download,
  DownloadLimits,
  DownloadOptions,
  DownloadResult,
  DownloadSource,
  DownloadState,
  PushSource,
} from '../transfer/download/index.js';
import type { PushBroker } from '../transfer/push-broker.js';
import { ApiError } from './errors.js';

export interface DownloadRegistryLimits {
  /** downloads running, paused or verifying at once */
  maxActive: number;
  /** downloads remembered in all (finished ones are forgotten oldest first) */
  maxKept: number;
}

export const DOWNLOAD_REGISTRY_LIMITS: DownloadRegistryLimits = { maxActive: 32, maxKept: 128 };

export interface DownloadTarget {
  readonly sources: readonly DownloadSource[];
  readonly name: string;
  readonly urn?: string;
  readonly size?: number;
}

export interface DownloadRegistryOptions {
  /** folder the files are written to (created when missing) */
  readonly outDir: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly connect?: Connector;
  readonly pushBroker?: PushBroker;
  readonly requestPush?: (source: PushSource) => boolean;
  readonly userAgent?: string;
  /** sources fetched from at once per download */
  readonly maxSources?: number;
  readonly downloadLimits?: Partial<DownloadLimits>;
  readonly limits?: Partial<DownloadRegistryLimits>;
}

const ACTIVE: ReadonlySet<DownloadState> = new Set(['running', 'paused', 'verifying']);

export class DownloadEntry {
  result: DownloadResult | undefined;
  error: { code: string; message: string } | undefined;
  finishedAt: number | undefined;
  /** bumped each time the download is started again, so a stale `done` is ignored */
  generation = 0;

  constructor(
    readonly id: string,
    public download: Download,
    public target: DownloadTarget,
    readonly createdAt: number,
  ) {}

  get urn(): string | undefined {
    return this.target.urn;
  }

  get active(): boolean {
    return ACTIVE.has(this.download.state());
  }
}

export class DownloadRegistry {
  readonly limits: DownloadRegistryLimits;
  private readonly entries = new Map<string, DownloadEntry>();
  private nextId = 1;
  private outDirReady: Promise<unknown> | undefined;

  constructor(private readonly opts: DownloadRegistryOptions) {
    this.limits = { ...DOWNLOAD_REGISTRY_LIMITS, ...opts.limits };
  }

  get outDir(): string {
    return this.opts.outDir;
  }

  /**
   * Starts a download, or adds the sources to the active download of the same urn.
   * `created` says which; `added` counts the sources that were new to it.
   */
  async start(target: DownloadTarget): Promise<{ entry: DownloadEntry; created: boolean; added: number }> {
    const urn = target.urn === undefined ? undefined : normaliseSha1Urn(target.urn);
    if (target.urn !== undefined && urn === undefined) {
      throw new ApiError('E_API_BAD_REQUEST', `not a urn:sha1: ${target.urn.slice(0, 60)}`);
    }
    if (urn !== undefined) {
      const same = [...this.entries.values()].find((e) => e.active && e.urn === urn);
      if (same !== undefined) {
        return { entry: same, created: false, added: same.download.addSources(target.sources) };
      }
    }
    if (this.activeCount() >= this.limits.maxActive) {
      throw new ApiError(
        'E_API_TOO_MANY_DOWNLOADS',
        `${this.limits.maxActive} downloads are active; cancel or finish one first`,
      );
    }
    this.outDirReady ??= mkdir(this.opts.outDir, { recursive: true });
    await this.outDirReady;
    const t: DownloadTarget = { ...target, ...(urn !== undefined ? { urn } : {}) };
    const id = String(this.nextId++);
    const entry = new DownloadEntry(id, this.launch(t), t, this.opts.clock.now());
    this.entries.set(id, entry);
    this.watch(entry);
    this.evictOverflow();
    return { entry, created: true, added: target.sources.length };
  }

  get(id: string): DownloadEntry | undefined {
    return this.entries.get(id);
  }

  list(): DownloadEntry[] {
    return [...this.entries.values()];
  }

  activeCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.active) n++;
    return n;
  }

  async pause(e: DownloadEntry): Promise<void> {
    const st = e.download.state();
    if (st === 'paused') return;
    if (st !== 'running')
      throw new ApiError('E_API_CONFLICT', `download ${e.id} is ${st}; only a running one pauses`);
    await e.download.pause();
  }

  /** Resumes a paused download; starts a failed or cancelled one again from its .part file. */
  resume(e: DownloadEntry): void {
    const st = e.download.state();
    if (st === 'paused') return e.download.resume();
    if (st === 'running' || st === 'verifying') return;
    if (st === 'done') throw new ApiError('E_API_CONFLICT', `download ${e.id} is done`);
    if (this.activeCount() >= this.limits.maxActive) {
      throw new ApiError('E_API_TOO_MANY_DOWNLOADS', `${this.limits.maxActive} downloads are active`);
    }
    e.generation++;
    e.error = undefined;
    e.finishedAt = undefined;
    e.download = this.launch(e.target);
    this.watch(e);
  }

  async cancel(e: DownloadEntry, discard: boolean): Promise<void> {
    if (!e.active) return;
    await e.download.cancel({ discard });
  }

  /** Cancels (keeping the .part unless `discard`) and forgets a download. */
  async remove(e: DownloadEntry, discard: boolean): Promise<void> {
    await this.cancel(e, discard);
    this.entries.delete(e.id);
  }

  /** Pauses every active download (a checkpoint is written), for shutdown. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.entries.values()].filter((e) => e.active).map((e) => e.download.pause().catch(() => {})),
    );
  }

  private launch(t: DownloadTarget): Download {
    const o = this.opts;
    const options: DownloadOptions = {
      sources: t.sources,
      name: t.name,
      outDir: o.outDir,
      clock: o.clock,
      log: o.log,
      ...(t.urn !== undefined ? { urn: t.urn } : {}),
      ...(t.size !== undefined ? { size: t.size } : {}),
      ...(o.maxSources !== undefined ? { maxSources: o.maxSources } : {}),
      ...(o.connect !== undefined ? { connect: o.connect } : {}),
      ...(o.pushBroker !== undefined ? { pushBroker: o.pushBroker } : {}),
      ...(o.requestPush !== undefined ? { requestPush: o.requestPush } : {}),
      ...(o.userAgent !== undefined ? { userAgent: o.userAgent } : {}),
      ...(o.downloadLimits !== undefined ? { limits: o.downloadLimits } : {}),
    };
    return startDownload(options);
  }

  private watch(e: DownloadEntry): void {
    const gen = e.generation;
    e.download.done.then(
      (result) => {
        if (e.generation !== gen) return;
        e.result = result;
        e.finishedAt = this.opts.clock.now();
        this.opts.log.info({ download: e.id, path: result.path, verified: result.verified }, 'download done');
      },
      (err: unknown) => {
        if (e.generation !== gen) return;
        const code = (err as { code?: unknown }).code;
        e.error = {
          code: typeof code === 'string' ? code : 'E_UNKNOWN',
          message: err instanceof Error ? err.message : String(err),
        };
        e.finishedAt = this.opts.clock.now();
      },
    );
  }

  private evictOverflow(): void {
    if (this.entries.size <= this.limits.maxKept) return;
    const finished = [...this.entries.values()]
      .filter((e) => !e.active)
      .sort((a, b) => (a.finishedAt ?? a.createdAt) - (b.finishedAt ?? b.createdAt));
    for (const e of finished) {
      if (this.entries.size <= this.limits.maxKept) break;
      this.entries.delete(e.id);
    }
  }
}
