/**
 * The event queue of the simulator: a binary min-heap of event records ordered by
 * (time, sequence number). The sequence number is assigned at scheduling time, so two
 * events due at the same instant run in the order they were scheduled — the only
 * tie-break, which makes a run a pure function of the seed.
 *
 * Records live in parallel typed arrays ("slots") instead of one object per event:
 * an event is (time, seq, kind, target, aux, payload). `kind` picks a handler from a
 * table (one entry point per kind, as PeerSim's event-driven engine does), `target` is
 * usually a node index, `aux` a second small integer (e.g. the sender), `payload` a
 * reference (a message, a timer callback). No closure is allocated per event by the
 * scheduler itself.
 *
 * Cancellation is lazy: a cancelled slot stays in the heap, flagged, and is skipped
 * when it reaches the top. A slot is recycled only after it has been popped, so a
 * (slot, seq) pair names one event for its whole life.
 */

/** Handler of one event kind. `payload` is whatever was scheduled with the event. */
export type EventHandler = (target: number, aux: number, payload: unknown) => void;

/** Identifies one scheduled event: its slot and its unique sequence number. */
export interface EventRef {
  readonly slot: number;
  readonly seq: number;
}

const INITIAL_CAPACITY = 1024;
/** Kinds are small integers (Uint8Array); 0 is reserved to mean "no kind". */
export const MAX_EVENT_KINDS = 256;

