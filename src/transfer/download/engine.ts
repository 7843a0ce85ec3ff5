/**
 * The download engine: one file, many sources. Each active source runs a worker that asks
 * the planner for bytes (fresh segment, split of a slow source's remainder, or an end-game
 * race), fetches them over a keep-alive HTTP connection and writes them at their offset in
 * the .part file. Bytes count as done only once written; the .part.json checkpoint is
 * written after a flush. When every byte is on disk the file is hashed and, when it
 * matches the urn, moved to its final name. See docs/LIMITS.md § Downloads.
 */
import type { TimerHandle } from '../../core/clock.js';
import { ConfigError, ServentError, TransferError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { normaliseSha1Urn, sha1Urn } from '../../share/base32.js';
import { connectByPush, connectWithin, tcpConnect } from './connect.js';
import { sanitiseName } from './file-name.js';
import { HttpClientConnection, type ResponseInfo } from './http-client.js';
import { PartFile } from './part-file.js';
import { type Assignment, plan, type Plan } from './planner.js';
import { Listeners, RateMeter } from './progress-meter.js';
import { RangeMap } from './range-map.js';
import { sourceKey } from './source-parse.js';
import { classifyError, SourceEntry } from './source-entry.js';
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
const DEFAULT_USER_AGENT = 'servent/0.1';
const PROGRESS_EVERY_MS = 250;
/** Re-verification rounds after a failed SHA-1 (one suspect source excluded per round). */
const MAX_REPAIR_ROUNDS = 8;

interface Running extends Assignment {
  readonly ctl: AbortController;
}

function aborted(): TransferError {
  return new TransferError('E_ABORTED', 'stopped');
}

export function startDownload(opts: DownloadOptions): Download {
  return new DownloadEngine(opts);
}

class DownloadEngine implements Download {
  readonly name: string;
  readonly done: Promise<DownloadResult>;
  private readonly limits: DownloadLimits;
  private readonly log: Logger;
  private readonly maxSources: number;
  private urn: string | undefined;
  private size: number | undefined;
  private readonly entries = new Map<string, SourceEntry>();
  private readonly assignments = new Map<number, Running>();
  /** writes in flight, labelled with the assignment id */
  private readonly claims = new RangeMap<number>();
  private part: PartFile | undefined;
  private st: DownloadState = 'running';
  private nextId = 1;
  private wakeTimer: TimerHandle | undefined;
  private finishing = false;
  private settled = false;
  private readonly workers = new Set<Promise<void>>();
  private readonly listeners: Listeners<DownloadEvents>;
  private readonly meter = new RateMeter();
  private lastProgressAt = Number.NEGATIVE_INFINITY;
  private sinceCheckpoint = 0;
  private lastCheckpointAt: number;
  private checkpointChain: Promise<void> = Promise.resolve();
  /** overlap-banned source → label of the bytes it disagreed with */
  private readonly conflicts = new Map<string, string>();
  private readonly suspectsTried = new Set<string>();
  private suspect: string | undefined;
  private verifyFailures = 0;
  /** bytes on disk (= part.completed.bytes(), kept incrementally) */
  private have = 0;
  private discarded = false;
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
    this.done.catch(() => {}); // the caller may never await; the rejection is still delivered to those who do
    let urnError: Error | undefined;
    if (opts.urn !== undefined) {
      this.urn = normaliseSha1Urn(opts.urn);
      if (this.urn === undefined)
        urnError = new ConfigError('E_BAD_URN', `not a urn:sha1: ${opts.urn.slice(0, 60)}`);
    }
    this.size = opts.size;
    this.name = sanitiseName(opts.name, this.urn !== undefined ? this.urn.slice(9, 25) : undefined);
    this.addSources(opts.sources);
    this.ready = urnError !== undefined ? Promise.reject(urnError) : this.init();
    this.ready.catch((e: unknown) => void this.fail(e instanceof Error ? e : new Error(String(e))));
  }

  get partPath(): string {
    return this.part?.partPath ?? '';
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
    const now = this.opts.clock.now();
    const bytes = this.have;
    const rate = this.meter.rate(now, bytes);
    let active = 0;
    let total = 0;
    for (const e of this.entries.values()) {
      if (e.busy) active++;
      if (e.alive()) total++;
    }
    const etaS = this.size !== undefined && rate > 0 ? (this.size - bytes) / rate : undefined;
    return { bytes, size: this.size, rate, sources: { active, total }, etaS };
  }

  addSources(sources: readonly DownloadSource[]): number {
    let added = 0;
    for (const s of sources) {
      const key = sourceKey(s);
      if (this.entries.has(key) || this.entries.size >= this.limits.maxKnownSources) continue;
      const e = new SourceEntry(key, s);
      if (this.part?.banned.has(key) === true) e.status = 'banned';
      this.entries.set(key, e);
      added++;
      this.listeners.emit('source', this.sourceEvent(e));
    }
    if (added > 0 && this.part !== undefined) this.schedule();
    return added;
  }

  async pause(): Promise<void> {
    await this.ready.catch(() => {});
    if (this.st !== 'running' || this.finishing) return;
    this.setState('paused');
    await this.stopWorkers();
    await this.checkpoint();
  }

  resume(): void {
    if (this.st !== 'paused') return;
    this.setState('running');
    this.schedule();
  }

  async cancel(opts: { discard?: boolean } = {}): Promise<void> {
    await this.ready.catch(() => {});
    if (this.settled) return;
    this.settled = true;
    this.setState('cancelled');
    await this.stopWorkers();
    if (opts.discard === true) await this.discardPart();
    else {
      await this.checkpoint();
      await this.part?.close();
    }
    this.rejectDone(new TransferError('E_CANCELLED', 'download cancelled'));
  }

  // ---- start-up ------------------------------------------------------------------------

  private async init(): Promise<void> {
    const { part, state } = await PartFile.open(
      this.opts.outDir,
      { name: this.name, urn: this.urn, size: this.size },
      this.limits.maxFileBytes,
      this.limits.maxStateBytes,
      this.log,
    );
    this.part = part;
    if (state !== undefined) {
      this.urn ??= state.urn;
      this.size ??= state.size;
      this.log.info({ have: part.completed.bytes(), size: this.size }, 'resuming download');
    }
    if (this.size !== undefined) part.completed.delete(this.size, Number.MAX_SAFE_INTEGER);
    this.have = part.completed.bytes();
    for (const e of this.entries.values()) {
      if (part.banned.has(e.key)) {
        e.status = 'banned';
        this.listeners.emit('source', this.sourceEvent(e));
      }
    }
    if (this.settled) return;
    this.schedule();
  }

  // ---- scheduling ----------------------------------------------------------------------

  private schedule(): void {
    if (this.st !== 'running' || this.part === undefined || this.finishing || this.settled) return;
    if (this.isComplete()) {
      void this.finish();
      return;
    }
    const now = this.opts.clock.now();
    let active = 0;
    for (const e of this.entries.values()) if (e.busy) active++;
    for (const e of this.entries.values()) {
      if (active >= this.maxSources) break;
      if (!e.usable(now)) continue;
      const p = this.planFor(e);
      if (p === undefined) continue;
      this.startWorker(e, p);
      active++;
    }
    this.opts.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    let nextRetry = Number.POSITIVE_INFINITY;
    let alive = 0;
    for (const e of this.entries.values()) {
      if (!e.alive()) continue;
      alive++;
      if (!e.busy && e.retryAt > now) nextRetry = Math.min(nextRetry, e.retryAt);
    }
    if (active < this.maxSources && nextRetry !== Number.POSITIVE_INFINITY) {
      this.wakeTimer = this.opts.clock.setTimeout(() => this.schedule(), nextRetry - now);
    }
    if (active === 0 && nextRetry === Number.POSITIVE_INFINITY) {
      const err =
        this.verifyFailures > 0
          ? new TransferError(
              'E_SHA1_MISMATCH',
              'file failed verification and no other source is left to repair it',
            )
          : new TransferError(
              'E_NO_SOURCES',
              alive === 0 ? 'no usable source left' : 'sources have nothing left to send',
            );
      void this.fail(err, this.verifyFailures > 0);
    }
  }

  private isComplete(): boolean {
    return this.size !== undefined && this.part !== undefined && this.part.completed.covers(0, this.size);
  }

  private taken(): RangeMap<true> {
    return RangeMap.union((this.part as PartFile).completed, this.claims);
  }

  /** Sub-ranges of `[start, end)` neither on disk nor being written (claims are few: one per worker). */
  private freeGaps(start: number, end: number): { start: number; end: number }[] {
    const gaps = (this.part as PartFile).completed.gaps(start, end);
    if (this.claims.count() === 0) return gaps;
    const out: { start: number; end: number }[] = [];
    for (const g of gaps) {
      let pos = g.start;
      for (const c of this.claims.slice(g.start, g.end)) {
        if (c.start > pos) out.push({ start: pos, end: c.start });
        pos = Math.max(pos, c.end);
      }
      if (pos < g.end) out.push({ start: pos, end: g.end });
    }
    return out;
  }

  private planFor(e: SourceEntry): Plan | undefined {
    if (this.size === undefined) {
      // size unknown: one probing request learns it before anyone else starts
      return this.assignments.size === 0
        ? { kind: 'fresh', start: 0, end: this.limits.segmentBytes }
        : undefined;
    }
    const rates = new Map<string, number>();
    for (const x of this.entries.values()) if (x.rate !== undefined) rates.set(x.key, x.rate);
    return plan({
      size: this.size,
      taken: this.taken(),
      assignments: [...this.assignments.values()],
      sourceKey: e.key,
      rates,
      sizes: this.limits,
    });
  }

  private apply(p: Plan, e: SourceEntry): Running {
    const id = this.nextId++;
    let a: Running;
    if (p.kind === 'fresh')
      a = {
        id,
        sourceKey: e.key,
        start: p.start,
        end: p.end,
        pos: p.start,
        raceOf: undefined,
        ctl: new AbortController(),
      };
    else if (p.kind === 'split') {
      const victim = this.assignments.get(p.victim);
      if (victim !== undefined) victim.end = Math.min(victim.end, p.at);
      a = {
        id,
        sourceKey: e.key,
        start: p.at,
        end: p.end,
        pos: p.at,
        raceOf: undefined,
        ctl: new AbortController(),
      };
    } else
      a = {
        id,
        sourceKey: e.key,
        start: p.start,
        end: p.end,
        pos: p.start,
        raceOf: p.victim,
        ctl: new AbortController(),
      };
    this.assignments.set(id, a);
    this.log.debug({ source: e.key, plan: p.kind, start: a.start, end: a.end }, 'segment assigned');
    return a;
  }

  private startWorker(e: SourceEntry, first: Plan): void {
    e.busy = true;
    e.status = 'active';
    this.part?.sourcesTried.add(e.key);
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
          await this.fetchAssignment(e, a);
          e.failures = 0;
          e.connectFailures = 0;
        } catch (err) {
          // an end-game loser is stopped by us: it simply takes the next plan
          const raceLost =
            err instanceof ServentError &&
            err.code === 'E_ABORTED' &&
            this.st === 'running' &&
            !this.finishing;
          if (!raceLost) throw err;
          e.closeConnection();
        }
        this.assignments.delete(a.id);
        if (this.st !== 'running' || this.finishing || this.settled) break;
        const p = this.planFor(e);
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
    const code = err instanceof ServentError ? err.code : 'E_UNEXPECTED';
    e.lastCode = code;
    e.closeConnection();
    if (code === 'E_IO') {
      void this.fail(err as Error);
      return;
    }
    const v = classifyError(err, this.limits);
    const src = e.source;
    this.log.debug(
      { source: e.key, code, verdict: v.kind, msg: (err as Error).message },
      'source request failed',
    );
    switch (v.kind) {
      case 'aborted':
        return;
      case 'ban':
        e.status = 'banned';
        this.part?.banned.add(e.key);
        this.log.warn({ source: e.key, code }, 'source banned for this file');
        return;
      case 'drop':
        e.status = 'dropped';
        return;
      case 'retry':
        if (
          v.connect &&
          src.kind === 'direct' &&
          src.serventId !== undefined &&
          e.viaPush === undefined &&
          this.opts.requestPush !== undefined &&
          this.opts.pushBroker !== undefined
        ) {
          e.viaPush = { kind: 'push', serventId: src.serventId, index: src.index ?? 0, name: this.name };
          e.status = 'idle';
          return;
        }
        e.failures++;
        e.connectFailures = v.connect ? e.connectFailures + 1 : 0;
        if (
          e.failures >= this.limits.maxSourceFailures ||
          e.connectFailures >= this.limits.maxConnectFailures
        ) {
          e.status = 'dropped';
        } else e.backOff(this.opts.clock.now(), this.limits, v.delayMs);
        return;
    }
  }

  // ---- fetching ------------------------------------------------------------------------

  private async connection(e: SourceEntry, signal: AbortSignal): Promise<HttpClientConnection> {
    if (e.conn?.usable() === true) return e.conn;
    e.conn = undefined;
    const src = e.source;
    const push = src.kind === 'push' ? src : e.viaPush;
    let hostHeader: string;
    let socket;
    if (push !== undefined) {
      socket = await connectByPush(
        push,
        this.opts.pushBroker,
        this.opts.requestPush,
        this.limits.pushTimeoutMs,
        signal,
      );
      const ra = socket as { remoteAddress?: string; remotePort?: number };
      hostHeader =
        ra.remoteAddress !== undefined ? `${ra.remoteAddress}:${ra.remotePort ?? 0}` : push.serventId;
    } else if (src.kind === 'direct') {
      socket = await connectWithin(
        this.opts.connect ?? tcpConnect,
        src.host,
        src.port,
        this.limits.connectTimeoutMs,
        this.opts.clock,
        signal,
      );
      hostHeader = `${src.host.includes(':') ? `[${src.host}]` : src.host}:${src.port}`;
    } else throw new TransferError('E_BAD_SOURCE', 'unknown source kind');
    if (signal.aborted) {
      socket.destroy();
      throw aborted();
    }
    e.conn = new HttpClientConnection(socket, {
      clock: this.opts.clock,
      hostHeader,
      userAgent: this.opts.userAgent ?? DEFAULT_USER_AGENT,
      firstByteTimeoutMs: this.limits.firstByteTimeoutMs,
      idleTimeoutMs: this.limits.idleTimeoutMs,
      drainBytes: this.limits.drainBytes,
      maxRetryAfterMs: this.limits.maxRetryAfterMs,
    });
    return e.conn;
  }

  private pathFor(e: SourceEntry): string {
    const src = e.source;
    if (src.kind === 'direct' && e.viaPush === undefined) return src.path;
    const push = src.kind === 'push' ? src : e.viaPush;
    if (this.urn !== undefined) return `/uri-res/N2R?${this.urn}`;
    return `/get/${push?.index ?? 0}/${encodeURIComponent(push?.name || this.name)}`;
  }

  /** Bytes to re-request before `pos` to compare with data we already have from someone else. */
  private overlapFor(e: SourceEntry, pos: number): number {
    const n = Math.min(this.limits.overlapBytes, pos);
    if (n <= 0) return 0;
    const part = this.part as PartFile;
    if (!part.completed.covers(pos - n, pos)) return 0;
    const labels = part.completed.slice(pos - n, pos);
    return labels.every((r) => r.label === e.key) ? 0 : n;
  }

  private async fetchAssignment(e: SourceEntry, a: Running): Promise<void> {
    const part = this.part as PartFile;
    while (a.pos < a.end) {
      if (this.st !== 'running' || this.settled || a.ctl.signal.aborted) throw aborted();
      if (this.freeGaps(a.pos, a.end).length === 0) return; // someone else wrote these bytes
      const conn = await this.connection(e, a.ctl.signal);
      let ov = this.overlapFor(e, a.pos);
      const expected = ov > 0 ? await part.read(a.pos - ov, ov) : Buffer.alloc(0);
      ov = expected.length;
      const reqStart = a.pos - ov;
      const t0 = this.opts.clock.now();
      let got = 0;
      await conn.fetch(
        {
          path: this.pathFor(e),
          start: reqStart,
          endInclusive: a.end - 1,
          ...(this.urn !== undefined ? { urn: this.urn } : {}),
          signal: a.ctl.signal,
        },
        (info) => this.acceptHead(a, info),
        async (chunk, off) => {
          let data = chunk;
          let at = off;
          if (at < a.pos) {
            const n = Math.min(a.pos - at, data.length);
            const want = expected.subarray(at - reqStart, at - reqStart + n);
            if (!want.equals(data.subarray(0, n))) {
              const theirs = part.completed.slice(a.pos - 1, a.pos)[0]?.label;
              if (theirs !== undefined) this.conflicts.set(e.key, theirs);
              throw new TransferError(
                'E_OVERLAP_MISMATCH',
                `bytes before ${a.pos} differ from the data already on disk`,
              );
            }
            data = data.subarray(n);
            at += n;
          }
          if (data.length > 0) {
            const end = Math.min(at + data.length, a.end);
            if (end > at) await this.store(e, a, data.subarray(0, end - at), at);
            got += data.length;
          }
          return a.pos >= a.end || a.ctl.signal.aborted || this.st !== 'running' ? 'stop' : 'more';
        },
      );
      e.recordRate(got, this.opts.clock.now() - t0);
      if (!conn.usable()) e.closeConnection();
    }
  }

  /** Checks a response against what we know of the file; learns size and urn when unknown. */
  private acceptHead(a: Running, info: ResponseInfo): void {
    if (info.urn !== undefined && this.urn !== undefined && info.urn !== this.urn) {
      throw new TransferError('E_URN_MISMATCH', `source serves ${info.urn}, not ${this.urn}`);
    }
    if (info.urn !== undefined && this.urn === undefined) {
      this.urn = info.urn;
      this.log.info({ urn: info.urn }, 'urn learned from source');
    }
    if (info.total === undefined) {
      if (this.size === undefined)
        throw new TransferError('E_SIZE_MISMATCH', 'source did not say the file size');
      return;
    }
    if (info.total > this.limits.maxFileBytes)
      throw new TransferError('E_SIZE_TOO_LARGE', `file of ${info.total} bytes is over the limit`);
    if (this.size !== undefined && info.total !== this.size) {
      throw new TransferError('E_SIZE_MISMATCH', `source says ${info.total} bytes, expected ${this.size}`);
    }
    if (this.size === undefined) {
      this.size = info.total;
      // a 200 carries the whole file: keep reading it until others split the work
      a.end = info.status === 200 ? this.size : Math.min(a.end, this.size);
      (this.part as PartFile).completed.delete(this.size, Number.MAX_SAFE_INTEGER);
      this.have = (this.part as PartFile).completed.bytes();
      queueMicrotask(() => this.schedule());
    }
  }

  /** Writes bytes that nobody else wrote or is writing, then records them as done. */
  private async store(e: SourceEntry, a: Running, data: Buffer, off: number): Promise<void> {
    const part = this.part as PartFile;
    const end = off + data.length;
    for (const g of this.freeGaps(off, end)) {
      this.claims.set(g.start, g.end, a.id);
      try {
        await part.write(data.subarray(g.start - off, g.end - off), g.start);
      } catch (err) {
        throw new TransferError('E_IO', `write to ${part.partPath} failed: ${(err as Error).message}`, {
          cause: err,
        });
      } finally {
        this.claims.delete(g.start, g.end);
      }
      part.completed.set(g.start, g.end, e.key);
      this.have += g.end - g.start;
      e.bytes += g.end - g.start;
      this.sinceCheckpoint += g.end - g.start;
    }
    a.pos = Math.max(a.pos, end);
    this.afterWrite(a);
  }

  private afterWrite(current: Running): void {
    const now = this.opts.clock.now();
    const bytes = this.have;
    this.meter.record(now, bytes);
    // end-game: whoever still fetches bytes that are now all on disk lost the race
    for (const a of this.assignments.values()) {
      if (a !== current && a.pos < a.end && !a.ctl.signal.aborted && this.freeGaps(a.pos, a.end).length === 0)
        a.ctl.abort();
    }
    if (
      this.sinceCheckpoint >= this.limits.checkpointBytes ||
      now - this.lastCheckpointAt >= this.limits.checkpointMs
    ) {
      void this.checkpoint();
    }
    if (now - this.lastProgressAt >= PROGRESS_EVERY_MS || (this.size !== undefined && bytes >= this.size)) {
      this.lastProgressAt = now;
      this.listeners.emit('progress', this.progress());
    }
  }

  // ---- finishing -----------------------------------------------------------------------

  private checkpoint(): Promise<void> {
    const part = this.part;
    if (part === undefined || this.discarded) return Promise.resolve();
    this.sinceCheckpoint = 0;
    this.lastCheckpointAt = this.opts.clock.now();
    const id = { name: this.name, urn: this.urn, size: this.size };
    this.checkpointChain = this.checkpointChain
      .then(() => part.checkpoint(id))
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

  private async finish(): Promise<void> {
    if (this.finishing || this.settled) return;
    this.finishing = true;
    await this.stopWorkers();
    await this.checkpoint();
    if (this.settled) return;
    const part = this.part as PartFile;
    const size = this.size as number;
    this.setState('verifying');
    try {
      await part.truncate(size);
      const urn = this.urn;
      if (urn !== undefined) {
        const got = sha1Urn(await part.sha1(size));
        if (got !== urn) {
          await this.repairOrFail(got, urn);
          return;
        }
      }
      if (this.suspect !== undefined) {
        this.log.warn(
          { source: this.suspect },
          'file verified without this source: it sent corrupt data and is banned',
        );
        this.suspect = undefined;
      }
      const path = await part.finalise(this.name);
      this.settled = true;
      this.setState('done');
      this.listeners.emit('progress', this.progress());
      this.resolveDone({ path, size, urn, verified: urn !== undefined });
    } catch (err) {
      await this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * The whole file does not hash to the urn. One source: ban it, discard, fail. Several:
   * suspect one contributor at a time (sources that others disagreed with at an overlap
   * first, then the one that sent least), drop its bytes and fetch them from the others,
   * then verify again. A suspect whose exclusion makes the file verify stays banned; an
   * innocent one is reinstated. After MAX_REPAIR_ROUNDS or when no suspect is left, every
   * contributor is banned and the download fails with E_SHA1_MISMATCH.
   */
  private async repairOrFail(got: string, urn: string): Promise<void> {
    const part = this.part as PartFile;
    this.verifyFailures++;
    const contributors = part.completed.bytesByLabel();
    this.log.warn({ got, urn, contributors: [...contributors.keys()] }, 'SHA-1 mismatch');
    if (this.suspect !== undefined) {
      const innocent = this.entries.get(this.suspect);
      if (innocent !== undefined) innocent.suspect = false;
      this.suspect = undefined;
    }
    const targets = new Set(this.conflicts.values());
    const candidates = [...contributors.entries()]
      .filter(([k]) => !this.suspectsTried.has(k))
      .sort(
        (x, y) =>
          Number(targets.has(y[0])) - Number(targets.has(x[0])) || x[1] - y[1] || (x[0] < y[0] ? -1 : 1),
      );
    const next = candidates[0]?.[0];
    if (contributors.size <= 1 || next === undefined || this.verifyFailures > MAX_REPAIR_ROUNDS) {
      for (const k of contributors.keys()) {
        part.banned.add(k);
        const e = this.entries.get(k);
        if (e !== undefined) e.status = 'banned';
      }
      await this.discardPart();
      this.settled = true;
      this.setState('failed');
      this.rejectDone(new TransferError('E_SHA1_MISMATCH', `file hashes to ${got}, expected ${urn}`));
      return;
    }
    this.suspectsTried.add(next);
    this.suspect = next;
    part.completed.deleteLabel(next);
    this.have = part.completed.bytes();
    const e = this.entries.get(next);
    if (e !== undefined) {
      e.suspect = true;
      this.listeners.emit('source', { key: next, status: 'banned', code: 'E_SUSPECT' });
    }
    // sources banned for disagreeing with the suspect's bytes get another chance
    for (const [q, p] of this.conflicts) {
      if (p !== next) continue;
      this.conflicts.delete(q);
      part.banned.delete(q);
      const qe = this.entries.get(q);
      if (qe !== undefined && qe.status === 'banned') {
        qe.status = 'idle';
        qe.failures = 0;
        this.listeners.emit('source', this.sourceEvent(qe));
      }
    }
    this.log.info({ suspect: next }, 're-fetching the suspect source’s bytes from the others');
    this.finishing = false;
    this.setState('running');
    await this.checkpoint();
    this.schedule();
  }

  /** Deletes part and state once no checkpoint can recreate them. */
  private async discardPart(): Promise<void> {
    this.discarded = true;
    await this.checkpointChain;
    await this.part?.discard();
  }

  private async fail(err: Error, discard = false): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.setState('failed');
    await this.stopWorkers();
    if (discard) await this.discardPart();
    else {
      await this.checkpoint();
      await this.part?.close();
    }
    this.log.info({ code: (err as ServentError).code, msg: err.message }, 'download failed');
    this.rejectDone(err);
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
