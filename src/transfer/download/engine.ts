/**
 * The download engine: one file, many sources. Each active source runs a worker that asks
 * the planner for bytes (fresh segment, split of a slower source's remainder, or an
 * end-game race), fetches them (segment-fetcher.ts) and writes them at their offset in the
 * .part file (download-file.ts). Bytes count as done only once written; the .part.json
 * checkpoint follows a flush. When every byte is on disk the file is hashed and, when it
 * matches the urn, moved to its final name. Limits: docs/LIMITS.md § Downloads.
 */
import type { TimerHandle } from '../../core/clock.js';
import { ConfigError, ServentError, TransferError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { normaliseSha1Urn, sha1Urn } from '../../share/base32.js';
import { DownloadFile, type Running } from './download-file.js';
import { sanitiseName } from './file-name.js';
import { PartFile } from './part-file.js';
import { plan, type Plan } from './planner.js';
import { Listeners, RateMeter } from './progress-meter.js';
import { fetchAssignment, type FetchContext } from './segment-fetcher.js';
import { SourceEntry } from './source-entry.js';
import { sourceKey } from './source-parse.js';
import { RepairRounds } from './repair-rounds.js';
import {
  type Download,
  DOWNLOAD_DEFAULTS,
  type DownloadEvents,
  type DownloadLimits,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  type DownloadSource,
  type DownloadState,
  type SourceEvent,
} from './types.js';

const DEFAULT_MAX_SOURCES = 4;
const PROGRESS_EVERY_MS = 250;
/** Re-verification rounds after a failed SHA-1 (one suspect source excluded per round). */
const MAX_REPAIR_ROUNDS = 8;

export function startDownload(opts: DownloadOptions): Download {
  return new DownloadEngine(opts);
}

class DownloadEngine implements Download {
  readonly name: string;
  readonly done: Promise<DownloadResult>;
  private readonly limits: DownloadLimits;
  private readonly log: Logger;
  private readonly maxSources: number;
  /** urn and size as given, until the part file is open */
  private readonly given: { urn: string | undefined; size: number | undefined };
  private file: DownloadFile | undefined;
  private readonly entries = new Map<string, SourceEntry>();
  private readonly assignments = new Map<number, Running>();
  private st: DownloadState = 'running';
  private nextId = 1;
  private wakeTimer: TimerHandle | undefined;
  private finishing = false;
  private settled = false;
  private discarded = false;
  private readonly workers = new Set<Promise<void>>();
  private readonly listeners: Listeners<DownloadEvents>;
  private readonly meter = new RateMeter();
  private lastProgressAt = Number.NEGATIVE_INFINITY;
  private sinceCheckpoint = 0;
  private lastCheckpointAt: number;
  private checkpointChain: Promise<void> = Promise.resolve();
  private readonly repair = new RepairRounds(MAX_REPAIR_ROUNDS);
  /** what workers see; set once the part file is open */
  private fetchCtx: FetchContext | undefined;
  private readonly ready: Promise<void>;
  private resolveDone!: (r: DownloadResult) => void;
  private rejectDone!: (e: Error) => void;

  constructor(private readonly opts: DownloadOptions) {
    this.limits = { ...DOWNLOAD_DEFAULTS, ...opts.limits };
    this.log = opts.log.child({ download: opts.name });
    this.maxSources = Math.max(1, opts.maxSources ?? DEFAULT_MAX_SOURCES);
    this.listeners = new Listeners<DownloadEvents>(this.log);
    this.lastCheckpointAt = opts.clock.now();
    this.done = new Promise<DownloadResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {}); // the caller may never await; those who do still see the rejection
    const urn = opts.urn === undefined ? undefined : normaliseSha1Urn(opts.urn);
    this.given = { urn, size: opts.size };
    this.name = sanitiseName(opts.name, urn?.slice('urn:sha1:'.length));
    this.addSources(opts.sources);
    this.ready =
      opts.urn !== undefined && urn === undefined
        ? Promise.reject(new ConfigError('E_BAD_URN', `not a urn:sha1: ${opts.urn.slice(0, 60)}`))
        : this.init();
    this.ready.catch((e: unknown) => void this.fail(e instanceof Error ? e : new Error(String(e))));
  }

  get partPath(): string {
    return this.file?.part.partPath ?? '';
  }

  on<K extends keyof DownloadEvents>(event: K, listener: (ev: DownloadEvents[K]) => void): () => void {
    return this.listeners.on(event, listener);
  }

  state(): DownloadState {
    return this.st;
  }

  sources(): readonly SourceEvent[] {
    return [...this.entries.values()].map((e) => this.sourceEvent(e));
  }

  progress(): DownloadProgress {
    const bytes = this.file?.have ?? 0;
    const size = this.file?.size ?? this.given.size;
    const rate = this.meter.rate(this.opts.clock.now(), bytes);
    let active = 0;
    let total = 0;
    for (const e of this.entries.values()) {
      if (e.busy) active++;
      if (e.alive()) total++;
    }
    const etaS = size !== undefined && rate > 0 ? (size - bytes) / rate : undefined;
    return { bytes, size, rate, sources: { active, total }, etaS };
  }

  addSources(sources: readonly DownloadSource[]): number {
    let added = 0;
    for (const s of sources) {
      const key = sourceKey(s);
      if (this.entries.has(key) || this.entries.size >= this.limits.maxKnownSources) continue;
      const e = new SourceEntry(key, s);
      if (this.file?.part.banned.has(key) === true) e.status = 'banned';
      this.entries.set(key, e);
      added++;
      this.listeners.emit('source', this.sourceEvent(e));
    }
    if (added > 0 && this.file !== undefined) this.schedule();
    return added;
  }

  async pause(): Promise<void> {
    await this.ready.catch(() => {});
    if (this.st !== 'running' || this.finishing || this.settled) return;
    this.setState('paused');
    await this.stopWorkers();
    await this.checkpoint();
  }

  resume(): void {
    if (this.st !== 'paused' || this.settled) return;
    this.setState('running');
    this.schedule();
  }

  async cancel(opts: { discard?: boolean } = {}): Promise<void> {
    await this.ready.catch(() => {});
    if (this.settled) return;
    this.settled = true;
    this.setState('cancelled');
    await this.stopWorkers();
    await this.closePart(opts.discard === true);
    this.rejectDone(new TransferError('E_CANCELLED', 'download cancelled'));
  }

  // ---- start-up and scheduling -----------------------------------------------------------

  private async init(): Promise<void> {
    const { part, state } = await PartFile.open(
      this.opts.outDir,
      { name: this.name, ...this.given },
      this.limits.maxFileBytes,
      this.limits.maxStateBytes,
      this.log,
    );
    const file = new DownloadFile(
      part,
      this.given.urn ?? state?.urn,
      this.given.size ?? state?.size,
      this.limits.maxFileBytes,
      this.log,
    );
    this.file = file;
    this.fetchCtx = {
      file,
      limits: this.limits,
      opts: this.opts,
      name: this.name,
      running: () => this.running(),
      assignments: () => [...this.assignments.values()],
      afterWrite: (_e, a, written) => this.afterWrite(a, written),
      sizeLearned: () => queueMicrotask(() => this.schedule()),
    };
    if (state !== undefined) this.log.info({ have: file.have, size: file.size }, 'resuming download');
    for (const e of this.entries.values()) {
      if (!part.banned.has(e.key)) continue;
      e.status = 'banned';
      this.listeners.emit('source', this.sourceEvent(e));
    }
    if (this.settled) {
      await part.close();
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    const file = this.file;
    if (this.st !== 'running' || file === undefined || this.finishing || this.settled) return;
    if (file.isComplete()) {
      void this.finish(file);
      return;
    }
    const now = this.opts.clock.now();
    let active = 0;
    for (const e of this.entries.values()) if (e.busy) active++;
    for (const e of this.entries.values()) {
      if (active >= this.maxSources) break;
      if (!e.usable(now)) continue;
      const p = this.planFor(file, e);
      if (p === undefined) continue;
      this.startWorker(e, p);
      active++;
    }
    this.opts.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    let nextRetry = Number.POSITIVE_INFINITY;
    for (const e of this.entries.values()) {
      if (e.alive() && !e.busy && e.retryAt > now) nextRetry = Math.min(nextRetry, e.retryAt);
    }
    if (active < this.maxSources && nextRetry !== Number.POSITIVE_INFINITY) {
      this.wakeTimer = this.opts.clock.setTimeout(() => this.schedule(), nextRetry - now);
    }
    if (active === 0 && nextRetry === Number.POSITIVE_INFINITY) {
      // nobody is fetching and nobody will be: the file cannot be completed
      const err =
        this.repair.failures > 0
          ? new TransferError('E_SHA1_MISMATCH', 'file failed verification and no other source can repair it')
          : new TransferError('E_NO_SOURCES', 'no usable source left');
      void this.fail(err, this.repair.failures > 0);
    }
  }

  private planFor(file: DownloadFile, e: SourceEntry): Plan | undefined {
    if (file.size === undefined) {
      // size unknown: one probing request learns it before anyone else starts
      return this.assignments.size === 0
        ? { kind: 'fresh', start: 0, end: this.limits.segmentBytes }
        : undefined;
    }
    const rates = new Map<string, number>();
    for (const x of this.entries.values()) if (x.rate !== undefined) rates.set(x.key, x.rate);
    return plan({
      size: file.size,
      taken: file.taken(),
      assignments: [...this.assignments.values()],
      sourceKey: e.key,
      rates,
      sizes: this.limits,
    });
  }

  private apply(p: Plan, e: SourceEntry): Running {
    const id = this.nextId++;
    const base = { id, sourceKey: e.key, ctl: new AbortController() };
    let a: Running;
    if (p.kind === 'fresh') a = { ...base, start: p.start, end: p.end, pos: p.start, raceOf: undefined };
    else if (p.kind === 'split') {
      const victim = this.assignments.get(p.victim);
      if (victim !== undefined) victim.end = Math.min(victim.end, p.at);
      a = { ...base, start: p.at, end: p.end, pos: p.at, raceOf: undefined };
    } else a = { ...base, start: p.start, end: p.end, pos: p.start, raceOf: p.victim };
    this.assignments.set(id, a);
    this.log.debug({ source: e.key, plan: p.kind, start: a.start, end: a.end }, 'segment assigned');
    return a;
  }

  private startWorker(e: SourceEntry, first: Plan): void {
    e.busy = true;
    e.status = 'active';
    this.file?.part.sourcesTried.add(e.key);
    this.listeners.emit('source', this.sourceEvent(e));
    const run = this.workerLoop(e, this.apply(first, e));
    this.workers.add(run);
    void run.finally(() => this.workers.delete(run));
  }

  private async workerLoop(e: SourceEntry, firstAssignment: Running): Promise<void> {
    let a = firstAssignment;
    try {
      for (;;) {
        try {
          await fetchAssignment(this.fetchCtx as FetchContext, e, a);
          e.failures = 0;
          e.connectFailures = 0;
        } catch (err) {
          // an end-game loser is stopped by us: it simply takes the next plan
          const raceLost = err instanceof ServentError && err.code === 'E_ABORTED' && this.running();
          if (!raceLost) throw err;
          e.closeConnection();
        }
        this.assignments.delete(a.id);
        if (!this.running() || this.file === undefined) break;
        const p = this.planFor(this.file, e);
        if (p === undefined) break;
        a = this.apply(p, e);
      }
    } catch (err) {
      this.onWorkerError(e, err);
    } finally {
      this.assignments.delete(a.id);
      e.busy = false;
      e.closeConnection();
      if (e.status === 'active') e.status = 'idle';
      this.listeners.emit('source', this.sourceEvent(e));
      this.schedule();
    }
  }

  private onWorkerError(e: SourceEntry, err: unknown): void {
    if (err instanceof ServentError && err.code === 'E_IO') {
      e.lastCode = err.code;
      void this.fail(err);
      return;
    }
    const canPush = this.opts.requestPush !== undefined && this.opts.pushBroker !== undefined;
    const outcome = e.failed(err, this.opts.clock.now(), this.limits, canPush ? this.name : undefined);
    this.log.debug(
      { source: e.key, code: e.lastCode, outcome, msg: (err as Error).message },
      'source failed',
    );
    if (outcome === 'ban') {
      this.file?.part.banned.add(e.key);
      this.log.warn({ source: e.key, code: e.lastCode }, 'source banned for this file');
    }
  }

  private afterWrite(current: Running, written: number): void {
    const file = this.file as DownloadFile;
    const now = this.opts.clock.now();
    this.sinceCheckpoint += written;
    this.meter.record(now, file.have);
    // end-game: whoever still fetches bytes that are now all on disk lost the race
    for (const a of this.assignments.values()) {
      if (a === current || a.pos >= a.end || a.ctl.signal.aborted) continue;
      if (file.freeGaps(a.pos, a.end).length === 0) a.ctl.abort();
    }
    if (
      this.sinceCheckpoint >= this.limits.checkpointBytes ||
      now - this.lastCheckpointAt >= this.limits.checkpointMs
    ) {
      void this.checkpoint();
    }
    if (now - this.lastProgressAt >= PROGRESS_EVERY_MS || file.isComplete()) {
      this.lastProgressAt = now;
      this.listeners.emit('progress', this.progress());
    }
  }

  // ---- checkpoints, verification, the end ----------------------------------------------

  private checkpoint(): Promise<void> {
    const file = this.file;
    if (file === undefined || this.discarded) return Promise.resolve();
    this.sinceCheckpoint = 0;
    this.lastCheckpointAt = this.opts.clock.now();
    const id = { name: this.name, urn: file.urn, size: file.size };
    this.checkpointChain = this.checkpointChain
      .then(() => file.part.checkpoint(id))
      .catch((err: unknown) => this.log.warn({ err }, 'download checkpoint failed'));
    return this.checkpointChain;
  }

  private async stopWorkers(): Promise<void> {
    this.opts.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const a of this.assignments.values()) a.ctl.abort();
    for (const e of this.entries.values()) e.closeConnection();
    while (this.workers.size > 0) await Promise.allSettled([...this.workers]);
  }

  /** Keeps the part (with a last checkpoint) or deletes it, so no checkpoint can recreate it. */
  private async closePart(discard: boolean): Promise<void> {
    if (!discard) {
      await this.checkpoint();
      await this.file?.part.close();
      return;
    }
    this.discarded = true;
    await this.checkpointChain;
    await this.file?.part.discard();
  }

  private async finish(file: DownloadFile): Promise<void> {
    if (this.finishing || this.settled) return;
    this.finishing = true;
    await this.stopWorkers();
    await this.checkpoint();
    if (this.settled) return;
    const size = file.size as number;
    this.setState('verifying');
    try {
      await file.part.truncate(size);
      const urn = file.urn;
      if (urn !== undefined) {
        const got = sha1Urn(await file.part.sha1(size));
        if (got !== urn) {
          await this.repairOrFail(file, got, urn);
          return;
        }
      }
      const liar = this.repair.suspect;
      if (liar !== undefined)
        this.log.warn({ source: liar }, 'verified without this source: it lied, banned');
      const path = await file.part.finalise(this.name);
      this.settled = true;
      this.setState('done');
      this.listeners.emit('progress', this.progress());
      this.resolveDone({ path, size, urn, verified: urn !== undefined });
    } catch (err) {
      await this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * The whole file does not hash to the urn. One contributor: ban it, discard, fail.
   * Several: run a repair round (repair-rounds.ts). Past MAX_REPAIR_ROUNDS, or with nobody
   * left to suspect, every contributor is banned and the download fails with
   * E_SHA1_MISMATCH (part and state discarded).
   */
  private async repairOrFail(file: DownloadFile, got: string, urn: string): Promise<void> {
    const part = file.part;
    const contributors = part.completed.bytesByLabel();
    this.log.warn({ got, urn, contributors: [...contributors.keys()] }, 'SHA-1 mismatch');
    const { innocent, next } = this.repair.mismatch(contributors, file.conflicts);
    const back = innocent !== undefined ? this.entries.get(innocent) : undefined;
    if (back !== undefined) back.suspect = false;
    if (next === undefined) {
      for (const k of contributors.keys()) {
        part.banned.add(k);
        const e = this.entries.get(k);
        if (e !== undefined) e.status = 'banned';
      }
      this.settled = true;
      this.setState('failed');
      await this.closePart(true);
      this.rejectDone(new TransferError('E_SHA1_MISMATCH', `file hashes to ${got}, expected ${urn}`));
      return;
    }
    file.forget(next);
    const e = this.entries.get(next);
    if (e !== undefined) {
      e.suspect = true;
      this.listeners.emit('source', { key: next, status: 'banned', code: 'E_SUSPECT' });
    }
    // sources banned for disagreeing with the suspect's bytes get another chance
    for (const [q, p] of [...file.conflicts]) {
      if (p !== next) continue;
      file.conflicts.delete(q);
      part.banned.delete(q);
      const qe = this.entries.get(q);
      if (qe === undefined || qe.status !== 'banned') continue;
      qe.status = 'idle';
      qe.failures = 0;
      this.listeners.emit('source', this.sourceEvent(qe));
    }
    this.log.info({ suspect: next }, 're-fetching the suspect source’s bytes from the others');
    this.finishing = false;
    this.setState('running');
    await this.checkpoint();
    this.schedule();
  }

  private async fail(err: Error, discard = false): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.setState('failed');
    await this.stopWorkers();
    await this.closePart(discard);
    this.log.info({ code: (err as ServentError).code, msg: err.message }, 'download failed');
    this.rejectDone(err);
  }

  /** Workers may fetch: not paused, cancelled, failed, or finishing. */
  private running(): boolean {
    return this.st === 'running' && !this.settled && !this.finishing;
  }

  private setState(s: DownloadState): void {
    if (this.st === s) return;
    this.st = s;
    this.listeners.emit('state', s);
  }

  private sourceEvent(e: SourceEntry): SourceEvent {
    const status = e.suspect ? 'banned' : e.status;
    return {
      key: e.key,
      status,
      ...(e.lastCode !== undefined ? { code: e.lastCode } : {}),
      ...(status === 'backoff' ? { retryAt: e.retryAt } : {}),
    };
  }
}
