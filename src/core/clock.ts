/**
 * Time is injected. Everything below the composition root receives a `Clock`;
 * only `systemClock` (used by `servent.ts`, `net/`, `transfer/`, `api/`, `cli/`)
 * reads real time. The simulator supplies its own clock driven by its scheduler.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** milliseconds since an arbitrary epoch (monotonic for the system clock) */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** Repeats `fn` every `ms` on `clock` until the returned function is called. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let handle: TimerHandle | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    handle = clock.setTimeout(tick, ms);
    fn();
  };
  handle = clock.setTimeout(tick, ms);
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}

/** Real time. Timers are unref'd so that a pending timer never keeps the process alive. */
export function createSystemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  const origin = performance.timeOrigin;
  return {
    now: () => origin + performance.now(),
    setTimeout(fn, ms) {
      const id = nextId++;
      const t = globalThis.setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms);
      t.unref();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      if (handle === undefined) return;
      const t = timers.get(handle.id);
      if (t !== undefined) {
        globalThis.clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}

/**
 * A clock that only moves when told to. Used by unit tests (and as the base of the
 * simulator's clock): `advance(ms)` fires due timers in (time, insertion) order.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; seq: number; fn: () => void }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { at: this.current + Math.max(0, ms), seq: id, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.pending.delete(handle.id);
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: { id: number; at: number; seq: number; fn: () => void } | undefined;
      for (const [id, t] of this.pending) {
        if (t.at > target) continue;
        if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) {
          next = { id, ...t };
        }
      }
      if (next === undefined) break;
      this.pending.delete(next.id);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  pendingTimers(): number {
    return this.pending.size;
  }
}
