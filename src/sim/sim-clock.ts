/**
 * `Clock` on top of the scheduler. The simulation as a whole has one `SimClock`; every
 * simulated node gets its own *view* (`NodeClock`) whose timers are tagged with the
 * node's index, so that killing the node cancels all of them at once (lazily: a dead
 * node's timer events are skipped when they reach the top of the queue).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Scheduler } from './scheduler.js';

/** Event kind used by every timer (global and per node). */
export const EV_TIMER = 1;

class SimTimer implements TimerHandle {
  constructor(
    readonly id: number,
    readonly slot: number,
    readonly node: number,
  ) {}
}

/** One node's view of the simulated clock. */
export class NodeClock implements Clock {
  /** timers set and neither fired nor cleared */
  pending = 0;
  alive = true;

  constructor(
    private readonly owner: SimClock,
    readonly index: number,
  ) {}

  now(): number {
    return this.owner.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (!this.alive) return new SimTimer(0, -1, this.index);
    this.pending++;
    return this.owner.schedule(fn, ms, this.index);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    this.owner.clearTimeout(handle);
  }

  /** The node is gone: its pending timers never fire and new ones are ignored. */
  kill(): void {
    this.alive = false;
    this.pending = 0;
  }
}

export class SimClock implements Clock {
  private readonly views: (NodeClock | undefined)[] = [];

  constructor(private readonly sched: Scheduler) {
    sched.on(EV_TIMER, (target, _aux, payload) => {
      if (target >= 0) {
        const view = this.views[target];
        if (view === undefined || !view.alive) return;
        view.pending--;
      }
      (payload as () => void)();
    });
  }

  now(): number {
    return this.sched.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, -1);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!(handle instanceof SimTimer) || handle.slot < 0) return;
    if (!this.sched.cancel(handle.slot, handle.id)) return;
    if (handle.node >= 0) {
      const view = this.views[handle.node];
      if (view !== undefined && view.alive) view.pending--;
    }
  }

  /** The clock view of node `index` (created on first use; one per node). */
  view(index: number): NodeClock {
    let v = this.views[index];
    if (v === undefined) {
      v = new NodeClock(this, index);
      this.views[index] = v;
    }
    return v;
  }

  /** Cancels every timer of node `index` and ignores its future ones. */
  killNode(index: number): void {
    this.views[index]?.kill();
  }

  /** @internal used by NodeClock */
  schedule(fn: () => void, ms: number, node: number): SimTimer {
    // NaN and negative delays mean "as soon as possible", as with Node's timers.
    const delay = ms > 0 ? ms : 0;
    const slot = this.sched.schedule(this.sched.now() + delay, EV_TIMER, node, 0, fn);
    return new SimTimer(this.sched.seqOf(slot), slot, node);
  }
}