export class Scheduler {
  private time: Float64Array;
  private seqs: Float64Array;
  private kinds: Uint8Array;
  private targets: Int32Array;
  private auxs: Int32Array;
  private cancelled: Uint8Array;
  private payloads: unknown[];
  /** heap of slot numbers */
  private heap: Int32Array;
  private heapSize = 0;
  /** stack of free slots */
  private free: Int32Array;
  private freeTop = 0;
  private capacity: number;
  private used = 0;
  private readonly handlers: (EventHandler | undefined)[] = [];
  private current = 0;
  private nextSeq = 1;
  private live = 0;
  private executed = 0;
  private observer: ((time: number, kind: number, target: number, aux: number) => void) | undefined;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    const c = Math.max(16, initialCapacity | 0);
    this.capacity = c;
    this.time = new Float64Array(c);
    this.seqs = new Float64Array(c);
    this.kinds = new Uint8Array(c);
    this.targets = new Int32Array(c);
    this.auxs = new Int32Array(c);
    this.cancelled = new Uint8Array(c);
    this.payloads = new Array<unknown>(c);
    this.heap = new Int32Array(c);
    this.free = new Int32Array(c);
  }

  /** Current simulated time (ms). Never decreases. */
  now(): number {
    return this.current;
  }

  /** Events scheduled and neither run nor cancelled yet. */
  pending(): number {
    return this.live;
  }

  /** Events run so far (cancelled ones excluded). */
  eventsRun(): number {
    return this.executed;
  }

  /** Time of the next live event, or undefined when the queue is empty. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.heapSize === 0 ? undefined : this.time[this.heap[0] as number];
  }

  /** Registers the handler of `kind` (1..255). Each kind has exactly one handler. */
  on(kind: number, handler: EventHandler): void {
    if (!Number.isInteger(kind) || kind < 1 || kind >= MAX_EVENT_KINDS) {
      throw new RangeError(`event kind must be an integer in 1..${MAX_EVENT_KINDS - 1}, got ${kind}`);
    }
    if (this.handlers[kind] !== undefined) throw new Error(`event kind ${kind} already has a handler`);
    this.handlers[kind] = handler;
  }

  /** Called before each event runs (used to hash a trace of the run). */
  observe(fn: ((time: number, kind: number, target: number, aux: number) => void) | undefined): void {
    this.observer = fn;
  }

  /**
   * Schedules an event at absolute time `at` (clamped to now: the past is not
   * reachable). Returns the slot; `seqOf(slot)` gives its sequence number until it runs.
   */
  schedule(at: number, kind: number, target: number, aux: number, payload: unknown): number {
    if (!(at >= this.current)) {
      if (Number.isNaN(at)) throw new RangeError('event time is NaN');
      at = this.current;
    }
    const slot = this.allocSlot();
    this.time[slot] = at;
    this.seqs[slot] = this.nextSeq++;
    this.kinds[slot] = kind;
    this.targets[slot] = target;
    this.auxs[slot] = aux;
    this.cancelled[slot] = 0;
    this.payloads[slot] = payload;
    this.push(slot);
    this.live++;
    return slot;
  }

  /** Sequence number of the event in `slot` (valid while it is pending). */
  seqOf(slot: number): number {
    return this.seqs[slot] as number;
  }

  /**
   * Cancels the event (slot, seq) if it is still pending. Returns true when it was.
   * A stale reference (the event already ran and the slot was reused) is ignored.
   */
  cancel(slot: number, seq: number): boolean {
    if (slot < 0 || slot >= this.used) return false;
    if (this.seqs[slot] !== seq || this.cancelled[slot] === 1 || this.kinds[slot] === 0) return false;
    this.cancelled[slot] = 1;
    this.payloads[slot] = undefined;
    this.live--;
    return true;
  }

  /**
   * Runs the next live event whose time is ≤ `until`. Returns false when there is none
   * (time then stays where it is).
   */
  step(until = Infinity): boolean {
    for (;;) {
      if (this.heapSize === 0) return false;
      const slot = this.heap[0] as number;
      const t = this.time[slot] as number;
      if (this.cancelled[slot] === 1) {
        this.pop();
        this.release(slot);
        continue;
      }
      if (t > until) return false;
      this.pop();
      const kind = this.kinds[slot] as number;
      const target = this.targets[slot] as number;
      const aux = this.auxs[slot] as number;
      const payload = this.payloads[slot];
      this.release(slot);
      this.live--;
      this.current = t;
      this.executed++;
      if (this.observer !== undefined) this.observer(t, kind, target, aux);
      const h = this.handlers[kind];
      if (h === undefined) throw new Error(`no handler for event kind ${kind}`);
      h(target, aux, payload);
      return true;
    }
  }

  /**
   * Runs events until the queue is empty, simulated time would pass `until`, or
   * `maxEvents` have run. Afterwards time is `until` when the queue ran dry before it
   * (and `until` is finite). Returns the number of events run.
   */
  runUntil(until: number, maxEvents = Infinity): number {
    let n = 0;
    while (n < maxEvents && this.step(until)) n++;
    if (n < maxEvents && Number.isFinite(until) && until > this.current) this.current = until;
    return n;
  }

  // ---- heap internals ---------------------------------------------------------------

  private less(a: number, b: number): boolean {
    const ta = this.time[a] as number;
    const tb = this.time[b] as number;
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  private push(slot: number): void {
    const heap = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      if (!this.less(slot, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  private pop(): void {
    const heap = this.heap;
    const n = --this.heapSize;
    if (n === 0) return;
    const last = heap[n] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(heap[r] as number, heap[l] as number)) c = r;
      const child = heap[c] as number;
      if (!this.less(child, last)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
  }

  private dropCancelledTop(): void {
    while (this.heapSize > 0) {
      const slot = this.heap[0] as number;
      if (this.cancelled[slot] !== 1) return;
      this.pop();
      this.release(slot);
    }
  }

  private release(slot: number): void {
    this.kinds[slot] = 0;
    this.payloads[slot] = undefined;
    this.free[this.freeTop++] = slot;
  }

  private allocSlot(): number {
    if (this.freeTop > 0) return this.free[--this.freeTop] as number;
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  private grow(): void {
    const c = this.capacity * 2;
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(c);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(c);
      b.set(a);
      return b;
    };
    this.time = f64(this.time);
    this.seqs = f64(this.seqs);
    this.kinds = u8(this.kinds);
    this.targets = i32(this.targets);
    this.auxs = i32(this.auxs);
    this.cancelled = u8(this.cancelled);
    this.heap = i32(this.heap);
    this.free = i32(this.free);
    this.payloads.length = c;
    this.capacity = c;
  }
}
