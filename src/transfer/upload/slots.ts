/**
 * Upload slots: who may download from us right now. Clock-driven and free of I/O, so the
 * whole policy runs under a ManualClock in tests.
 *
 * Rules:
 * - at most `slots` holders at once, and at most one per remote IP;
 * - an IP refused for lack of a slot is remembered in a bounded FIFO (`queueMax`); when
 *   slots free up, the first `free` queue entries hold a reservation for `graceMs`, and
 *   anyone else is refused meanwhile. A reservation not claimed in time is dropped and
 *   the next entry inherits it. An entry not seen again for `staleMs` is forgotten;
 * - rotation (choke): a holder that has held its slot for more than `rotationMs` while
 *   more peers wait than there are free slots is *choked*; the upload path cuts its
 *   response after the current chunk and refuses its next request (see app.ts).
 * The state is evaluated lazily from `clock.now()` on every call; no timer is needed.
 */
import type { Clock } from '../../core/clock.js';

export interface UploadSlotOptions {
  clock: Clock;
  /** concurrent uploads at most (default 4) */
  slots?: number;
  /** seconds announced in `Retry-After` (default 60: peers must not poll faster anyway) */
  retryAfterS?: number;
  /** a holder may be choked after this long if others wait (default 10 min) */
  rotationMs?: number;
  /** how long a freed slot stays reserved for the queue head (default retryAfter + 15 s) */
  graceMs?: number;
  /** refused IPs remembered at most (default 64); past it newcomers are refused unqueued */
  queueMax?: number;
  /** a queue entry not seen again for this long is forgotten (default 2 × retryAfter + grace) */
  staleMs?: number;
}

export const DEFAULT_UPLOAD_SLOTS = 4;
export const DEFAULT_RETRY_AFTER_S = 60;
export const DEFAULT_ROTATION_MS = 10 * 60_000;
export const DEFAULT_QUEUE_MAX = 64;

export interface UploadSlot {
  readonly ip: string;
  /** clock time the slot was granted */
  readonly since: number;
  /** true once the holder must yield (held > rotationMs while others wait) */
  choked(): boolean;
  /** gives the slot back; idempotent */
  release(): void;
}

export type SlotRefusal = 'per-ip' | 'full' | 'reserved';

export type SlotAnswer =
  | { readonly ok: true; readonly slot: UploadSlot }
  | {
      readonly ok: false;
      readonly reason: SlotRefusal;
      readonly retryAfterS: number;
      /** 1-based place in the queue; undefined when not queued (per-ip, or queue full) */
      readonly position: number | undefined;
    };

export interface SlotStats {
  active: number;
  queued: number;
  /** queue entries currently holding a reservation */
  reserved: number;
  /** slots taken back by rotation so far */
  choked: number;
}

interface QueueEntry {
  readonly ip: string;
  lastSeen: number;
  /** set while a freed slot is reserved for this entry */
  eligibleSince: number | undefined;
}

export class UploadSlots {
  private readonly clock: Clock;
  readonly slots: number;
  readonly retryAfterS: number;
  readonly rotationMs: number;
  private readonly graceMs: number;
  private readonly queueMax: number;
  private readonly staleMs: number;
  /** holders by IP (one slot per IP) */
  private readonly holders = new Map<string, { since: number }>();
  private readonly queue: QueueEntry[] = [];
  private chokedCount = 0;

  constructor(opts: UploadSlotOptions) {
    this.clock = opts.clock;
    this.slots = Math.max(1, Math.floor(opts.slots ?? DEFAULT_UPLOAD_SLOTS));
    this.retryAfterS = Math.max(1, Math.floor(opts.retryAfterS ?? DEFAULT_RETRY_AFTER_S));
    this.rotationMs = opts.rotationMs ?? DEFAULT_ROTATION_MS;
    this.graceMs = opts.graceMs ?? (this.retryAfterS + 15) * 1000;
    this.queueMax = Math.max(0, Math.floor(opts.queueMax ?? DEFAULT_QUEUE_MAX));
    this.staleMs = opts.staleMs ?? 2 * this.retryAfterS * 1000 + this.graceMs;
  }

  private free(): number {
    return this.slots - this.holders.size;
  }

  /** Forgets stale entries and expired reservations, then hands reservations to the head. */
  private refresh(): void {
    const now = this.clock.now();
    for (;;) {
      const free = Math.max(0, this.free());
      let removed = false;
      for (let i = 0; i < this.queue.length; i++) {
        const e = this.queue[i] as QueueEntry;
        if (i < free) {
          if (e.eligibleSince === undefined) e.eligibleSince = now;
          else if (now - e.eligibleSince > this.graceMs) {
            this.queue.splice(i, 1);
            removed = true;
            break;
          }
        } else {
          e.eligibleSince = undefined;
          if (now - e.lastSeen > this.staleMs) {
            this.queue.splice(i, 1);
            removed = true;
            break;
          }
        }
      }
      if (!removed) return;
    }
  }

  /** Asks for a slot for a request from `ip`. */
  acquire(ip: string): SlotAnswer {
    this.refresh();
    const now = this.clock.now();
    if (this.holders.has(ip)) {
      return { ok: false, reason: 'per-ip', retryAfterS: this.retryAfterS, position: undefined };
    }
    const free = this.free();
    const idx = this.queue.findIndex((e) => e.ip === ip);
    const reservedForOthers = Math.min(this.queue.length, free);
    const granted = idx >= 0 ? idx < free : free - reservedForOthers > 0;
    if (granted) {
      if (idx >= 0) this.queue.splice(idx, 1);
      return { ok: true, slot: this.grant(ip, now) };
    }
    let position: number | undefined;
    if (idx >= 0) {
      (this.queue[idx] as QueueEntry).lastSeen = now;
      position = idx + 1;
    } else if (this.queue.length < this.queueMax) {
      this.queue.push({ ip, lastSeen: now, eligibleSince: undefined });
      position = this.queue.length;
    }
    return {
      ok: false,
      reason: free > 0 ? 'reserved' : 'full',
      retryAfterS: this.retryAfterS,
      position,
    };
  }

  private grant(ip: string, since: number): UploadSlot {
    const record = { since };
    this.holders.set(ip, record);
    let released = false;
    let counted = false;
    return {
      ip,
      since,
      choked: () => {
        if (released) return false;
        if (this.clock.now() - since <= this.rotationMs) return false;
        this.refresh();
        const choked = this.queue.length > this.free();
        if (choked && !counted) {
          counted = true;
          this.chokedCount++;
        }
        return choked;
      },
      release: () => {
        if (released) return;
        released = true;
        if (this.holders.get(ip) === record) this.holders.delete(ip);
        this.refresh();
      },
    };
  }

  stats(): SlotStats {
    this.refresh();
    let reserved = 0;
    for (const e of this.queue) if (e.eligibleSince !== undefined) reserved++;
    return { active: this.holders.size, queued: this.queue.length, reserved, choked: this.chokedCount };
  }
}
