/**
 * What the download knows about the file itself, shared by every source's worker: urn and
 * size (learned from the first answer when not given), the part file and its done ranges,
 * the writes in flight, and who disagreed with whom at an overlap check. Writers only
 * ever write bytes that are neither on disk nor being written, so two sources racing for
 * the same bytes (end-game) never write them twice.
 */
import { TransferError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ResponseInfo } from './http-client.js';
import type { PartFile } from './part-file.js';
import type { Assignment } from './planner.js';
import { RangeMap } from './range-map.js';

export interface Running extends Assignment {
  readonly ctl: AbortController;
}

type Gap = { start: number; end: number };

export class DownloadFile {
  /** writes in flight, labelled with the assignment id */
  readonly claims = new RangeMap<number>();
  /** overlap-banned source → label of the bytes it disagreed with */
  readonly conflicts = new Map<string, string>();
  /** bytes on disk (= part.completed.bytes(), kept incrementally) */
  have: number;

  constructor(
    readonly part: PartFile,
    public urn: string | undefined,
    public size: number | undefined,
    private readonly maxFileBytes: number,
    private readonly log: Logger,
  ) {
    this.clipToSize();
    this.have = part.completed.bytes();
  }

  isComplete(): boolean {
    return this.size !== undefined && this.part.completed.covers(0, this.size);
  }

  /** Bytes on disk or being written, as one map (for the planner). */
  taken(): RangeMap<true> {
    return RangeMap.union(this.part.completed, this.claims);
  }

  /** Sub-ranges of `[start, end)` neither on disk nor being written (claims are few: one per worker). */
  freeGaps(start: number, end: number): Gap[] {
    const gaps = this.part.completed.gaps(start, end);
    if (this.claims.count() === 0) return gaps;
    const out: Gap[] = [];
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

  /** Forgets every byte `label` sent; returns how many. */
  forget(label: string): number {
    const n = this.part.completed.deleteLabel(label);
    this.have -= n;
    return n;
  }

  /**
   * Bytes to re-request before `pos` so they can be compared with what is on disk: only
   * when all of them are there and at least some came from another source.
   */
  overlapFor(sourceKey: string, pos: number, overlapBytes: number): number {
    const n = Math.min(overlapBytes, pos);
    if (n <= 0 || !this.part.completed.covers(pos - n, pos)) return 0;
    return this.part.completed.slice(pos - n, pos).every((r) => r.label === sourceKey) ? 0 : n;
  }

  /**
   * Checks a response against what we know of the file and learns urn and size when they
   * are unknown. Returns true when the size was learned now. A 200 (whole file) extends
   * the assignment over the free bytes that follow, since that body carries them anyway.
   */
  acceptHead(a: Running, info: ResponseInfo, others: readonly Running[]): boolean {
    if (info.urn !== undefined && this.urn !== undefined && info.urn !== this.urn) {
      throw new TransferError('E_URN_MISMATCH', `source serves ${info.urn}, not ${this.urn}`);
    }
    if (info.urn !== undefined && this.urn === undefined) {
      this.urn = info.urn;
      this.log.info({ urn: info.urn }, 'urn learned from source');
    }
    if (info.total === undefined) {
      if (this.size === undefined)
        throw new TransferError('E_SIZE_UNKNOWN', 'source did not say the file size');
      return false;
    }
    if (info.total > this.maxFileBytes) {
      throw new TransferError('E_SIZE_TOO_LARGE', `file of ${info.total} bytes is over the limit`);
    }
    if (this.size !== undefined && info.total !== this.size) {
      throw new TransferError('E_SIZE_MISMATCH', `source says ${info.total} bytes, expected ${this.size}`);
    }
    const learned = this.size === undefined;
    if (learned) {
      this.size = info.total;
      this.clipToSize();
      this.have = this.part.completed.bytes();
    }
    const size = this.size as number;
    if (info.status === 200) {
      const free = this.freeGaps(a.pos, size)[0];
      let end = free !== undefined && free.start === a.pos ? free.end : a.end;
      for (const o of others) if (o !== a && o.pos < o.end && o.pos >= a.pos) end = Math.min(end, o.pos);
      a.end = Math.max(Math.min(a.end, size), end);
    } else {
      a.end = Math.min(a.end, size);
    }
    return learned;
  }

  /**
   * Writes the part of `data` (at file offset `off`) that nobody else has or is writing,
   * and records it as sent by `sourceKey`. Returns the bytes written.
   */
  async store(sourceKey: string, a: Running, data: Buffer, off: number): Promise<number> {
    const end = off + data.length;
    let written = 0;
    for (const g of this.freeGaps(off, end)) {
      this.claims.set(g.start, g.end, a.id);
      try {
        await this.part.write(data.subarray(g.start - off, g.end - off), g.start);
      } catch (err) {
        throw new TransferError('E_IO', `write to ${this.part.partPath} failed: ${(err as Error).message}`, {
          cause: err,
        });
      } finally {
        this.claims.delete(g.start, g.end);
      }
      this.part.completed.set(g.start, g.end, sourceKey);
      this.have += g.end - g.start;
      written += g.end - g.start;
    }
    a.pos = Math.max(a.pos, end);
    return written;
  }

  private clipToSize(): void {
    if (this.size !== undefined) this.part.completed.delete(this.size, Number.MAX_SAFE_INTEGER);
  }
}
