/**
 * A connection's bounded outgoing queue with priorities (wire reference §7.9).
 *
 * When a slow peer's queue is full, the least valuable traffic goes first:
 * pings, then pongs, then queries with the most hops; replies we originated
 * (hops 0 QueryHits and Pongs) and routed QueryHits/Pushes are kept as long as
 * the hard limit allows. Above the hard limit the connection must close (Bye 502).
 */
import type { Message } from '../protocol/messages.js';

/** Lower value = dropped first. */
export const Priority = {
  PING: 0,
  QUERY: 1,
  PONG: 2,
  QUERYHIT: 3,
  PUSH: 4,
  CONTROL: 5,
  OWN_REPLY: 6,
} as const;

export function priorityOf(m: Message): number {
  switch (m.type) {
    case 'ping':
      return Priority.PING;
    case 'query':
      return Priority.QUERY;
    case 'pong':
      return m.hops === 0 ? Priority.OWN_REPLY : Priority.PONG;
    case 'queryhit':
      return m.hops === 0 ? Priority.OWN_REPLY : Priority.QUERYHIT;
    case 'push':
      return Priority.PUSH;
    case 'bye':
    case 'qrp':
    case 'vendor':
    case 'unknown':
      return Priority.CONTROL;
  }
}

interface Entry {
  readonly bytes: Buffer;
  readonly priority: number;
  /** for queries: more hops = less valuable */
  readonly hops: number;
}

export interface SendQueueLimits {
  /** soft bound: above it, droppable traffic is evicted or refused (default 256 KiB) */
  readonly maxBytes: number;
  /** hard bound: above it even our own replies cannot be queued (default 1 MiB) */
  readonly hardMaxBytes: number;
}

export const DEFAULT_SEND_QUEUE_LIMITS: SendQueueLimits = { maxBytes: 256 * 1024, hardMaxBytes: 1024 * 1024 };

export type EnqueueResult = 'queued' | 'dropped' | 'overflow';

/** Messages at or above this priority are never evicted to make room. */
const KEEP_FROM = Priority.QUERYHIT;

export class SendQueue {
  private entries: Entry[] = [];
  private head = 0;
  private size = 0;
  dropped = 0;

  constructor(private readonly limits: SendQueueLimits = DEFAULT_SEND_QUEUE_LIMITS) {}

  get bytes(): number {
    return this.size;
  }

  get length(): number {
    return this.entries.length - this.head;
  }

  /** above half the soft bound: the connection is flow-controlled (stop reading, drop its queries) */
  get congested(): boolean {
    return this.size > this.limits.maxBytes / 2;
  }

  enqueue(bytes: Buffer, priority: number, hops = 0): EnqueueResult {
    const len = bytes.length;
    if (this.size + len > this.limits.maxBytes) {
      if (priority < KEEP_FROM) {
        // evict strictly less valuable entries; refuse if that is not enough
        if (!this.evict(this.size + len - this.limits.maxBytes, priority, hops)) {
          this.dropped++;
          return 'dropped';
        }
      } else {
        this.evict(this.size + len - this.limits.maxBytes, KEEP_FROM, 0);
        if (this.size + len > this.limits.hardMaxBytes) return 'overflow';
      }
    }
    this.entries.push({ bytes, priority, hops });
    this.size += len;
    return 'queued';
  }

  /** Takes up to `maxBytes` worth of queued messages (at least one), in FIFO order. */
  take(maxBytes: number): Buffer[] {
    const out: Buffer[] = [];
    let taken = 0;
    while (this.head < this.entries.length) {
      const e = this.entries[this.head] as Entry;
      if (out.length > 0 && taken + e.bytes.length > maxBytes) break;
      this.head++;
      taken += e.bytes.length;
      this.size -= e.bytes.length;
      out.push(e.bytes);
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.size = 0;
  }

  /**
   * Frees at least `need` bytes by removing entries less valuable than (priority, hops):
   * lowest priority first, and among queries the ones with the most hops.
   */
  private evict(need: number, priority: number, hops: number): boolean {
    const live = this.entries.slice(this.head);
    const victims = live
      .map((e, i) => ({ e, i }))
      .filter(
        ({ e }) =>
          e.priority < priority ||
          (e.priority === priority && e.priority === Priority.QUERY && e.hops > hops),
      )
      .sort((a, b) => a.e.priority - b.e.priority || b.e.hops - a.e.hops || b.i - a.i);
    let freed = 0;
    const drop = new Set<number>();
    for (const v of victims) {
      if (freed >= need) break;
      drop.add(v.i);
      freed += v.e.bytes.length;
    }
    if (freed < need) return false;
    this.entries = live.filter((_, i) => !drop.has(i));
    this.head = 0;
    this.size -= freed;
    this.dropped += drop.size;
    return true;
  }
}
