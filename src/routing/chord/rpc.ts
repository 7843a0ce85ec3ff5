/**
 * Outstanding requests: request id → callback, with a timeout on the injected clock.
 * A reply is accepted only from the address the request went to, so a third party that
 * guesses request ids cannot answer for someone else. Callbacks (not promises) keep the
 * router drivable by a discrete-event loop that never yields to the microtask queue.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { ChordMessage } from '../../protocol/chord/messages.js';

/** `open(ANY, …)`: the reply may come from any address (a recursive lookup's last hop) */
export const ANY = '*';

export type ReplyCallback = (reply: ChordMessage | undefined) => void;

interface Pending {
  readonly to: string;
  readonly cb: ReplyCallback;
  readonly timer: TimerHandle;
}

export class RpcTable {
  private readonly pending = new Map<number, Pending>();
  private nextRid: number;
  private readonly clock: Clock;
  timeouts = 0;

  constructor(clock: Clock, firstRid: number) {
    this.clock = clock;
    this.nextRid = firstRid >>> 0 || 1;
  }

  get size(): number {
    return this.pending.size;
  }

  /** reserves a request id (never 0: 0 marks one-way messages) and arms its timeout */
  open(to: string, timeoutMs: number, cb: ReplyCallback): number {
    let rid = this.nextRid;
    while (rid === 0 || this.pending.has(rid)) rid = (rid + 1) >>> 0;
    this.nextRid = (rid + 1) >>> 0;
    const timer = this.clock.setTimeout(() => {
      if (this.pending.get(rid)?.timer !== timer) return;
      this.pending.delete(rid);
      this.timeouts++;
      cb(undefined);
    }, timeoutMs);
    this.pending.set(rid, { to, cb, timer });
    return rid;
  }

  /** delivers a reply; false when nothing was waiting for it (late, spoofed or duplicate) */
  resolve(from: string, reply: ChordMessage): boolean {
    const p = this.pending.get(reply.rid);
    if (p === undefined || (p.to !== ANY && p.to !== from)) return false;
    this.pending.delete(reply.rid);
    this.clock.clearTimeout(p.timer);
    p.cb(reply);
    return true;
  }

  /** forgets a request without calling back */
  cancel(rid: number): void {
    const p = this.pending.get(rid);
    if (p === undefined) return;
    this.pending.delete(rid);
    this.clock.clearTimeout(p.timer);
  }

  /** drops every outstanding request silently (stop) */
  clear(): void {
    for (const p of this.pending.values()) this.clock.clearTimeout(p.timer);
    this.pending.clear();
  }
}
